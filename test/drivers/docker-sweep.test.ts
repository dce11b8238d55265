// Which lab containers and networks a sweep (a run's start, `ibcm-lab down`) removes on a shared
// engine, decided without an engine: only dead owners' objects and the caller's own run; a live
// run's — and one on another machine — are left alone and named.
import { describe, expect, it } from 'vitest';
import { labLabels, LABEL_PID } from '../../harness/drivers/docker/labels.js';
import { describeLeftAlone, planSweep, type LabObject } from '../../harness/drivers/docker/sweep-plan.js';
import type { Liveness, ProcessIdentity } from '../../harness/run/process-identity.js';

const alice = { pid: 100, startTicks: '5000', bootId: 'b', host: 'ci-1' };
const bob = { pid: 200, startTicks: '6000', bootId: 'b', host: 'ci-1' };
const gone = { pid: 300, startTicks: '7000', bootId: 'b', host: 'ci-1' };
const remote = { pid: 100, startTicks: '5000', bootId: 'x', host: 'ci-2' };
const object = (kind: LabObject['kind'], name: string, run: string, owner: ProcessIdentity): LabObject => ({
  kind,
  id: `${name}-id`,
  name,
  labels: labLabels(run, `${run}-lab`, owner),
});
const liveness = (owner: Partial<ProcessIdentity>): Liveness =>
  owner.host !== 'ci-1' ? 'unknown' : owner.pid === 100 || owner.pid === 200 ? 'alive' : 'dead';

const objects: LabObject[] = [
  object('network', 'ibcm-a-dmz', 'run-alice', alice),
  object('container', 'ibcm-a-mp1', 'run-alice', alice),
  object('container', 'ibcm-b-mp1', 'run-bob', bob),
  object('container', 'ibcm-b-dns', 'run-bob', bob),
  object('network', 'ibcm-b-dmz', 'run-bob', bob),
  object('network', 'ibcm-g-dmz', 'run-gone', gone),
  object('container', 'ibcm-g-mp1', 'run-gone', gone),
  object('container', 'ibcm-r-mp1', 'run-remote', remote),
  { kind: 'container', id: 'x', name: 'someone-elses-postgres', labels: { app: 'db' } },
];

describe('planSweep', () => {
  it("removes only a dead owner's objects, containers before networks, and leaves live runs alone", () => {
    const plan = planSweep(objects, liveness);
    expect(plan.remove.map((item) => item.name)).toEqual(['ibcm-g-mp1', 'ibcm-g-dmz']);
    expect(plan.leftAlone.map((entry) => [entry.run, entry.liveness, entry.containers.length, entry.networks.length])).toEqual([
      ['run-alice', 'alive', 1, 1],
      ['run-bob', 'alive', 2, 1],
      ['run-remote', 'unknown', 1, 0],
    ]);
  });

  it("down: also removes its own up's run although that process still lives, and nobody else's", () => {
    const plan = planSweep(objects, liveness, { ownRuns: ['run-alice'] });
    expect(plan.remove.map((item) => item.name)).toEqual(['ibcm-a-mp1', 'ibcm-g-mp1', 'ibcm-a-dmz', 'ibcm-g-dmz']);
    expect(plan.leftAlone.map((entry) => entry.run)).toEqual(['run-bob', 'run-remote']);
  });

  it('treats an object whose owner label is missing or garbled as dead (a label no live run writes)', () => {
    const broken: LabObject = {
      kind: 'container',
      id: 'y',
      name: 'ibcm-old',
      labels: { 'ibcm-lab': '1', 'ibcm-lab.run': 'old', [LABEL_PID]: 'nope' },
    };
    const plan = planSweep([broken], (owner) => (Number.isInteger(owner.pid) ? 'alive' : 'dead'));
    expect(plan.remove.map((item) => item.name)).toEqual(['ibcm-old']);
  });

  it('names what it leaves alone and why', () => {
    const plan = planSweep(objects, liveness);
    expect(describeLeftAlone(plan.leftAlone[1]!)).toBe(
      'left alone: 2 container(s) (ibcm-b-mp1, ibcm-b-dns) and 1 network(s) of run run-bob — process 200 on ci-1 is still running',
    );
    expect(describeLeftAlone(plan.leftAlone[2]!)).toMatch(/process 100 on ci-2 is on another machine/);
  });
});
