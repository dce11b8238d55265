// Run folders (.ibcm-lab/runs/<run-id>/: PKI, contracts, journals, results) are kept for a while and
// then removed, so a nightly machine or a busy workstation does not fill its disk: a folder is kept
// while it is one of the last N runs *or* younger than D days (the rules add up, as restic's
// --keep-last and --keep-within do) — the young ones only while all kept folders stay within a size
// budget (a busy hour makes dozens of runs) — and always while the run that owns it still lives — every run
// writes owner.json (its process and start time, process-identity.ts) into its folder and removes it
// when it ends. Applied at the start of every run; `ibcm-lab prune` applies it by hand.
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { here, ownerLiveness, ownIdentity, type Here, type Liveness, type ProcessIdentity } from './process-identity.js';

export const OWNER_FILE = 'owner.json';
/** A finished run's size in bytes, noted when its run ended. */
export const SIZE_FILE = 'size';
export const KEEP_RUNS_ENV = 'IBCM_LAB_KEEP_RUNS';
export const KEEP_DAYS_ENV = 'IBCM_LAB_KEEP_DAYS';
export const KEEP_SIZE_ENV = 'IBCM_LAB_KEEP_SIZE';
const GIB = 1024 ** 3;
export const DEFAULT_RETENTION: RetentionPolicy = { keepRuns: 20, keepDays: 7, keepBytes: 2 * GIB };
const DAY_MS = 86_400_000;

export interface RetentionPolicy {
  keepRuns: number;
  keepDays: number;
  /** Young runs beyond the last N are kept only while every kept folder together stays within this many bytes. */
  keepBytes?: number;
}

export interface RunFolder {
  name: string;
  path: string;
  /** When the run started (from its id; the folder's time for a name of another shape). */
  startedAt: number;
  /** owner.json: present while the run lives, or left by a run that was killed. */
  owner?: Partial<ProcessIdentity>;
  /** Its size, when the policy has a size budget (pruneRuns measures it). */
  bytes?: number;
}

export type KeepReason = 'live' | 'last-runs' | 'young' | 'current';

export interface RetentionDecision {
  remove: RunFolder[];
  keep: { run: RunFolder; why: KeepReason }[];
}

/**
 * Which run folders go. Pure: `liveness` says whether a folder's owner still runs ('unknown' —
 * another machine's — counts as alive), `current` are folders never to remove (this run's).
 */
export function selectRunsToPrune(
  runs: RunFolder[],
  policy: RetentionPolicy,
  now: number,
  liveness: (run: RunFolder) => Liveness,
  current: string[] = [],
): RetentionDecision {
  const newestFirst = [...runs].sort((a, b) => b.startedAt - a.startedAt || b.name.localeCompare(a.name));
  const decision: RetentionDecision = { remove: [], keep: [] };
  let keptBytes = 0;
  newestFirst.forEach((run, rank) => {
    const young = now - run.startedAt < policy.keepDays * DAY_MS;
    const withinBudget = policy.keepBytes === undefined || keptBytes + (run.bytes ?? 0) <= policy.keepBytes;
    const why: KeepReason | undefined = current.includes(run.name)
      ? 'current'
      : liveness(run) !== 'dead'
        ? 'live'
        : rank < policy.keepRuns
          ? 'last-runs'
          : young && withinBudget
            ? 'young'
            : undefined;
    if (why) {
      decision.keep.push({ run, why });
      keptBytes += run.bytes ?? 0;
    } else decision.remove.push(run);
  });
  return decision;
}

/** The liveness of a folder's owner: no owner file means the run ended (it removes the file on its way out). */
export function runLiveness(run: RunFolder, where: Here = here()): Liveness {
  return run.owner ? ownerLiveness(run.owner, where) : 'dead';
}

/** --keep-runs / --keep-days, else the environment, else the defaults. */
export function retentionPolicy(
  flags: { 'keep-runs'?: string; 'keep-days'?: string; 'keep-size'?: string },
  env: NodeJS.ProcessEnv = process.env,
): RetentionPolicy {
  const read = (flag: string, value: string | undefined, variable: string, fallback: number): number => {
    const text = value ?? env[variable];
    if (text === undefined || text === '') return fallback;
    const number = Number(text);
    if (!Number.isFinite(number) || number < 0 || (flag === '--keep-runs' && !Number.isInteger(number)))
      throw new UsageError(
        `${value !== undefined ? flag : variable} must be a ${flag === '--keep-runs' ? 'whole ' : ''}number ≥ 0, got "${text}"`,
      );
    return number;
  };
  return {
    keepRuns: read('--keep-runs', flags['keep-runs'], KEEP_RUNS_ENV, DEFAULT_RETENTION.keepRuns),
    keepDays: read('--keep-days', flags['keep-days'], KEEP_DAYS_ENV, DEFAULT_RETENTION.keepDays),
    keepBytes: sizeOf(flags['keep-size'], env[KEEP_SIZE_ENV]),
  };
}

/** `--keep-size 2G` (K, M, G, T: powers of 1024; a bare number is bytes), else IBCM_LAB_KEEP_SIZE, else 2 GiB. */
function sizeOf(flag: string | undefined, variable: string | undefined): number {
  const text = flag ?? variable;
  if (text === undefined || text === '') return DEFAULT_RETENTION.keepBytes!;
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT])?(?:i?B)?$/i.exec(text.trim());
  if (!match)
    throw new UsageError(`${flag !== undefined ? '--keep-size' : KEEP_SIZE_ENV} must be a size such as 500M or 2G, got "${text}"`);
  const power = match[2] ? 'KMGT'.indexOf(match[2].toUpperCase()) + 1 : 0;
  return Math.round(Number(match[1]) * 1024 ** power);
}

export function runsDirectory(): string {
  return resolve('.ibcm-lab', 'runs');
}

/**
 * Marks a run folder as this live process's; the returned function unmarks it (the run is over) and
 * notes the folder's size in it (SIZE_FILE), so the size budget of later runs reads one small file
 * per kept folder instead of walking every folder's thousands of files at the start of each run.
 */
export function claimRunFolder(runDir: string): () => void {
  const file = join(runDir, OWNER_FILE);
  writeFileSync(file, JSON.stringify(ownIdentity()) + '\n');
  return () => {
    rmSync(file, { force: true });
    try {
      writeFileSync(join(runDir, SIZE_FILE), `${folderBytes(runDir)}\n`);
    } catch {
      // The folder is gone (removed by hand or by another run's prune): nothing to note.
    }
  };
}

/** The size a finished run noted (a folder changed afterwards, e.g. by `ibcm-lab report`, is measured anew only when the note is missing). */
function notedBytes(path: string): number | undefined {
  try {
    const bytes = Number(readFileSync(join(path, SIZE_FILE), 'utf8').trim());
    return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

export function listRunFolders(runsDir: string = runsDirectory()): RunFolder[] {
  if (!existsSync(runsDir)) return [];
  const folders: RunFolder[] = [];
  for (const entry of readdirSync(runsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(runsDir, entry.name);
    let owner: Partial<ProcessIdentity> | undefined;
    try {
      owner = JSON.parse(readFileSync(join(path, OWNER_FILE), 'utf8')) as Partial<ProcessIdentity>;
    } catch {
      owner = undefined;
    }
    folders.push({ name: entry.name, path, startedAt: startOfRun(entry.name) ?? statSync(path).mtimeMs, ...(owner ? { owner } : {}) });
  }
  return folders;
}

/** A run id's start: 20261207T121110Z-2378 (the CLI's), pw-20261207121110-2378 (Playwright alone). */
export function startOfRun(name: string): number | undefined {
  const match = /^(?:pw-)?(\d{4})(\d{2})(\d{2})T?(\d{2})(\d{2})(\d{2})Z?-/.exec(name);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match;
  const time = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  return Number.isNaN(time) ? undefined : time;
}

/** Bytes under a folder (files as stored, symbolic links not followed). */
export function folderBytes(path: string): number {
  let total = 0;
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let entries: string[] = [];
  try {
    entries = readdirSync(path);
  } catch {
    return 0;
  }
  for (const entry of entries) total += folderBytes(join(path, entry));
  return total;
}

export interface PruneReport {
  policy: RetentionPolicy;
  removed: { name: string; bytes: number; ageDays: number }[];
  kept: { name: string; why: KeepReason }[];
  bytesRemoved: number;
  dryRun: boolean;
}

/** Applies the policy to the runs folder: removes (or with dryRun only lists) what it selects. */
export function pruneRuns(options: {
  policy: RetentionPolicy;
  dryRun?: boolean;
  current?: string[];
  runsDir?: string;
  now?: number;
}): PruneReport {
  const now = options.now ?? Date.now();
  const where = here();
  const folders = listRunFolders(options.runsDir);
  if (options.policy.keepBytes !== undefined)
    for (const folder of folders) folder.bytes = (folder.owner ? undefined : notedBytes(folder.path)) ?? folderBytes(folder.path);
  const decision = selectRunsToPrune(folders, options.policy, now, (run) => runLiveness(run, where), options.current);
  const removed = decision.remove.map((run) => {
    const bytes = run.bytes ?? folderBytes(run.path);
    if (!options.dryRun) rmSync(run.path, { recursive: true, force: true });
    return { name: run.name, bytes, ageDays: Math.floor((now - run.startedAt) / DAY_MS) };
  });
  return {
    policy: options.policy,
    removed,
    kept: decision.keep.map(({ run, why }) => ({ name: run.name, why })),
    bytesRemoved: removed.reduce((sum, item) => sum + item.bytes, 0),
    dryRun: Boolean(options.dryRun),
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** One line for the start of a run (nothing when nothing went). */
export function describePrune(report: PruneReport): string {
  if (report.removed.length === 0) return '';
  return `${report.dryRun ? 'would remove' : 'removed'} ${report.removed.length} old run folder${report.removed.length === 1 ? '' : 's'} (${formatBytes(report.bytesRemoved)}); keeping the last ${report.policy.keepRuns} runs and those younger than ${report.policy.keepDays} days (--keep-runs, --keep-days)\n`;
}
