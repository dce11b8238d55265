// `--proxy address:<file>`: the proxy under test is an appliance the lab does not start. It takes the
// contract's place in the lab like any proxy, but its "start" starts nothing: it waits until every
// listener the address file names accepts connections (a clear error naming the one that does not),
// and runs the syslog receiver the file asks for, whose lines are the appliance's log in the
// evidence. Nothing on the appliance is touched, nothing is stopped at the end but the receiver.
import { connect } from 'node:net';
import { LabStartError } from '../errors.js';
import type { ProxyContract, ProxyImplementation, StartedProxy } from '../proxies/index.js';
import { loadApplianceFile, type ApplianceFile } from './address-file.js';
import type { ApplianceSetup } from './setup.js';
import { applianceStateDir } from './state.js';
import { startSyslogReceiver, type ReceivedSyslogLine } from './syslog/index.js';

const SYSLOG_LINES_KEPT = 20_000;

/** The appliance an address file describes (a usage error, exit 2, when the file does not validate). */
export function applianceProxy(file: string): ProxyImplementation {
  const described = loadApplianceFile(file);
  return applianceImplementation(
    { listen: described.listen, mode: described.mode, stateDir: applianceStateDir(described.listen, described.mode), file: described },
    { kind: 'address', file },
  );
}

/** An appliance not configured yet: the lab binds its upstreams and writes the worksheet (`worksheet`, `up --listen`). */
export function applianceToConfigure(listen: string, mode: 'bridge' | 'tunnel'): ProxyImplementation {
  return applianceImplementation({ listen, mode, stateDir: applianceStateDir(listen, mode) });
}

function applianceImplementation(setup: ApplianceSetup, ref?: ProxyImplementation['ref']): ProxyImplementation {
  const file = setup.file;
  return {
    name: file ? `appliance:${file.name}` : 'appliance (to configure)',
    kind: 'appliance',
    description: file
      ? `the external appliance ${file.name} (${file.mode}), listening where ${ref?.kind === 'address' ? ref.file : 'its address file'} says; the lab starts and stops nothing of it`
      : `an external appliance in ${setup.mode} mode, to configure from the worksheet`,
    modes: [setup.mode],
    ref,
    appliance: setup,
    start: (contract) => (file ? watchAppliance(file, contract) : Promise.resolve({ log: () => [], close: async () => undefined })),
  };
}

async function watchAppliance(file: ApplianceFile, contract: ProxyContract): Promise<StartedProxy> {
  const deadline = Date.now() + file.readinessSeconds * 1000;
  await Promise.all(contract.listeners.map((listener) => waitForListener(listener.publicName, listener.bind, deadline)));
  if (!file.syslog) return { log: () => [], close: async () => undefined };
  const receiver = await startSyslogReceiver({
    host: file.listen,
    port: file.syslog.port,
    maxLines: SYSLOG_LINES_KEPT,
    maxMessageBytes: 8192,
  }).catch((error: Error) => {
    throw new LabStartError(`the syslog receiver could not listen on ${file.listen}:${file.syslog!.port}: ${error.message}`);
  });
  const fromAppliance = (line: ReceivedSyslogLine) =>
    !file.syslog!.source || line.remoteAddress.replace(/^::ffff:/, '') === file.syslog!.source;
  return {
    // Lines are read by position (each check takes those after its mark): the ones the bounded receiver
    // dropped keep their places as a note, so later checks still get their own lines.
    log: () => [
      ...new Array<string>(receiver.dropped()).fill(`(syslog line dropped: the receiver keeps the newest ${SYSLOG_LINES_KEPT})`),
      ...receiver
        .lines()
        .map((line) =>
          fromAppliance(line)
            ? `syslog ${line.transport} ${line.remoteAddress}: ${line.raw}`
            : `(syslog line from ${line.remoteAddress}, not the appliance's source ${file.syslog!.source})`,
        ),
    ],
    close: () => receiver.close(),
  };
}

/** Until the deadline, try to connect every 250 ms; then a start error that names the listener and what the last try met. */
async function waitForListener(publicName: string, at: { host: string; port: number }, deadline: number): Promise<void> {
  let last = '';
  do {
    last = await tryConnect(at);
    if (!last) return;
    await new Promise((done) => setTimeout(done, 250));
  } while (Date.now() < deadline);
  throw new LabStartError(`the appliance's listener for ${publicName} at ${at.host}:${at.port} does not accept connections (${last})`);
}

function tryConnect(at: { host: string; port: number }): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ host: at.host, port: at.port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      done('');
    });
    socket.once('timeout', () => {
      socket.destroy();
      done('no answer within 2 s');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}
