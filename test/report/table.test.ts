import { describe, expect, it } from 'vitest';
import { renderTable } from '../../harness/report/table.js';
import { sampleResults } from './sample-results.js';

describe('the end-of-run table', () => {
  it('repeats every case that made the run fail, with its whole reason, before the summary line', () => {
    const text = renderTable(sampleResults(), 80);
    const lines = text.trimEnd().split('\n');
    const block = lines.indexOf('what made this run fail (3):');
    expect(block).toBeGreaterThan(0);
    const listed = lines.slice(block + 1, block + 4).map((line) => line.split(':')[0]);
    expect(listed).toEqual(['✘ PX-VERB-MP-CCM_POST tunnel', '! PX-TUNNEL-PASSTHRU tunnel', '✘ PX-NTLM-AFFINITY tunnel']);
    // The whole reason, not the table's cut one.
    expect(text).toContain('header CCMClientIDSignature was sent but did not reach the site system;');
    expect(lines.at(-1)).toMatch(/^ERROR {2}2 passed, 1 failed, 1 could not run/);
  });

  it('has no such block when nothing failed', () => {
    const results = sampleResults();
    results.results = results.results.filter(
      (result) => result.status === 'passed' || result.status === 'not-applicable' || result.status === 'expected-failure',
    );
    expect(renderTable(results, 80)).not.toContain('what made this run fail');
  });
});
