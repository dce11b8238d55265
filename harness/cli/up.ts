// `ibcm-lab up` keeps one lab running for hands-on work (a support engineer reproducing a customer's
// topology) and prints how to reach it: every host with its names and address, the DNS server of
// each segment, and commands to try from a client's place. It stays in the foreground until Ctrl-C,
// SIGTERM or `ibcm-lab down` (which finds it through .ibcm-lab/up.json), and then takes the lab down.
// On the docker driver `down` also removes what this `up` and every run whose process is gone left
// labelled on the engine (a lab whose `up` was killed outright included), and names what it leaves:
// the containers of runs that are still live — someone else's, on a shared engine.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { startLab, type Lab } from '../lab/index.js';
import type { ProxyImplementation } from '../proxies/index.js';
import { proxyOption } from './proxy-option.js';
import { applianceMode, checkListenAddress } from '../appliance/listen.js';
import { applianceToConfigure } from '../appliance/proxy.js';
import { bold } from '../report/style.js';
import { loadTopology, proxyModes, type ProxyMode } from '../topology/index.js';
import { processAlive } from '../drivers/docker/process-alive.js';
import { newRun } from './suite-runner.js';
import { startRunFolder } from './run-folder.js';
import { retentionPolicy } from '../run/retention.js';
import { preparePolicyCommands } from './up-try-policy.js';

export interface UpOptions {
  driver?: string;
  topology?: string;
  mode?: string;
  proxy?: string;
  listen?: string;
}

const STATE_FILE = resolve('.ibcm-lab', 'up.json');

interface UpState {
  pid: number;
  runId: string;
  driver: 'embedded' | 'docker';
  dir: string;
  startedAt: string;
}

export async function upCommand(options: UpOptions): Promise<number> {
  const driverName = options.driver ?? 'embedded';
  if (driverName !== 'embedded' && driverName !== 'docker')
    throw new UsageError(`--driver must be embedded or docker, got "${driverName}"`);
  const topology = loadTopology(options.topology);
  // --listen without an address file: the lab waits for an appliance still to configure from the worksheet.
  const { ref: proxyRef, proxy } =
    options.listen !== undefined && !options.proxy?.startsWith('address:')
      ? {
          ref: { kind: 'builtin' as const, name: 'appliance' },
          proxy: applianceToConfigure(checkListenAddress(options.listen), applianceMode(options.mode)),
        }
      : proxyOption(options.proxy);
  const mode = (options.mode ?? proxy.appliance?.mode ?? topology.proxy.mode) as ProxyMode;
  if (!(proxyModes as readonly string[]).includes(mode))
    throw new UsageError(`--mode must be one of ${proxyModes.join(', ')} (one mode: a lab has one proxy), got "${mode}"`);
  if (proxy.appliance && driverName !== 'embedded') throw new UsageError('an appliance reaches the lab on the embedded driver (--listen)');
  const running = readState();
  if (running && processAlive(running.pid))
    throw new UsageError(`a lab is already up (process ${running.pid}, run ${running.runId}); 'ibcm-lab down' stops it`);

  let driver;
  if (driverName === 'docker') {
    const { dockerReadiness } = await import('../drivers/docker/readiness.js');
    const problem = await dockerReadiness(proxyRef);
    if (problem) throw new UsageError(problem);
    driver = (await import('../drivers/docker/driver.js')).dockerDriver;
  }
  const retention = retentionPolicy({});
  const run = newRun();
  const folder = startRunFolder(run, retention);
  try {
    return await keepLabUp({ run, topology, mode, proxy, driver, driverName });
  } finally {
    folder.release();
  }
}

async function keepLabUp({
  run,
  topology,
  mode,
  proxy,
  driver,
  driverName,
}: {
  run: ReturnType<typeof newRun>;
  topology: ReturnType<typeof loadTopology>;
  mode: ProxyMode;
  proxy: ProxyImplementation;
  driver: Parameters<typeof startLab>[0]['driver'];
  driverName: 'embedded' | 'docker';
}): Promise<number> {
  const dir = join(run.runDir, 'up');
  process.stdout.write(
    `Starting a ${mode} lab (${topology.name}, proxy ${mode === 'direct' ? 'none' : proxy.name}, ${driverName} driver)…\n`,
  );
  const lab = await startLab({
    topology,
    mode,
    proxy,
    runId: run.runId,
    dir,
    driver,
    labIndex: Number(process.env.IBCM_LAB_INDEX ?? 190),
    onProgress: (event) => {
      if (event.state !== 'start')
        process.stdout.write(
          `  ${event.state === 'done' ? '✔' : '✘'} ${event.step} ${event.host ?? ''}${event.ms !== undefined ? ` ${event.ms} ms` : ''}${event.detail ? `  ${event.detail}` : ''}\n`,
        );
    },
  });
  mkdirSync(resolve('.ibcm-lab'), { recursive: true });
  writeFileSync(
    STATE_FILE,
    JSON.stringify(
      { pid: process.pid, runId: run.runId, driver: driverName, dir: resolve(dir), startedAt: new Date().toISOString() } satisfies UpState,
      null,
      2,
    ),
  );
  process.stdout.write(await describeLab(lab, driverName));
  if (lab.worksheet) process.stdout.write(`\n${lab.worksheet.markdown}\nWorksheet written to ${lab.worksheet.path}\n`);

  // Signal handlers do not keep a process alive: on the docker driver nothing else here does (the
  // lab is containers), and an `up` that exits leaves a lab whose owner is gone — which its reaper
  // (drivers/docker/reaper.ts) rightly removes. A timer holds the process until the signal.
  const hold = setInterval(() => undefined, 60_000);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  clearInterval(hold);
  process.stdout.write('\nTaking the lab down…\n');
  await lab.stop();
  if (readState()?.pid === process.pid) rmSync(STATE_FILE, { force: true });
  process.stdout.write('Lab down.\n');
  return 0;
}

export async function downCommand(): Promise<number> {
  const state = readState();
  let stopped = false;
  let leftAlone = 0;
  if (state && processAlive(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    for (let waited = 0; waited < 30_000 && processAlive(state.pid); waited += 200) await new Promise((done) => setTimeout(done, 200));
    stopped = !processAlive(state.pid);
    process.stdout.write(
      stopped ? `stopped the lab of run ${state.runId} (process ${state.pid})\n` : `process ${state.pid} did not stop within 30 s\n`,
    );
  }
  rmSync(STATE_FILE, { force: true });
  // Docker: what this `up` and every dead run left goes too; a live run's objects stay, named.
  const { engineProblem } = await import('../drivers/docker/engine.js');
  if (!(await engineProblem())) {
    const { sweepStale } = await import('../drivers/docker/cleanup.js');
    const { describeLeftAlone } = await import('../drivers/docker/sweep-plan.js');
    const swept = await sweepStale({ ownRuns: state ? [state.runId] : [] });
    if (swept.containers || swept.networks)
      process.stdout.write(
        `removed ${swept.containers} container(s) and ${swept.networks} network(s) of this lab and of runs whose process is gone\n`,
      );
    for (const entry of swept.leftAlone) process.stdout.write(`${describeLeftAlone(entry)}\n`);
    leftAlone = swept.leftAlone.length;
  }
  if (!state && !stopped && !leftAlone) process.stdout.write('no lab was up\n');
  return 0;
}

function readState(): UpState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as UpState;
  } catch {
    return undefined;
  }
}

/** What a person needs to use the lab: hosts, DNS, and commands from a client's place. */
export async function describeLab(lab: Lab, driver: string): Promise<string> {
  const lines: string[] = [
    '',
    bold(`Lab up — ${lab.topology.name}, ${lab.mode} mode, proxy ${lab.proxyName ?? 'none'}, ${driver} driver (${lab.startupMs} ms)`),
    '',
  ];
  lines.push(bold('Hosts'));
  for (const host of lab.hosts)
    lines.push(
      `  ${host.name.padEnd(10)} ${host.segment.padEnd(9)} ${host.address.padEnd(16)} ${Object.entries(host.ports)
        .map(([service, port]) => `${service}:${port}`)
        .join(' ')
        .padEnd(24)} ${host.fqdns.join(', ')}`,
    );
  lines.push('', bold('DNS (one view per segment)'));
  for (const segment of ['internet', 'dmz', 'intranet'] as const) {
    const view = lab.dns(segment);
    lines.push(`  ${segment.padEnd(9)} ${view.host}:${view.port}`);
  }
  const profile = lab.clientProfile();
  const mp = lab.siteSystem('management-point');
  const https = mp.services.find((service) => service.service === 'https')!;
  const internetDns = lab.dns('internet');
  // The first client's certificate and trusted roots as files, for curl.
  const clientDir = join(lab.dir, 'try-client');
  mkdirSync(clientDir, { recursive: true, mode: 0o700 });
  const files = { cert: join(clientDir, 'client.pem'), key: join(clientDir, 'client.key'), roots: join(clientDir, 'roots.pem') };
  writeFileSync(files.cert, profile.certificate!.chainPem);
  writeFileSync(files.key, profile.certificate!.keyPem, { mode: 0o600 });
  writeFileSync(files.roots, profile.trustedRootsPem);
  lines.push('', bold(`Try it as the internet client ${profile.computerName} (from ${profile.localAddress ?? 'this machine'})`));
  lines.push(`  # the MP's internet name, as the internet view answers it`);
  lines.push(`  dig @${internetDns.host} -p ${internetDns.port} ${mp.internetFqdn} +short`);
  {
    const address = mp.publishedAddress ?? mp.internetAddress ?? mp.address;
    lines.push(
      `  # the MP list, with the client certificate${lab.mode === 'bridge' || lab.mode === 'tunnel' ? ', through the proxy' : ''}`,
    );
    const curl = `curl -sS --cacert ${files.roots} --cert ${files.cert} --key ${files.key}${profile.localAddress ? ` --interface ${profile.localAddress}` : ''} \\\n       --resolve ${mp.internetFqdn}:${https.port}:${address}${profile.webProxy ? ` --proxy http://${profile.webProxy.host}:${profile.webProxy.port}` : ''}`;
    const origin = `https://${mp.internetFqdn}:${https.port}`;
    lines.push(`  ${curl} '${origin}/SMS_MP/.sms_aut?MPLIST1&${lab.topology.site.code}'`);
    // Policy by hand (W:21, W:25): the client registers through the lab first; up-try-policy.ts.
    try {
      const policy = await preparePolicyCommands(lab, clientDir, curl, origin);
      lines.push(...policy.lines);
    } catch (error) {
      lines.push(`  # (no policy commands: ${(error as Error).message})`);
    }
  }
  lines.push(
    '',
    `Evidence (journals, proxy log) is written under ${lab.dir}.`,
    `Ctrl-C here, or 'npx ibcm-lab down' elsewhere, takes the lab down.`,
    '',
  );
  return lines.join('\n');
}
