// Who owns a run folder or a lab's containers: a process named by its id *and* its start time (a
// process id is reused; the pair is not), on a host and a boot of that host. Whether that owner still
// lives decides what a later run, `prune` or `down` may remove.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22: the start time in clock ticks since boot (absent without /proc). */
  startTicks?: string;
  /** /proc/sys/kernel/random/boot_id: a new one at every boot. */
  bootId?: string;
  host: string;
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/** This process, as an owner. */
export function ownIdentity(): ProcessIdentity {
  return { pid: process.pid, ...definedOnly({ startTicks: processStartTicks(process.pid), bootId: bootId() }), host: hostname() };
}

export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state … — comm may hold spaces and ')': count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Whether a process of this machine exists (EPERM: it does, someone else's). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What this machine knows, passed in so the decision below is a pure function. */
export interface Here {
  host: string;
  bootId?: string;
  /** The start ticks of a live process with that id, or undefined if there is none (or no /proc). */
  startTicksOf: (pid: number) => string | undefined;
  exists: (pid: number) => boolean;
}

export function here(): Here {
  return { host: hostname(), bootId: bootId(), startTicksOf: processStartTicks, exists: processExists };
}

/**
 * Alive, dead, or unknown (another machine's process: nothing here can tell). An owner recorded with
 * a process id only (older labels) is alive while a process with that id exists.
 */
export function ownerLiveness(owner: Partial<ProcessIdentity>, where: Here): Liveness {
  if (owner.host !== undefined && owner.host !== where.host) return 'unknown';
  if (owner.bootId !== undefined && where.bootId !== undefined && owner.bootId !== where.bootId) return 'dead';
  const pid = Number(owner.pid);
  if (!Number.isInteger(pid) || pid <= 0) return 'dead';
  if (!where.exists(pid)) return 'dead';
  if (owner.startTicks === undefined) return 'alive';
  const now = where.startTicksOf(pid);
  // No /proc to compare with: trust the process id.
  if (now === undefined) return 'alive';
  return now === owner.startTicks ? 'alive' : 'dead';
}

function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
