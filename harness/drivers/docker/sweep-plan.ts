// What a sweep of the engine may remove, decided without the engine: a pure function of the lab
// objects found (containers and networks with their labels) and of whether each owner still lives.
// An object goes when its owner is dead (the process that made it is gone, or a process with its id
// now is another one, or the machine rebooted since), or when it belongs to a run the caller owns
// (`down` and its own `up`). An owner that lives — or lives on another machine, where nothing here can
// tell — keeps its objects, and the plan names them so `down` can say what it left alone and why.
import type { Liveness, ProcessIdentity } from '../../run/process-identity.js';
import { LABEL, LABEL_BOOT, LABEL_HOST, LABEL_PID, LABEL_PID_START, LABEL_RUN } from './labels.js';

export interface LabObject {
  kind: 'container' | 'network';
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface LeftAlone {
  run: string;
  owner: Partial<ProcessIdentity>;
  liveness: Exclude<Liveness, 'dead'>;
  containers: string[];
  networks: string[];
}

export interface SweepPlan {
  /** Containers first: a network cannot go while a container is on it. */
  remove: LabObject[];
  leftAlone: LeftAlone[];
}

/** The owner a lab object's labels name. */
export function ownerOf(labels: Record<string, string>): Partial<ProcessIdentity> {
  const owner: Partial<ProcessIdentity> = {};
  if (labels[LABEL_PID] !== undefined) owner.pid = Number(labels[LABEL_PID]);
  if (labels[LABEL_PID_START]) owner.startTicks = labels[LABEL_PID_START];
  if (labels[LABEL_BOOT]) owner.bootId = labels[LABEL_BOOT];
  if (labels[LABEL_HOST]) owner.host = labels[LABEL_HOST];
  return owner;
}

export function planSweep(
  objects: LabObject[],
  liveness: (owner: Partial<ProcessIdentity>) => Liveness,
  options: { ownRuns?: string[] } = {},
): SweepPlan {
  const remove: LabObject[] = [];
  const left = new Map<string, LeftAlone>();
  for (const object of objects) {
    if (object.labels[LABEL] === undefined) continue; // not the lab's
    const run = object.labels[LABEL_RUN] ?? '(no run label)';
    const owner = ownerOf(object.labels);
    const state = options.ownRuns?.includes(run) ? 'dead' : liveness(owner);
    if (state === 'dead') {
      remove.push(object);
      continue;
    }
    const key = `${run}\u0000${owner.pid}`;
    const entry = left.get(key) ?? { run, owner, liveness: state, containers: [], networks: [] };
    (object.kind === 'container' ? entry.containers : entry.networks).push(object.name);
    left.set(key, entry);
  }
  remove.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'container' ? -1 : 1));
  return { remove, leftAlone: [...left.values()] };
}

/** One line per run left alone: whose it is and why it stays. */
export function describeLeftAlone(entry: LeftAlone): string {
  const who = `process ${entry.owner.pid ?? '?'}${entry.owner.host ? ` on ${entry.owner.host}` : ''}`;
  const why = entry.liveness === 'alive' ? `${who} is still running` : `${who} is on another machine (cannot tell whether it lives)`;
  const what = [
    entry.containers.length
      ? `${entry.containers.length} container(s) (${entry.containers.slice(0, 3).join(', ')}${entry.containers.length > 3 ? ', …' : ''})`
      : '',
    entry.networks.length ? `${entry.networks.length} network(s)` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return `left alone: ${what} of run ${entry.run} — ${why}`;
}
