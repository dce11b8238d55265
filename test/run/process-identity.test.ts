// An owner is a process id *and* its start time on a host and a boot: a reused id is not the owner.
import { describe, expect, it } from 'vitest';
import { ownIdentity, ownerLiveness, processStartTicks, type Here } from '../../harness/run/process-identity.js';

const where: Here = {
  host: 'ci-1',
  bootId: 'boot-a',
  exists: (pid) => pid === 100 || pid === 200,
  startTicksOf: (pid) => (pid === 100 ? '5000' : pid === 200 ? '7000' : undefined),
};

describe('ownerLiveness', () => {
  it.each([
    ['the same process (id and start time)', { pid: 100, startTicks: '5000', bootId: 'boot-a', host: 'ci-1' }, 'alive'],
    ['a reused process id (another start time)', { pid: 100, startTicks: '4999', bootId: 'boot-a', host: 'ci-1' }, 'dead'],
    ['a process that is gone', { pid: 300, startTicks: '5000', bootId: 'boot-a', host: 'ci-1' }, 'dead'],
    ['a process of an earlier boot of this host', { pid: 100, startTicks: '5000', bootId: 'boot-0', host: 'ci-1' }, 'dead'],
    ['a process of another machine sharing the engine', { pid: 100, startTicks: '5000', bootId: 'boot-b', host: 'ci-2' }, 'unknown'],
    ['an old label with a process id only, that process exists', { pid: 200 }, 'alive'],
    ['an old label with a process id only, gone', { pid: 301 }, 'dead'],
    ['no process id at all', {}, 'dead'],
  ] as const)('%s → %s', (_name, owner, expected) => {
    expect(ownerLiveness(owner, where)).toBe(expected);
  });

  it('reads this process as alive on this machine', async () => {
    const { here } = await import('../../harness/run/process-identity.js');
    const me = ownIdentity();
    expect(me.startTicks).toBe(processStartTicks(process.pid));
    expect(ownerLiveness(me, here())).toBe('alive');
    expect(ownerLiveness({ ...me, startTicks: String(Number(me.startTicks ?? 0) + 1) }, here())).toBe(me.startTicks ? 'dead' : 'alive');
  });
});
