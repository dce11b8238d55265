// Run-folder retention: the last N runs and those younger than D days stay, a live run's folder
// always stays, everything else goes — decided by a pure function, applied to a real folder tree.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../harness/errors.js';
import { ownIdentity, type Liveness } from '../../harness/run/process-identity.js';
import {
  claimRunFolder,
  folderBytes,
  pruneRuns,
  retentionPolicy,
  selectRunsToPrune,
  startOfRun,
  type RunFolder,
} from '../../harness/run/retention.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const run = (name: string, ageDays: number, owner?: RunFolder['owner']): RunFolder => ({
  name,
  path: `/runs/${name}`,
  startedAt: NOW - ageDays * DAY,
  ...(owner ? { owner } : {}),
});

describe('selectRunsToPrune', () => {
  const runs = [run('a', 30), run('b', 20), run('c', 10), run('d', 5), run('e', 1), run('f', 0.1)];
  const dead = () => 'dead' as const;

  it('keeps the last N runs and those younger than D days; removes the rest', () => {
    const decision = selectRunsToPrune(runs, { keepRuns: 2, keepDays: 7 }, NOW, dead);
    expect(decision.remove.map((item) => item.name)).toEqual(['c', 'b', 'a']);
    expect(decision.keep.map(({ run: item, why }) => `${item.name}:${why}`)).toEqual(['f:last-runs', 'e:last-runs', 'd:young']);
  });

  it('keeps young runs beyond the last N only within the size budget (a busy hour of runs cannot fill the disk)', () => {
    const sized = [run('a', 3), run('b', 2), run('c', 1), run('d', 0.5), run('e', 0.2), run('f', 0.1)].map((item) => ({
      ...item,
      bytes: 100,
    }));
    const decision = selectRunsToPrune(sized, { keepRuns: 2, keepDays: 7, keepBytes: 350 }, NOW, dead);
    expect(decision.keep.map(({ run: item, why }) => `${item.name}:${why}`)).toEqual(['f:last-runs', 'e:last-runs', 'd:young']);
    expect(decision.remove.map((item) => item.name)).toEqual(['c', 'b', 'a']);
    // The last N stay whatever their size.
    expect(selectRunsToPrune(sized, { keepRuns: 4, keepDays: 7, keepBytes: 50 }, NOW, dead).keep).toHaveLength(4);
  });

  it('reads --keep-size and IBCM_LAB_KEEP_SIZE as sizes, and refuses what is not one', () => {
    expect(retentionPolicy({ 'keep-size': '500M' }, {}).keepBytes).toBe(500 * 1024 ** 2);
    expect(retentionPolicy({}, { IBCM_LAB_KEEP_SIZE: '1.5GiB' }).keepBytes).toBe(1.5 * 1024 ** 3);
    expect(retentionPolicy({ 'keep-size': '4096' }, {}).keepBytes).toBe(4096);
    expect(() => retentionPolicy({ 'keep-size': 'lots' }, {})).toThrow(/--keep-size must be a size such as 500M or 2G, got "lots"/);
  });

  it('with --keep-days 0 keeps exactly the last N; with --keep-runs 0 only the young', () => {
    expect(selectRunsToPrune(runs, { keepRuns: 3, keepDays: 0 }, NOW, dead).keep.map(({ run: item }) => item.name)).toEqual([
      'f',
      'e',
      'd',
    ]);
    expect(selectRunsToPrune(runs, { keepRuns: 0, keepDays: 2 }, NOW, dead).keep.map(({ run: item }) => item.name)).toEqual(['f', 'e']);
  });

  it('never removes a live run (or one whose owner is on another machine) nor the current run', () => {
    const liveness = (item: RunFolder): Liveness => (item.name === 'a' ? 'alive' : item.name === 'b' ? 'unknown' : 'dead');
    const decision = selectRunsToPrune(runs, { keepRuns: 0, keepDays: 0 }, NOW, liveness, ['c']);
    expect(decision.remove.map((item) => item.name)).toEqual(['f', 'e', 'd']);
    expect(Object.fromEntries(decision.keep.map(({ run: item, why }) => [item.name, why]))).toEqual({ a: 'live', b: 'live', c: 'current' });
  });

  it('orders by start time, whatever order the folders are listed in', () => {
    const shuffled = [runs[3]!, runs[0]!, runs[5]!, runs[1]!, runs[4]!, runs[2]!];
    expect(selectRunsToPrune(shuffled, { keepRuns: 1, keepDays: 0 }, NOW, dead).keep.map(({ run: item }) => item.name)).toEqual(['f']);
  });
});

describe('retention settings', () => {
  it('takes flags over the environment over the defaults, and refuses nonsense with a usage error', () => {
    expect(retentionPolicy({}, {})).toEqual({ keepRuns: 20, keepDays: 7, keepBytes: 2 * 1024 ** 3 });
    expect(retentionPolicy({}, { IBCM_LAB_KEEP_RUNS: '5', IBCM_LAB_KEEP_DAYS: '0.5' })).toMatchObject({ keepRuns: 5, keepDays: 0.5 });
    expect(retentionPolicy({ 'keep-runs': '3' }, { IBCM_LAB_KEEP_RUNS: '5' })).toMatchObject({ keepRuns: 3, keepDays: 7 });
    expect(() => retentionPolicy({ 'keep-runs': '2.5' }, {})).toThrow(UsageError);
    expect(() => retentionPolicy({}, { IBCM_LAB_KEEP_DAYS: 'forever' })).toThrow(/IBCM_LAB_KEEP_DAYS must be a number/);
  });

  it('reads a run start from its id', () => {
    expect(startOfRun('20261207T121110Z-2378')).toBe(Date.UTC(2026, 11, 7, 12, 11, 10));
    expect(startOfRun('pw-20261207121110-2378')).toBe(Date.UTC(2026, 11, 7, 12, 11, 10));
    expect(startOfRun('my-notes')).toBeUndefined();
  });
});

describe('pruneRuns on a runs folder', () => {
  it('removes old finished runs and killed runs, keeps a live one, and a dry run removes nothing', () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'ibcm-lab-runs-'));
    const make = (name: string, bytes: number) => {
      mkdirSync(join(runsDir, name, 'pki'), { recursive: true });
      writeFileSync(join(runsDir, name, 'pki', 'blob'), Buffer.alloc(bytes));
      return join(runsDir, name);
    };
    make('20261101T000000Z-1', 1000); // old, finished
    const killed = make('20261102T000000Z-2', 2000); // old, its process gone
    writeFileSync(join(killed, 'owner.json'), JSON.stringify({ ...ownIdentity(), pid: 2 ** 22 + 7 }));
    const live = make('20261103T000000Z-3', 10); // old, but its process (this one) lives
    const release = claimRunFolder(live);
    make('20261207T110000Z-4', 10); // the newest
    const policy = { keepRuns: 1, keepDays: 7 };

    const dry = pruneRuns({ policy, runsDir, now: NOW, dryRun: true });
    expect(dry.removed.map((item) => item.name)).toEqual(['20261102T000000Z-2', '20261101T000000Z-1']);
    expect(dry.bytesRemoved).toBeGreaterThanOrEqual(3000);
    expect(existsSync(killed)).toBe(true);

    const report = pruneRuns({ policy, runsDir, now: NOW });
    expect(report.removed.map((item) => item.name)).toEqual(['20261102T000000Z-2', '20261101T000000Z-1']);
    expect(existsSync(killed)).toBe(false);
    expect(report.kept).toEqual([
      { name: '20261207T110000Z-4', why: 'last-runs' },
      { name: '20261103T000000Z-3', why: 'live' },
    ]);

    release();
    expect(pruneRuns({ policy, runsDir, now: NOW }).removed.map((item) => item.name)).toEqual(['20261103T000000Z-3']);
    expect(folderBytes(runsDir)).toBe(10);
  });

  it('a finished run notes its size, and the size budget reads the note instead of walking the folder', () => {
    const runsDir = mkdtempSync(join(tmpdir(), 'ibcm-lab-runs-'));
    const older = join(runsDir, '20261207T100000Z-1');
    mkdirSync(older, { recursive: true });
    writeFileSync(join(older, 'blob'), Buffer.alloc(4000));
    claimRunFolder(older)();
    expect(readFileSync(join(older, 'size'), 'utf8')).toBe('4000\n');
    // What the note says counts (a folder is not walked again): noted as over the budget, it goes.
    writeFileSync(join(older, 'size'), `${10 * 1024 ** 3}\n`);
    const newer = join(runsDir, '20261207T110000Z-2');
    mkdirSync(newer);
    const report = pruneRuns({ policy: { keepRuns: 1, keepDays: 7, keepBytes: 1024 ** 3 }, runsDir, now: NOW });
    expect(report.removed.map((item) => item.name)).toEqual(['20261207T100000Z-1']);
    expect(report.bytesRemoved).toBe(10 * 1024 ** 3);
  });
});
