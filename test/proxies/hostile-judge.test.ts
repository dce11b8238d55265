// How the self-test judges a hostile proxy: contained when every check it ran ended failed or
// blocked with a reason naming what the proxy did; a pass, an error (a hung or crashed check) or a
// reason that names something else is not containment.
import { describe, expect, it } from 'vitest';
import { judgeProject } from '../../harness/cli/selftest.js';
import { hostileProxies } from '../../harness/proxies/hostile/index.js';
import type { CheckRecord } from '../../harness/report/results.js';

const silent = hostileProxies.find((proxy) => proxy.name === 'hostile-silent')!;
const record = (requirement: string, status: CheckRecord['status'], reason: string, durationMs = 10_500): CheckRecord => ({
  requirement,
  also: [],
  proxy: silent.name,
  mode: 'bridge',
  project: `${silent.name}/bridge`,
  title: requirement,
  file: 'x.spec.ts',
  status,
  reason,
  durationMs,
});
const NAMED = "the client's GET failed: UND_ERR_HEADERS_TIMEOUT no answer within 10 s: the response head was not complete";

describe('judging a hostile proxy', () => {
  it('is contained when every check failed or was blocked naming what the proxy did', () => {
    const records = silent.hostile!.checks.map((id, index) => record(id, index === 0 ? 'blocked' : 'failed', `blocked: ${NAMED}`));
    const verdict = judgeProject(silent, 'hostile', 'bridge', records);
    expect(verdict.ok).toBe(true);
    expect(verdict.kills).toEqual(silent.hostile!.checks);
    expect(verdict.slowestMs).toBe(10_500);
  });

  it('is not contained when a check passed, timed out, or failed for an unnamed reason', () => {
    const [first, second, third] = silent.hostile!.checks;
    const verdict = judgeProject(silent, 'hostile', 'bridge', [
      record(first!, 'passed', 'reached the MP'),
      record(second!, 'failed', 'timed out after 30034 ms: Test timeout of 30000ms exceeded.', 30_034),
      record(third!, 'failed', 'no GET reached the site system'),
    ]);
    expect(verdict.ok).toBe(false);
    expect(verdict.missed.map((miss) => miss.requirement)).toEqual([first, second, third]);
  });

  it('is an error when a check errored or none ran', () => {
    expect(judgeProject(silent, 'hostile', 'bridge', [record(silent.hostile!.checks[0]!, 'error', 'worker crashed')]).errors).toContain(
      'worker crashed',
    );
    expect(judgeProject(silent, 'hostile', 'bridge', []).errors).toContain('no check ran');
  });
});
