// An "appliance" configured by hand from the publishing worksheet, as a vendor's administrator would:
// HAProxy, started outside the lab, on loopback addresses of its own. It reads the worksheet's
// machine-readable form (contract.json in the appliance's state folder), writes haproxy.cfg with the
// lab's own HAProxy adapter (harness/proxies/haproxy/config.ts: the worked example of the same facts),
// (its pidfile line puts the daemon's pid beside the config) sends its log to the lab's syslog receiver, writes the address file, and starts HAProxy as a daemon.
//
//   npx ibcm-lab worksheet --listen 127.0.0.2 --mode bridge
//   npx tsx examples/appliance-haproxy.ts start --worksheet .ibcm-lab/appliance/127.0.0.2-bridge --at 127.0.0.20 --out appliance.yaml
//   npx ibcm-lab run --proxy address:appliance.yaml
//   npx tsx examples/appliance-haproxy.ts stop --out appliance.yaml
//
// --at A: the appliance's upstream (egress) address; its listeners take the next addresses, one per
// public name. --fault no-client-certificate: a faulty configuration (the bridge does not ask clients
// for a certificate), which `run` must catch. --serve <proxy>: instead of HAProxy, one of the lab's
// built-in proxies (`ibcm-lab proxies`, a faulty one included) run outside the lab by `ibcm-lab
// proxy-serve` from the same configured contract — an "appliance" whose faults are known.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { haproxyConfig, type HaproxyFiles } from '../harness/proxies/haproxy/config.js';
import { ProxyContract } from '../harness/proxies/contract/schema.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    worksheet: { type: 'string' },
    at: { type: 'string' },
    out: { type: 'string', default: 'appliance.yaml' },
    fault: { type: 'string' },
    serve: { type: 'string' },
    'syslog-port': { type: 'string', default: '5514' },
  },
});
const out = resolve(values.out!);
const dir = `${out}.d`;
const pidFile = join(dir, 'haproxy.pid');

if (positionals[0] === 'stop') {
  stop();
} else if (positionals[0] === 'start') {
  start();
} else {
  process.stderr.write(
    'usage: appliance-haproxy.ts start --worksheet <dir> --at <address> [--out <file>] [--fault no-client-certificate] | stop --out <file>\n',
  );
  process.exit(2);
}

function stop(): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
  rmSync(pidFile, { force: true });
}

function start(): void {
  if (!values.worksheet || !values.at) throw new Error('start needs --worksheet <the appliance state folder> and --at <address>');
  stop();
  const contract = ProxyContract.parse(JSON.parse(readFileSync(join(values.worksheet, 'contract.json'), 'utf8')));
  if (contract.mode === 'forward') throw new Error('this example publishes bridge and tunnel listeners only');
  const listen = contract.listeners[0]!.upstream.host;
  mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });

  // One listener address per public name, after the egress address.
  const names = [...new Set(contract.listeners.map((listener) => listener.publicName))];
  const addressOf = new Map(names.map((name, index) => [name, nextAddress(values.at!, index + 1)]));
  // The CRLs are the copies the worksheet keeps beside its contract (HAProxy reads a CRL file once, at
  // start; the lab derives its serials from a lasting seed, so a later run's revocations are the same serials).
  const configured: ProxyContract = {
    ...contract,
    egress: { host: values.at },
    logs: { dir: join(dir, 'logs') },
    listeners: contract.listeners.map((listener) => ({
      ...listener,
      bind: { host: addressOf.get(listener.publicName)!, port: listener.bind.port },
    })),
    clientAuthentication: contract.clientAuthentication && {
      ...contract.clientAuthentication,
      // The faulty configuration: clients are not asked for a certificate.
      required: values.fault === 'no-client-certificate' ? false : contract.clientAuthentication.required,
    },
  };
  if (values.serve) {
    // A built-in proxy as the appliance: proxy-serve reads the configured contract, as a vendor's image would.
    const contractFile = join(dir, 'contract.json');
    writeFileSync(contractFile, JSON.stringify(configured, null, 2));
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, '..', 'bin', 'ibcm-lab.mjs'), 'proxy-serve', '--proxy', values.serve, '--contract', contractFile],
      {
        detached: true,
        stdio: ['ignore', openSync(join(dir, 'logs', 'proxy-serve.log'), 'a'), openSync(join(dir, 'logs', 'proxy-serve.log'), 'a')],
      },
    );
    child.unref();
    writeFileSync(pidFile, `${child.pid}\n`);
  } else startHaproxy(configured, listen);
  writeAddressFile(contract, names, addressOf, listen);
}

function startHaproxy(configured: ProxyContract, listen: string): void {
  const files: HaproxyFiles = { dir, serverPem: new Map(), clientPem: new Map() };
  configured.listeners.forEach((listener, index) => {
    if (listener.tls) files.serverPem.set(listener.name, combinedPem(`server-${index}`, listener.tls));
    if (listener.upstream.clientCertificate)
      files.clientPem.set(listener.name, combinedPem(`client-${index}`, listener.upstream.clientCertificate));
  });
  let config = haproxyConfig(configured, files)
    // The log goes to the lab's syslog receiver (RFC 5424 over UDP), as an appliance's would.
    .replace('  log stdout format raw local0 info', `  log ${listen}:${values['syslog-port']} format rfc5424 local0 info`);
  // Bridge: log the lab's per-check mark (the X-IBCM-Lab-Check request header), as the worksheet asks.
  if (configured.mode === 'bridge')
    config = config
      .replace(/^(frontend \S+)$/gm, '$1\n  http-request capture req.hdr(X-IBCM-Lab-Check) len 96')
      .replace(/^( {2}log-format "[^\n]*)"$/m, '$1 check=%hr"');
  if (values.fault === 'no-client-certificate') config = config.replace(/ verify optional ca-file \S+ crl-file \S+/g, ' verify none');
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, config, { mode: 0o600 });
  const haproxy = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
  execFileSync(haproxy, ['-c', '-q', '-f', cfg], { stdio: 'inherit' });
  execFileSync(haproxy, ['-D', '-f', cfg], { stdio: 'inherit' });
}

function writeAddressFile(contract: ProxyContract, names: string[], addressOf: Map<string, string>, listen: string): void {
  const yaml = [
    `# written by examples/appliance-haproxy.ts from ${values.worksheet}`,
    "version: '1.0'",
    `name: ${values.serve ?? 'haproxy'}-appliance${values.fault ? `-${values.fault}` : ''}`,
    `mode: ${contract.mode}`,
    `listen: ${listen}`,
    `egress: ${values.at}`,
    'listeners:',
    ...names.flatMap((name) => [
      `  - publicName: ${name}`,
      `    address: ${addressOf.get(name)}`,
      `    port: ${contract.listeners.find((listener) => listener.publicName === name)!.bind.port}`,
    ]),
    'syslog:',
    `  port: ${values['syslog-port']}`,
    '',
  ].join('\n');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, yaml);
  process.stdout.write(`${values.serve ?? 'HAProxy'} started (pid file ${pidFile}); address file ${out}\n`);
}

function combinedPem(name: string, pair: { chain: string; key: string }): string {
  const file = join(dir, `${name}.pem`);
  writeFileSync(file, `${readFileSync(pair.chain, 'utf8').trimEnd()}\n${readFileSync(pair.key, 'utf8').trimEnd()}\n`, { mode: 0o600 });
  return file;
}

function nextAddress(address: string, step: number): string {
  const octets = address.split('.').map(Number);
  octets[3]! += step;
  if (octets.length !== 4 || octets[3]! > 254) throw new Error(`--at ${address}: an IPv4 address with room for ${step} more after it`);
  return octets.join('.');
}
