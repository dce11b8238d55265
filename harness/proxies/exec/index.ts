// `--proxy exec:<command>`: a vendor's (or anyone's) proxy, started exactly as the proxy contract
// says (docs/proxy-contract.md): `/bin/sh -c <command>` in a process group of its own, with
// IBCM_PROXY_CONTRACT naming contract.json; ready when every listener accepts TCP within 10 s;
// stopped with SIGTERM to the group and SIGKILL 2 s later. Its stdout and stderr are evidence.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PROXY_CONTRACT_ENV, ProxyContract } from '../contract/schema.js';
import { contractEndpoints, startProcess, type StartedProcess } from '../process/index.js';
import type { ProxyImplementation } from '../types.js';

/** Where the lab keeps contract.json: beside the logs directory (absolute). */
export function contractPath(contract: ProxyContract): string {
  return resolve(join(dirname(contract.logs.dir), 'contract.json'));
}

/** Writes contract.json where contractPath() says, unless the lab already did. Returns its path. */
export function ensureContractFile(contract: ProxyContract): string {
  const file = contractPath(contract);
  if (!existsSync(file)) {
    const valid = ProxyContract.parse(contract);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(valid, null, 2) + '\n', { mode: 0o644 });
  }
  return file;
}

export function startExecProxy(command: string, contract: ProxyContract): Promise<StartedProcess> {
  if (!command.trim()) throw new Error('exec: the command after "exec:" is empty');
  const file = ensureContractFile(contract);
  mkdirSync(contract.logs.dir, { recursive: true });
  return startProcess({
    name: 'exec',
    command: '/bin/sh',
    args: ['-c', command],
    env: { ...process.env, [PROXY_CONTRACT_ENV]: file },
    logDir: contract.logs.dir,
    waitFor: contractEndpoints(contract),
  });
}

export function execProxy(command: string): ProxyImplementation {
  return {
    name: `exec:${command}`,
    // Neither ours nor a negative control; 'reference' is the closest kind the type has today.
    kind: 'external',
    description: `an external proxy started with /bin/sh -c ${JSON.stringify(command)} and ${PROXY_CONTRACT_ENV}=<contract.json>`,
    // The command decides what it supports; the contract says which mode is wanted, and a command
    // that cannot do it exits (the example exits 3) and the start fails with its stderr.
    modes: ['bridge', 'tunnel', 'forward'],
    ref: { kind: 'exec', command },
    start: (contract) => startExecProxy(command, contract),
  };
}
