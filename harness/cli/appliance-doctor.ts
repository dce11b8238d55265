// `ibcm-lab doctor --proxy address:<file>`: before a long run, is the appliance wired as its worksheet
// says? One line each: the file, the worksheet it answers, every listener (accepts connections; over
// TLS, presents the worksheet's certificate in bridge mode or passes the site system's through in
// tunnel mode; over HTTP, reaches the site system), and the syslog link. The lab comes up for a few
// seconds so the probes reach real site systems through the appliance; nothing on it is touched.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { request } from 'node:http';
import { loadApplianceFile } from '../appliance/address-file.js';
import { applianceProxy } from '../appliance/proxy.js';
import { applianceStateDir } from '../appliance/state.js';
import { IbcmLabError } from '../errors.js';
import { startLab } from '../lab/index.js';
import { ProxyContract } from '../proxies/index.js';
import { retentionPolicy } from '../run/retention.js';
import { loadTopology } from '../topology/index.js';
import { startRunFolder } from './run-folder.js';
import { labIndexBase, newRun } from './suite-runner.js';

type Line = { ok: boolean; text: string };

export async function applianceDoctor(file: string, topologyFile?: string): Promise<number> {
  const lines: Line[] = [];
  const say = (line: Line) => {
    lines.push(line);
    process.stdout.write(`${line.ok ? '✔' : '✘'} ${line.text}\n`);
  };
  const described = loadApplianceFile(file);
  say({ ok: true, text: `${file}: a valid address file (${described.name}, ${described.mode}, lab address ${described.listen})` });
  const stateDir = applianceStateDir(described.listen, described.mode);
  const contractFile = join(stateDir, 'contract.json');
  if (!existsSync(contractFile)) {
    say({
      ok: false,
      text: `no worksheet for ${described.listen} in ${described.mode} mode: run 'ibcm-lab worksheet --listen ${described.listen} --mode ${described.mode}' first`,
    });
    return 1;
  }
  const worksheet = ProxyContract.parse(JSON.parse(readFileSync(contractFile, 'utf8')));
  const material = JSON.parse(readFileSync(join(stateDir, 'proxy', 'material.json'), 'utf8')) as { proxyServer?: { certPem: string } };

  const run = newRun();
  const folder = startRunFolder(run, retentionPolicy({}));
  try {
    let lab;
    try {
      lab = await startLab({
        topology: loadTopology(topologyFile),
        mode: described.mode,
        proxy: applianceProxy(file),
        runId: run.runId,
        dir: join(run.runDir, 'doctor'),
        // Any free block: the appliance reaches the lab on the listen address, not on the block's.
        labIndex: await labIndexBase(1),
      });
    } catch (error) {
      say({ ok: false, text: error instanceof IbcmLabError ? error.message : `the lab could not start: ${(error as Error).message}` });
      return 1;
    }
    try {
      say({ ok: true, text: `every listener of the file is a name the worksheet publishes, on its port, and accepts connections` });
      for (const listener of lab.proxyContract!.listeners) {
        const planned = worksheet.listeners.find((candidate) => candidate.name === listener.name);
        const at = `${listener.publicName} at ${listener.bind.host}:${listener.bind.port}`;
        if (listener.scheme === 'http') {
          const status = await httpStatus(listener.bind.host, listener.bind.port, listener.publicName);
          say({
            ok: typeof status === 'number',
            text: `${at}: ${typeof status === 'number' ? `HTTP reaches the site system (${status})` : status}`,
          });
          continue;
        }
        const presented = await presentedCertificate(listener.bind.host, listener.bind.port, listener.publicName);
        if (typeof presented === 'string') {
          say({ ok: false, text: `${at}: no TLS certificate presented (${presented})` });
          continue;
        }
        const names = presented.subjectAltName ?? '';
        if (described.mode === 'bridge') {
          const expected = material.proxyServer && new X509Certificate(material.proxyServer.certPem);
          const same = expected?.fingerprint256 === presented.fingerprint256;
          say({
            ok: same,
            text: `${at}: ${same ? "presents the worksheet's bridge certificate" : `presents ${presented.subject.replace(/\n/g, ', ')} (serial ${presented.serialNumber}), not the worksheet's certificate ${expected?.serialNumber ?? ''}`}`,
          });
        } else {
          const site = lab.certificates.find(
            (certificate) => certificate.serialNumber.toLowerCase() === presented.serialNumber.toLowerCase(),
          );
          say({
            ok: Boolean(site) && names.includes(listener.publicName),
            text: `${at}: ${site ? `passes TLS through to the site system (${planned?.upstream.host}:${planned?.upstream.port} presents its own certificate)` : `presents ${presented.subject.replace(/\n/g, ', ')}, which is not a site system's certificate: tunnel mode must not terminate TLS`}`,
          });
        }
      }
      if (described.syslog) {
        await new Promise((done) => setTimeout(done, 1500));
        const received = lab.proxyLog().filter((line) => line.startsWith('syslog '));
        say({
          ok: received.length > 0,
          text: received.length
            ? `syslog: ${received.length} line(s) from the appliance at ${described.listen}:${described.syslog.port}, e.g. ${received[0]!.slice(0, 160)}`
            : `syslog: no line arrived at ${described.listen}:${described.syslog.port} (UDP/TCP) during the probes — check the appliance's log target${described.syslog.source ? ` and that it sends from ${described.syslog.source}` : ''}`,
        });
      } else {
        say({ ok: true, text: 'syslog: not configured in the file (checks will have no appliance log in their evidence)' });
      }
    } finally {
      await lab.stop();
    }
  } finally {
    folder.release();
  }
  const bad = lines.filter((line) => !line.ok).length;
  process.stdout.write(bad ? `${bad} thing(s) to fix before a run\n` : 'ready for ibcm-lab run --proxy address:' + file + '\n');
  return bad ? 1 : 0;
}

/** The certificate a TLS listener presents to a client without a certificate of its own (bridge listeners may then refuse the client). */
function presentedCertificate(host: string, port: number, servername: string): Promise<X509Certificate | string> {
  return new Promise((done) => {
    const socket = tls.connect({ host, port, servername, rejectUnauthorized: false, timeout: 5000 });
    const finish = (value: X509Certificate | string) => {
      socket.destroy();
      done(value);
    };
    socket.once('secureConnect', () => {
      const raw = socket.getPeerX509Certificate();
      finish(raw ?? 'the handshake ended without a certificate');
    });
    socket.once('timeout', () => finish('no answer within 5 s'));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}

function httpStatus(host: string, port: number, publicName: string): Promise<number | string> {
  return new Promise((done) => {
    const req = request({ host, port, path: '/', headers: { Host: publicName }, timeout: 5000 }, (response) => {
      response.resume();
      done(response.statusCode ?? 0);
    });
    req.once('timeout', () => {
      req.destroy();
      done('no HTTP answer within 5 s');
    });
    req.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    req.end();
  });
}
