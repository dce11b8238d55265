// The HAProxy reference proxy, written against the proxy contract alone (docs/proxy-contract.md),
// as a vendor would write an adapter for their appliance. Debian: haproxy (2.6).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { requireBinary } from '../binaries.js';
import type { ProxyContract } from '../contract/schema.js';
import {
  assertAbsolutePaths,
  assertDistinctBinds,
  contractEndpoints,
  runToCompletion,
  startProcess,
  type StartedProcess,
} from '../process/index.js';
import type { ProxyImplementation } from '../types.js';
import { haproxyConfig, type HaproxyFiles } from './config.js';

export { CASE_ADJUSTED_HEADERS, haproxyConfig, type HaproxyFiles } from './config.js';

/** The config directory: beside the logs, so it is part of the run directory too. */
export function haproxyDir(contract: ProxyContract): string {
  return join(dirname(contract.logs.dir), 'haproxy');
}

/** HAProxy wants certificate chain and key in one PEM file; written 0600 into its config directory. */
function combinedPem(dir: string, name: string, pair: { chain: string; key: string }): string {
  const file = join(dir, `${name}.pem`);
  const chain = readFileSync(pair.chain, 'utf8').trimEnd();
  const key = readFileSync(pair.key, 'utf8').trimEnd();
  writeFileSync(file, `${chain}\n${key}\n`, { mode: 0o600 });
  return file;
}

export async function startHaproxy(contract: ProxyContract): Promise<StartedProcess> {
  if (contract.mode !== 'bridge' && contract.mode !== 'tunnel')
    throw new Error(`haproxy: no ${contract.mode} mode in this adapter (bridge and tunnel only)`);
  assertAbsolutePaths(contract, 'haproxy');
  assertDistinctBinds(contract, 'haproxy');
  const haproxy = requireBinary('haproxy');
  const dir = haproxyDir(contract);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(contract.logs.dir, { recursive: true });
  const files: HaproxyFiles = { dir, serverPem: new Map(), clientPem: new Map() };
  if (contract.mode === 'bridge') {
    contract.listeners.forEach((listener, index) => {
      if (listener.scheme === 'https' && listener.tls)
        files.serverPem.set(listener.name, combinedPem(dir, `server-${index}`, listener.tls));
      const client = listener.upstream.clientCertificate;
      if (listener.upstream.scheme === 'https' && client)
        files.clientPem.set(listener.name, combinedPem(dir, `upstream-client-${index}`, client));
    });
  }
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(contract, files), { mode: 0o600 });

  const check = await runToCompletion(haproxy, ['-c', '-f', cfg]);
  if (check.code !== 0) {
    const alerts = check.output.split('\n').filter((line) => /\[(ALERT|WARNING)\]/.test(line));
    throw new Error(
      `haproxy refused the generated ${cfg}: ${(alerts.length ? alerts : [check.output || `haproxy -c exited with ${check.code}`]).join('\n')}`,
    );
  }

  return startProcess({
    name: 'haproxy',
    command: haproxy,
    args: ['-db', '-f', cfg],
    cwd: dir,
    logDir: contract.logs.dir,
    waitFor: contractEndpoints(contract),
  });
}

export const haproxyProxy: ProxyImplementation = {
  name: 'haproxy',
  kind: 'reference',
  description: 'HAProxy: bridge (mode http, verify required + crl-file, mutual TLS upstream, http-reuse never) and tunnel (mode tcp)',
  modes: ['bridge', 'tunnel'],
  binaries: ['haproxy'],
  start: startHaproxy,
};
