// Model requirements (catalog Judge: decided by the client simulator's own logic alone) are reported
// apart from the world's verdicts: in the results JSON, the terminal table, the HTML report and JUnit,
// never counted as a pass for the proxy, and a model pass never makes a run pass.
import { describe, expect, it } from 'vitest';
import { buildResults } from '../../harness/cli/run.js';
import type { ProxyImplementation } from '../../harness/proxies/index.js';
import { renderHtmlReport } from '../../harness/report/html/index.js';
import { renderJunit } from '../../harness/report/junit.js';
import type { CheckRecord, RunResults } from '../../harness/report/results.js';
import { renderTable } from '../../harness/report/table.js';
import { loadTopology } from '../../harness/topology/index.js';
import { sampleResults } from './sample-results.js';

const record = (requirement: string, mode: string, status: CheckRecord['status'], reason = `${requirement} ${status}`): CheckRecord => ({
  requirement,
  also: [],
  proxy: 'node',
  mode,
  title: `${requirement} check`,
  file: 'suites/x.spec.ts',
  status,
  reason,
  durationMs: 3,
});

const build = (checks: CheckRecord[], selected: string[]) =>
  buildResults({
    raw: { checks, errors: [], status: 'passed' },
    runId: 'r1',
    startedAt: new Date(),
    proxy: { name: 'node', kind: 'reference', modes: ['bridge'], description: '' } as unknown as ProxyImplementation,
    modes: ['bridge'],
    grep: null,
    topology: { name: 'default', digest: 'sha256:0', source: 'preset:default' },
    selected,
  });

/** The sample run with one model requirement passed in bridge. */
function withModel(): RunResults {
  const results = sampleResults();
  results.results.push({
    requirement: 'LOC-MODE-FIXED',
    title: 'The management mode is fixed at install',
    strength: 'required',
    mode: 'bridge',
    status: 'passed',
    reason: 'client model: the mode stays until a reinstall',
    judges: 'model',
    checks: [{ title: 'LOC-MODE-FIXED check', file: 'suites/loc/install-mode.spec.ts', status: 'passed', reason: 'ok', durationMs: 2 }],
  });
  results.summary.model = { passed: 1, notPassed: 0 };
  return results;
}

describe('model requirements in the results', () => {
  it('carry judges per result; model passes are counted apart and never among the passes', () => {
    const results = build(
      [record('PX-HTTP11', 'bridge', 'passed'), record('LOC-MODE-FIXED', 'bridge', 'passed'), record('LOC-WORKGROUP', 'bridge', 'passed')],
      ['PX-HTTP11', 'LOC-WORKGROUP', 'LOC-MODE-FIXED'],
    );
    expect(results.results.map((result) => [result.requirement, result.judges])).toEqual([
      ['PX-HTTP11', 'world'],
      ['LOC-WORKGROUP', 'model'],
      ['LOC-MODE-FIXED', 'model'],
    ]);
    expect(results.summary.passed).toBe(1);
    expect(results.summary.model).toEqual({ passed: 2, notPassed: 0 });
    expect(results.summary.exitCode).toBe(0);
  });

  it('do not change the exit code by passing: a failed world requirement still fails the run', () => {
    const results = build(
      [record('PX-HTTP11', 'bridge', 'failed'), record('LOC-MODE-FIXED', 'bridge', 'passed')],
      ['PX-HTTP11', 'LOC-MODE-FIXED'],
    );
    expect(results.summary).toMatchObject({ passed: 0, failed: 1, exitCode: 1, model: { passed: 1, notPassed: 0 } });
  });

  it('never make a run pass alone: only model checks is no verdict on the world', () => {
    const results = build([record('LOC-MODE-FIXED', 'bridge', 'passed')], ['LOC-MODE-FIXED']);
    expect(results.summary.exitCode).toBe(2);
    expect(results.errors.join('\n')).toMatch(/only model checks ran/);
  });

  it('that do not pass are a defect of the lab, named as an error, not a failure of the world', () => {
    const results = build(
      [record('PX-HTTP11', 'bridge', 'passed'), record('LOC-WORKGROUP', 'bridge', 'failed', 'installed intranet+internet')],
      ['PX-HTTP11', 'LOC-WORKGROUP'],
    );
    expect(results.summary).toMatchObject({ passed: 1, failed: 0, exitCode: 2, model: { passed: 0, notPassed: 1 } });
    expect(results.errors.join('\n')).toMatch(/model check LOC-WORKGROUP \(bridge\) failed: the lab's client simulator/);
  });
});

describe('model requirements in the reports', () => {
  it('the terminal lists them in a section of their own and says so apart from the counts', () => {
    const text = renderTable(withModel(), 200);
    const lines = text.trimEnd().split('\n');
    const section = lines.findIndex((line) => line.startsWith('model checks'));
    expect(section).toBeGreaterThan(0);
    expect(lines[section + 1]).toMatch(/^LOC-MODE-FIXED/);
    expect(lines.filter((line) => line.startsWith('LOC-MODE-FIXED'))).toHaveLength(1);
    expect(text).toContain("1 model check (the client simulator's own logic) passed");
    // The world's summary line counts only the world's two passes; the model line follows it, apart.
    expect(lines.at(-2)).toMatch(/^ERROR {2}2 passed/);
    expect(lines.at(-1)).toMatch(/^1 model check .* never a pass for the proxy$/);
  });

  it('the HTML report has a model section and keeps them out of the matrix and the counts', () => {
    const html = renderHtmlReport({ results: withModel(), topology: loadTopology(), labs: [] });
    const matrix = html.slice(html.indexOf('<section id="matrix"'), html.indexOf('</section>', html.indexOf('<section id="matrix"')));
    expect(matrix).not.toContain('LOC-MODE-FIXED');
    const model = html.slice(html.indexOf('<section id="model"'));
    expect(model).toContain("Model checks — the client simulator's own logic (1 of 1 passed)");
    expect(model).toContain('LOC-MODE-FIXED');
    expect(html).toContain('✔ 2 passed');
  });

  it('JUnit gives them their own classname and never a passing testcase', () => {
    const xml = renderJunit(withModel());
    const testcase = xml.slice(xml.indexOf('name="LOC-MODE-FIXED'));
    expect(testcase).toMatch(/^name="LOC-MODE-FIXED[^"]*" classname="ibcm-lab\.model\.bridge"/);
    expect(testcase.slice(0, testcase.indexOf('</testcase>'))).toContain('<skipped message="model check passed');
  });
});
