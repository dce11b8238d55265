// The Squid reference proxy (forward mode: a client-side HTTP CONNECT proxy), written against the
// proxy contract alone (docs/proxy-contract.md). Debian: squid (5.7).
import { randomBytes } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requireBinary } from '../binaries.js';
import type { ProxyContract } from '../contract/schema.js';
import { assertAbsolutePaths, contractEndpoints, runToCompletion, startProcess, type StartedProcess } from '../process/index.js';
import type { ProxyImplementation } from '../types.js';
import { squidConfig, type SquidLayout } from './config.js';

export { LAB_DESTINATIONS, squidConfig, type SquidLayout } from './config.js';

/** The user Squid drops to when started as root (Debian's package creates it). */
const SQUID_USER = 'proxy';
const SHM_DIR = '/dev/shm';

/** The config directory (squid.conf), beside the logs. */
export function squidDir(contract: ProxyContract): string {
  return join(dirname(contract.logs.dir), 'squid');
}

/** uid/gid of a user, from `id` (Node has no getpwnam). */
async function lookupUser(name: string): Promise<{ uid: number; gid: number } | null> {
  const [uid, gid] = await Promise.all([runToCompletion('id', ['-u', name]), runToCompletion('id', ['-g', name])]);
  if (uid.code !== 0 || gid.code !== 0) return null;
  return { uid: Number(uid.output), gid: Number(gid.output) };
}

/** Squid names its shared-memory segments `<service>-*.shm`; a killed Squid leaves them behind. */
function removeSharedMemory(service: string): void {
  try {
    for (const name of readdirSync(SHM_DIR)) if (name.startsWith(`${service}-`)) rmSync(join(SHM_DIR, name), { force: true });
  } catch {
    // no /dev/shm: nothing to clean
  }
}

export async function startSquid(contract: ProxyContract): Promise<StartedProcess> {
  if (contract.mode !== 'forward') throw new Error(`squid: no ${contract.mode} mode in this adapter (forward only)`);
  assertAbsolutePaths(contract, 'squid');
  const squid = requireBinary('squid');
  const dir = squidDir(contract);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(contract.logs.dir, { recursive: true });

  // Started as root, Squid switches to an unprivileged user before it opens its logs and would need
  // every directory above the logs directory to be reachable by that user (the lab keeps run
  // directories private). So it gets a private directory of its own under the system temp dir, and
  // its logs are copied into the logs directory when it stops (log() reads them live meanwhile).
  const root = process.getuid?.() === 0;
  const layout: SquidLayout = { runDir: dir };
  if (root) {
    const user = await lookupUser(SQUID_USER);
    if (!user)
      throw new Error(
        `squid: started as root, Squid needs the unprivileged user "${SQUID_USER}" (created by Debian's squid package), which does not exist`,
      );
    layout.runDir = mkdtempSync(join(tmpdir(), 'ibcm-lab-squid-'));
    chownSync(layout.runDir, user.uid, user.gid);
    layout.effectiveUser = SQUID_USER;
    // Squid reads the hosts file after switching user too: it gets a copy it can reach.
    layout.hostsFile = join(layout.runDir, 'hosts');
    copyFileSync(contract.resolver.hostsFile, layout.hostsFile);
    chownSync(layout.hostsFile, user.uid, user.gid);
  }
  const conf = join(dir, 'squid.conf');
  writeFileSync(conf, squidConfig(contract, layout), { mode: 0o600 });
  // One service name per run: it names the shared-memory segments, so two Squids never collide.
  const service = `ibcmlab${randomBytes(6).toString('hex')}`;
  const cleanup = () => {
    removeSharedMemory(service);
    if (layout.runDir !== dir) {
      for (const [from, to] of [
        ['access.log', 'squid-access.log'],
        ['cache.log', 'squid-cache.log'],
      ] as const) {
        const source = join(layout.runDir, from);
        if (existsSync(source)) copyFileSync(source, join(contract.logs.dir, to));
      }
      rmSync(layout.runDir, { recursive: true, force: true });
    }
  };

  const parse = await runToCompletion(squid, ['-n', service, '-k', 'parse', '-f', conf]);
  // `-k parse` echoes every directive ("Processing: …"); only Squid's own verdicts count.
  const fatal = parse.output
    .split('\n')
    .filter((line) => !line.includes('Processing: ') && /\b(FATAL|ERROR)\b|Bungled|unrecognized: /.test(line));
  if (parse.code !== 0 || fatal.length) {
    cleanup();
    throw new Error(`squid refused the generated ${conf}: ${(fatal.length ? fatal : [parse.output]).join('\n')}`);
  }

  let started: StartedProcess;
  try {
    started = await startProcess({
      name: 'squid',
      command: squid,
      // -N: foreground, no daemon, no SMP kids; -d 1: important messages on stderr too.
      args: ['-n', service, '-N', '-d', '1', '-f', conf],
      cwd: dir,
      logDir: contract.logs.dir,
      waitFor: contractEndpoints(contract),
      logFiles: [join(layout.runDir, 'access.log')],
    });
  } catch (error) {
    cleanup();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    pid: started.pid,
    exited: started.exited,
    log: started.log,
    close: () => {
      closing ??= started.close().then(cleanup);
      return closing;
    },
  };
}

export const squidProxy: ProxyImplementation = {
  name: 'squid',
  kind: 'reference',
  description: 'Squid: forward (client-side HTTP CONNECT proxy to the allowed ports; names from the lab hosts file; no cache)',
  modes: ['forward'],
  binaries: ['squid'],
  start: startSquid,
};
