// The end-of-run table: one line per requirement and mode with its verdict and reason, then what
// is not yet covered, then every case that made the run fail with its whole reason (the table cuts
// reasons to the terminal's width, and a CI log is often read from its tail), then a one-line summary.
// Model requirements (the client simulator's own logic, catalog Judge) get a section of their own and
// a summary line of their own: they are never among the world's counts.
import { modelResults, worldResults, type RunResults } from './results.js';
import { bold, paint, symbolOf } from './style.js';

export function renderTable(results: RunResults, width = process.stdout.columns || 120): string {
  const lines: string[] = [];
  const idWidth = Math.max(12, ...results.results.map((result) => result.requirement.length));
  const reasonWidth = Math.max(30, width - idWidth - 28);
  const row = (result: RunResults['results'][number]) => {
    const reason = result.reason.length > reasonWidth ? `${result.reason.slice(0, reasonWidth - 1)}…` : result.reason;
    return `${result.requirement.padEnd(idWidth)}  ${result.mode.padEnd(7)}  ${paint(result.status, `${symbolOf(result.status)} ${result.status}`.padEnd(16))}  ${reason}`;
  };
  lines.push('', bold(`${'requirement'.padEnd(idWidth)}  ${'mode'.padEnd(7)}  ${'verdict'.padEnd(16)}  reason`));
  for (const result of worldResults(results)) lines.push(row(result));
  const model = modelResults(results);
  if (model.length > 0) {
    lines.push('', bold("model checks — the client simulator's own logic, no world can change them; not verdicts on the proxy:"));
    for (const result of model) lines.push(row(result));
  }
  if (results.notCovered.length > 0) {
    lines.push(
      '',
      paint('not-covered', `${symbolOf('not-covered')} not yet covered (${results.notCovered.length}): `) +
        results.notCovered.map((item) => item.requirement).join(', '),
    );
  }
  if (results.notRun?.length) {
    const modesOf = new Map<string, string[]>();
    for (const item of results.notRun) modesOf.set(item.requirement, [...(modesOf.get(item.requirement) ?? []), item.mode]);
    lines.push(
      '',
      paint('error', `! not run — the run was interrupted first (${results.notRun.length}): `) +
        [...modesOf].map(([requirement, modes]) => `${requirement} (${modes.join(', ')})`).join(', '),
    );
  }
  const broke = worldResults(results).filter(
    (result) =>
      result.status === 'failed' || result.status === 'blocked' || result.status === 'error' || result.status === 'unexpected-pass',
  );
  if (broke.length > 0) {
    lines.push('', bold(`what made this run fail (${broke.length}):`));
    for (const result of broke)
      lines.push(
        `${paint(result.status, `${symbolOf(result.status)} ${result.requirement} ${result.mode}`)}${result.code ? ` [${result.code}]` : ''}: ${result.reason.replace(/\s*[\r\n]+\s*/g, ' ')}`,
      );
  }
  for (const error of results.errors) lines.push(paint('error', `! ${error}`));
  const s = results.summary;
  lines.push(
    '',
    `${bold(s.exitCode === 0 ? 'PASS' : s.exitCode === 1 ? 'FAIL' : 'ERROR')}  ${paint('passed', `${s.passed} passed`)}, ${paint('failed', `${s.failed} failed`)}, ${s.blocked ? `${paint('blocked', `${s.blocked} blocked`)}, ` : ''}${paint('error', `${s.error} could not run`)}, ${s.expectedFailures ? `${paint('expected-failure', `${s.expectedFailures} expected failures`)}, ` : ''}${s.unexpectedPasses ? `${paint('unexpected-pass', `${s.unexpectedPasses} unexpected passes`)}, ` : ''}${s.notApplicable} not applicable, ${s.notCovered} not yet covered${s.notRun ? `, ${paint('error', `${s.notRun} not run (interrupted)`)}` : ''}${s.requiredNotHeld ? ` — ${s.requiredNotHeld} required check${s.requiredNotHeld === 1 ? '' : 's'} did not hold` : ''} — proxy ${results.proxy}, modes ${results.modes.join(', ')}${results.driver === 'docker' ? ', docker driver' : ''}, ${(results.durationMs / 1000).toFixed(1)} s, run ${results.runId}`,
  );
  const m = s.model;
  if (m && m.passed + m.notPassed > 0)
    lines.push(
      `${m.passed} model check${m.passed === 1 ? '' : 's'} (the client simulator's own logic) passed${m.notPassed ? `, ${paint('error', `${m.notPassed} did not`)}` : ''} — apart from the counts above, never a pass for the proxy`,
    );
  return lines.join('\n') + '\n';
}
