// The docker driver's watchdog (reaper.ts), decided without an engine: it waits while its owner
// lives, then removes exactly that owner's containers (before its networks) — never those of
// another live run, nor those of a process that reused the owner's id — and returns.
import { describe, expect, it } from 'vitest';
import { labLabels } from '../../harness/drivers/docker/labels.js';
import { ownedBy, ownerFilter, watchAndReap, type ReaperEngine } from '../../harness/drivers/docker/reaper.js';
import type { Here, ProcessIdentity } from '../../harness/run/process-identity.js';

const owner: ProcessIdentity = { pid: 100, startTicks: '5000', bootId: 'b', host: 'ci-1' };
const other: ProcessIdentity = { pid: 200, startTicks: '6000', bootId: 'b', host: 'ci-1' };
/** A later process that got the owner's id: another owner. */
const reused: ProcessIdentity = { pid: 100, startTicks: '9000', bootId: 'b', host: 'ci-1' };

function fakeEngine(objects: { id: string; kind: 'container' | 'network'; labels: Record<string, string> }[]) {
  const removed: string[] = [];
  const matches = (labels: Record<string, string>, filter: string[]) =>
    filter.every((item) => {
      const [key, value] = item.split('=') as [string, string | undefined];
      return value === undefined ? key in labels : labels[key] === value;
    });
  const list = (kind: 'container' | 'network') => async (filter: string[]) =>
    objects.filter((item) => item.kind === kind && !removed.includes(item.id) && matches(item.labels, filter));
  const docker: ReaperEngine = {
    listContainers: list('container'),
    listNetworks: list('network'),
    removeContainer: async (id) => void removed.push(id),
    removeNetwork: async (id) => {
      if (objects.some((item) => item.kind === 'container' && !removed.includes(item.id) && item.labels.net === id))
        throw new Error('network has active endpoints');
      removed.push(id);
    },
  };
  return { docker, removed };
}

describe('reaper', () => {
  const objects = [
    { id: 'net-a', kind: 'network' as const, labels: labLabels('run-a', 'lab', owner) },
    { id: 'mp-a', kind: 'container' as const, labels: { ...labLabels('run-a', 'lab', owner), net: 'net-a' } },
    { id: 'mp-b', kind: 'container' as const, labels: labLabels('run-b', 'lab', other) },
    { id: 'net-b', kind: 'network' as const, labels: labLabels('run-b', 'lab', other) },
    { id: 'mp-r', kind: 'container' as const, labels: labLabels('run-r', 'lab', reused) },
    { id: 'postgres', kind: 'container' as const, labels: { app: 'db' } },
  ];

  it("waits while its owner lives, then removes only that owner's objects, containers first", async () => {
    const { docker, removed } = fakeEngine(objects);
    let polls = 0;
    // The owner lives for three polls; then its id belongs to the process that reused it.
    const where = (): Here => ({
      host: 'ci-1',
      bootId: 'b',
      exists: () => true,
      startTicksOf: () => (++polls <= 3 ? owner.startTicks : reused.startTicks),
    });
    await watchAndReap(docker, owner, { where, sleep: async () => undefined });
    expect(polls).toBeGreaterThanOrEqual(4);
    expect(removed).toEqual(['mp-a', 'net-a']);
  });

  it('finds nothing to remove after an owner that stopped cleanly, and returns', async () => {
    const { docker, removed } = fakeEngine(objects.filter((item) => !item.id.endsWith('-a')));
    const where = (): Here => ({ host: 'ci-1', bootId: 'b', exists: () => false, startTicksOf: () => undefined });
    await watchAndReap(docker, owner, { where, sleep: async () => undefined });
    expect(removed).toEqual([]);
  });

  it('selects an owner by every part of its identity', () => {
    expect(ownerFilter(owner)).toEqual([
      'ibcm-lab',
      'ibcm-lab.pid=100',
      'ibcm-lab.host=ci-1',
      'ibcm-lab.pid-start=5000',
      'ibcm-lab.boot-id=b',
    ]);
    expect(ownedBy(labLabels('r', 'l', owner), owner)).toBe(true);
    expect(ownedBy(labLabels('r', 'l', reused), owner)).toBe(false);
    expect(ownedBy(labLabels('r', 'l', { ...owner, host: 'ci-2' }), owner)).toBe(false);
    expect(ownedBy({ app: 'db' }, owner)).toBe(false);
  });
});
