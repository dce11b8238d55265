// The reaper: testcontainers' Ryuk model without Ryuk (its image cannot be pulled here). The first
// time a process is about to make a lab container or network, it starts one small watchdog of its
// own — a detached node process in a session and process group of its own, so the SIGKILL of the
// CLI's process group (Ctrl-\, a CI timeout, the OOM killer picking the group) does not reach it.
// The watchdog polls its owner every 250 ms; when the owner is gone — killed, or finished — it
// removes the containers and networks labelled with exactly that owner (process id, start time,
// boot and host: labels.ts), and exits. An owner that stopped cleanly has removed its labs itself:
// the watchdog then finds nothing and just exits.
//
// It never touches another run's objects: it lists only objects carrying its owner's identity, and
// acts only once that owner is dead (a process id reused by another process is a different owner:
// its start time differs). The sweep at the next start and `ibcm-lab down` (cleanup.ts) stay as the
// backstop for a watchdog that was killed too.
//
// IBCM_LAB_NO_REAPER=1 starts none (the backstop's own test needs a killed run's leftovers).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../run/package-root.js';
import { ownerLiveness, here, ownIdentity, type Here, type ProcessIdentity } from '../../run/process-identity.js';
import { LABEL, LABEL_BOOT, LABEL_HOST, LABEL_PID, LABEL_PID_START } from './labels.js';
import { ownerOf } from './sweep-plan.js';

export const NO_REAPER_ENV = 'IBCM_LAB_NO_REAPER';
export const REAPER_POLL_MS = 250;

let started: number | undefined;

/** Starts this process's watchdog, once; returns its process id (undefined when disabled). */
export function ensureReaper(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (env[NO_REAPER_ENV] === '1') return undefined;
  if (started !== undefined) return started;
  const owner = ownIdentity();
  const entry = join(packageRoot(), 'bin', 'ibcm-lab-reaper.mjs');
  const child = spawn(process.execPath, [entry, JSON.stringify(owner)], {
    detached: true,
    stdio: 'ignore',
    env,
  });
  child.unref();
  started = child.pid ?? -1;
  return started;
}

/** The label filter that selects exactly one owner's objects (a docker `label` filter list). */
export function ownerFilter(owner: ProcessIdentity): string[] {
  return [
    LABEL,
    `${LABEL_PID}=${owner.pid}`,
    `${LABEL_HOST}=${owner.host}`,
    ...(owner.startTicks ? [`${LABEL_PID_START}=${owner.startTicks}`] : []),
    ...(owner.bootId ? [`${LABEL_BOOT}=${owner.bootId}`] : []),
  ];
}

/** Whether an object's labels name exactly this owner (a second check after the engine's filter). */
export function ownedBy(labels: Record<string, string>, owner: ProcessIdentity): boolean {
  if (labels[LABEL] === undefined) return false;
  const named = ownerOf(labels);
  return (
    named.pid === owner.pid &&
    named.host === owner.host &&
    (named.startTicks ?? undefined) === (owner.startTicks ?? undefined) &&
    (named.bootId ?? undefined) === (owner.bootId ?? undefined)
  );
}

export interface ReaperEngine {
  listContainers(filter: string[]): Promise<{ id: string; labels: Record<string, string> }[]>;
  listNetworks(filter: string[]): Promise<{ id: string; labels: Record<string, string> }[]>;
  removeContainer(id: string): Promise<void>;
  removeNetwork(id: string): Promise<void>;
}

/** Removes what the owner labelled: containers first (a network cannot go while one is on it). */
export async function reapOwner(docker: ReaperEngine, owner: ProcessIdentity): Promise<{ containers: number; networks: number }> {
  const filter = ownerFilter(owner);
  const containers = (await docker.listContainers(filter)).filter((item) => ownedBy(item.labels, owner));
  await Promise.all(containers.map((item) => docker.removeContainer(item.id).catch(() => undefined)));
  const networks = (await docker.listNetworks(filter)).filter((item) => ownedBy(item.labels, owner));
  for (const item of networks) await docker.removeNetwork(item.id).catch(() => undefined);
  return { containers: containers.length, networks: networks.length };
}

/**
 * The watchdog's life: wait while the owner lives, then remove its objects until a pass finds none
 * (a container the owner was still creating when it died shows up a moment later), and return.
 */
export async function watchAndReap(
  docker: ReaperEngine,
  owner: ProcessIdentity,
  options: { where?: () => Here; pollMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<void> {
  const where = options.where ?? here;
  const pollMs = options.pollMs ?? REAPER_POLL_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  while (ownerLiveness(owner, where()) === 'alive') await sleep(pollMs);
  // Passes until one finds nothing after at least two (a create in flight at the owner's death), at most 20.
  for (let pass = 0; pass < 20; pass++) {
    let found = { containers: 0, networks: 0 };
    try {
      found = await reapOwner(docker, owner);
    } catch {
      // the engine did not answer this time: try again
      found = { containers: 1, networks: 0 };
    }
    if (pass >= 1 && found.containers === 0 && found.networks === 0) return;
    await sleep(pass === 0 ? pollMs : 500);
  }
}
