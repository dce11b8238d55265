// The client's MP failover rule (W:45): five failures within ten minutes move it to another MP;
// failures spread over more time do not. A unit test of the client model — the LOC-FAILOVER check
// reads the world (journals), this pins the rule it runs on.
import { describe, expect, it } from 'vitest';
import { ManagementPointSelector, seededRandom } from '../../harness/client/index.js';

const MPS = ['mp.ibcm-lab.example', 'mp2.ibcm-lab.example'];

describe('ManagementPointSelector', () => {
  it('starts on the MP the client uses when told, and moves after five failures a minute apart', () => {
    let clock = 0;
    const selector = new ManagementPointSelector(MPS, seededRandom(7), { now: () => clock, current: MPS[0] });
    expect(selector.current).toBe(MPS[0]);
    const moves = Array.from({ length: 5 }, () => {
      clock += 60_000;
      return selector.recordFailure();
    });
    expect(moves).toEqual([false, false, false, false, true]);
    expect(selector.current).toBe(MPS[1]);
    expect(selector.switches).toEqual([{ from: MPS[0], to: MPS[1], afterFailures: 5 }]);
  });

  it('keeps its MP when five failures are spread over more than ten minutes', () => {
    let clock = 0;
    const selector = new ManagementPointSelector(MPS, seededRandom(7), { now: () => clock, current: MPS[0] });
    for (let i = 0; i < 5; i++) {
      clock += 3 * 60_000;
      selector.recordFailure();
    }
    expect(selector.switches).toHaveLength(0);
    expect(selector.current).toBe(MPS[0]);
  });
});
