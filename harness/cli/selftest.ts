// `ibcm-lab selftest`: proves the catalog's checks can tell good proxies from bad ones. Every
// reference proxy must pass (modulo its recorded expectations) and every faulty proxy must fail
// exactly the requirements it is built to break — a missed one means a check that cannot fail,
// an extra one a check that fails for the wrong reason. Prints the table and the mutation score.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { modelRequirementIds, requirementById } from '../catalog/index.js';
import { KNOWN_GAPS, requirementsWithoutNegativeControl, worldName } from './negative-controls.js';
import { builtInProxies, type ProxyImplementation } from '../proxies/index.js';
import { findBinary, missingBinaryMessage } from '../proxies/binaries.js';
import type { CheckRecord } from '../report/results.js';
import { bold, paint } from '../report/style.js';
import { QUIRKS, quirkNames, type QuirkName } from '../topology/index.js';
import { expectationFor, parseWorkers } from './run.js';
import { newRun, runSuites, type SuiteProject } from './suite-runner.js';
import type { Interruption } from './interrupt.js';
import { startRunFolder } from './run-folder.js';
import { retentionPolicy } from '../run/retention.js';
import { versions } from './versions.js';

export interface SelftestOptions {
  workers?: string;
  json?: string;
  /** Only proxies whose name matches (a regular expression). */
  proxies?: string;
  /** Every check against every negative control too (else a control runs its targets and declared collateral). */
  full?: boolean;
  'keep-runs'?: string;
  'keep-days'?: string;
  'keep-size'?: string;
}

/** A target a negative control did not hit exactly: what was expected, and what the check said instead. */
export interface Miss {
  requirement: string;
  code: string;
  got: string;
}

export interface ProjectVerdict {
  proxy: string;
  kind: string;
  mode: string;
  /** Negative controls: requirement → reason code they must fail with (those that ran). Reference: recorded findings. */
  expected: Record<string, string>;
  /** Targets that failed with exactly their code. */
  kills: string[];
  missed: Miss[];
  /** Requirements that failed although not targeted (with their code). */
  extra: string[];
  /** Checks blocked by a failed prerequisite: not a kill, and a deviation for a proxy that must pass. */
  blocked: string[];
  errors: string[];
  ok: boolean;
  /** Hostile proxies: the longest any of its checks took to end. */
  slowestMs?: number;
}

/** A target whose reason code is not pinned yet: never an exact kill, so the self-test fails until it is. */
export const UNPINNED = '?';

export async function selftestCommand(options: SelftestOptions, interruption?: Interruption): Promise<number> {
  const retention = retentionPolicy(options);
  const filter = options.proxies ? new RegExp(options.proxies) : undefined;
  const candidates = builtInProxies.filter((proxy) => !filter || filter.test(proxy.name));
  const missing = candidates.flatMap((proxy) =>
    (proxy.binaries ?? []).filter((binary) => !findBinary(binary)).map((binary) => ({ proxy, binary })),
  );
  const runnable = candidates.filter((proxy) => !missing.some((item) => item.proxy === proxy));
  // Faulty worlds: the Node reference proxy in a world with one quirk (a leaking DNS view, a
  // misbehaving MP) — negative controls for requirements no proxy can break.
  const worlds = quirkNames.filter((quirk) => !filter || filter.test(worldName(quirk)));
  // A negative control runs the checks it names (targets and declared collateral) unless --full:
  // its verdict rests on those alone, and the reference, benign and direct labs run every check.
  const only = (control: { breaks?: Record<string, string>; mayAlsoBreak?: Record<string, string> }) =>
    options.full ? {} : { requirementIds: [...Object.keys(control.breaks ?? {}), ...Object.keys(control.mayAlsoBreak ?? {})] };
  const projects: SuiteProject[] = [
    { name: 'direct', mode: 'direct', proxy: 'node' },
    // A hostile proxy runs its few checks, also under --full: every check through it would only wait out more deadlines.
    ...runnable.flatMap((proxy) =>
      proxy.modes.map((mode) => ({
        name: `${proxy.name}/${mode}`,
        mode,
        proxy: proxy.name,
        ...(proxy.kind === 'faulty' ? only(proxy) : proxy.hostile ? { requirementIds: proxy.hostile.checks } : {}),
      })),
    ),
    ...worlds.flatMap((quirk) =>
      QUIRKS[quirk].selftestModes.map((mode) => ({
        name: `${worldName(quirk)}/${mode}`,
        mode,
        proxy: 'node',
        quirks: [quirk],
        ...only(QUIRKS[quirk]),
      })),
    ),
  ];
  const workers = parseWorkers(options.workers, projects.length);
  process.stdout.write(
    `Self-test: ${runnable.filter((proxy) => proxy.kind === 'reference').length} reference, ${runnable.filter((proxy) => proxy.kind === 'benign').length} benign, ${runnable.filter((proxy) => proxy.kind === 'faulty').length} faulty and ${runnable.filter((proxy) => proxy.kind === 'hostile').length} hostile proxies, ${worlds.length} faulty worlds, ${projects.length} labs, ${workers} workers; negative controls run ${options.full ? 'every check (--full)' : 'their targets (--full: every check)'}\n`,
  );

  const run = newRun();
  const folder = startRunFolder(run, retention);
  let raw;
  try {
    raw = await runSuites({ run, projects, workers, interruption });
  } finally {
    folder.release();
  }
  const byProject = new Map<string, CheckRecord[]>();
  for (const record of raw.checks) {
    const key = record.project ?? `${record.proxy}/${record.mode}`;
    byProject.set(key, [...(byProject.get(key) ?? []), record]);
  }

  const verdicts: ProjectVerdict[] = projects.map((project) => {
    const quirk = project.quirks?.[0] as QuirkName | undefined;
    const proxy: ProxyImplementation = quirk ? worldAsProxy(quirk) : builtInProxies.find((candidate) => candidate.name === project.proxy)!;
    const kind = project.mode === 'direct' && !quirk ? 'control' : proxy.kind;
    return judgeProject(proxy, kind, project.mode, byProject.get(project.name) ?? []);
  });

  const faulty = verdicts.filter((verdict) => verdict.kind === 'faulty');
  const caught = faulty.filter((verdict) => verdict.ok).length;
  const targets = faulty.reduce((sum, verdict) => sum + Object.keys(verdict.expected).length, 0);
  const exactKills = faulty.reduce((sum, verdict) => sum + verdict.kills.length, 0);
  process.stdout.write(
    renderSelftest(
      verdicts,
      missing.map((item) => `${item.proxy.name}: ${missingBinaryMessage(item.binary)}`),
    ),
  );
  process.stdout.write(
    `\n${bold('mutation score')}: ${caught}/${faulty.length} faulty proxy and world runs caught exactly (${percent(caught, faulty.length)}); ${exactKills}/${targets} targets failed for their stated reason (${percent(exactKills, targets)})\n`,
  );
  const benign = verdicts.filter((verdict) => verdict.kind === 'benign' || verdict.kind === 'reference' || verdict.kind === 'control');
  process.stdout.write(
    `${bold('benign and reference controls')}: ${benign.filter((verdict) => verdict.ok).length}/${benign.length} clean (no false failure, nothing blocked)\n`,
  );
  const hostile = verdicts.filter((verdict) => verdict.kind === 'hostile');
  if (hostile.length)
    process.stdout.write(
      `${bold('hostile proxies')}: ${hostile.filter((verdict) => verdict.ok).length}/${hostile.length} contained (every check ended in time, failed or blocked, naming what the proxy did)\n`,
    );
  // Requirements that ran but that no faulty proxy in this self-test is built to break: a gap in the
  // negative controls, said out loud rather than hidden.
  // Judged over every built-in control, not only those this run selected, so --proxies cannot hide one.
  const withoutControl = requirementsWithoutNegativeControl();
  const uncontrolled = withoutControl.filter((id) => !(id in KNOWN_GAPS));
  if (uncontrolled.length) process.stdout.write(`${paint('failed', 'no negative control')} for: ${uncontrolled.join(', ')}\n`);
  else
    process.stdout.write(
      `every world requirement of the catalog has a negative control (a faulty proxy or world that must fail it)${withoutControl.length ? ', but for the known gaps below' : ''}\n`,
    );
  for (const id of withoutControl.filter((candidate) => candidate in KNOWN_GAPS))
    process.stdout.write(`${paint('not-covered', `known gap, no negative control yet: ${id}`)} — ${KNOWN_GAPS[id]}\n`);
  const models = modelRequirementIds();
  if (models.length)
    process.stdout.write(
      `model requirements, which no world can fail (the client simulator's own logic, reported apart): ${models.join(', ')}\n`,
    );
  const deviations = verdicts.filter((verdict) => !verdict.ok).length + (uncontrolled.length > 0 ? 1 : 0);
  const exitCode =
    raw.errors.length > 0 || missing.length > 0 || verdicts.some((verdict) => verdict.errors.length > 0) ? 2 : deviations > 0 ? 1 : 0;
  const report = {
    schema: 'ibcm-lab/selftest@1',
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    versions: versions(),
    mutationScore: { caught, total: faulty.length, exactKills, targets },
    uncontrolledRequirements: uncontrolled,
    knownGaps: withoutControl.filter((id) => id in KNOWN_GAPS),
    verdicts,
    missingBinaries: missing.map((item) => ({ proxy: item.proxy.name, binary: item.binary })),
    errors: raw.errors,
    exitCode,
  };
  writeFileSync(join(run.runDir, 'selftest.json'), JSON.stringify(report, null, 2) + '\n');
  if (options.json) {
    const file = resolve(options.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  }
  for (const error of raw.errors) process.stderr.write(`ibcm-lab: ${error}\n`);
  if (raw.status === 'interrupted') {
    // What the stop left out: how many checks never ran, and in which labs.
    const ran = new Set(raw.checks.map((record) => `${record.project}\u0000${record.requirement}`));
    const notRun = (raw.planned ?? []).filter((check) => !ran.has(`${check.project}\u0000${check.requirement}`));
    const unfinished = raw.planned ? [...new Set(notRun.map((check) => check.project))] : projects.map((project) => project.name);
    process.stdout.write(
      `${paint('error', 'interrupted')}: ${raw.planned ? `${notRun.length} of ${raw.planned.length} checks` : 'every check'} not run; labs not finished: ${unfinished.join(', ') || 'none'}\n`,
    );
  }
  if (raw.status === 'interrupted')
    process.stdout.write(`${paint('error', 'SELFTEST INTERRUPTED')}  no verdict: the self-test was stopped before it finished\n`);
  else
    process.stdout.write(
      exitCode === 0
        ? `${paint('passed', 'SELFTEST PASS')}  every reference and benign proxy passed and every faulty proxy and world was caught by exactly its target requirements, each for its stated reason${options.full ? ', and failed nothing else' : ''}\n`
        : `${paint('failed', 'SELFTEST FAIL')}  ${deviations} deviation(s)\n`,
    );
  return exitCode;
}

/** A faulty world seen as the self-test sees a faulty proxy: a name, its modes and its targets. */
function worldAsProxy(quirk: QuirkName): ProxyImplementation {
  const spec = QUIRKS[quirk];
  return {
    name: worldName(quirk),
    kind: 'faulty',
    description: spec.description,
    modes: [],
    breaks: { ...spec.breaks },
    start: () => Promise.reject(new Error('a faulty world is not a proxy')),
  };
}

/**
 * One project's verdict. A negative control is caught exactly when every target that ran failed with
 * its stated code and nothing else failed (blocked checks are neither kills nor deviations). A
 * reference proxy must fail only its recorded findings; benign proxies and the direct control must
 * pass every check — a failure or a blocked check there is a false failure.
 */
export function judgeProject(proxy: ProxyImplementation, kind: string, mode: string, records: CheckRecord[]): ProjectVerdict {
  const ran = new Set(records.filter((record) => record.status !== 'not-applicable').map((record) => record.requirement));
  const failedRecords = records.filter((record) => record.status === 'failed');
  const failed = [...new Set(failedRecords.map((record) => record.requirement))].sort();
  const blocked = [...new Set(records.filter((record) => record.status === 'blocked').map((record) => record.requirement))].sort();
  const errors = [...new Set(records.filter((record) => record.status === 'error').map((record) => record.reason))];
  if (records.length === 0) errors.push('no check ran');
  const expected: Record<string, string> = {};
  const kills: string[] = [];
  const missed: Miss[] = [];
  if (kind === 'hostile') return judgeHostile(proxy, mode, records, errors);
  if (kind === 'faulty') {
    for (const [id, code] of Object.entries(proxy.breaks ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
      if (!ran.has(id)) continue;
      expected[id] = code;
      const hits = failedRecords.filter((record) => record.requirement === id);
      if (hits.some((record) => record.code === code)) {
        kills.push(id);
        continue;
      }
      const seen = records.filter((record) => record.requirement === id);
      if (code === UNPINNED) {
        missed.push({
          requirement: id,
          code,
          got: `no reason code pinned for this target (it ${hits.length ? `failed [${hits.map((record) => record.code ?? 'no code').join(', ')}]` : 'did not fail'})`,
        });
        continue;
      }
      const got = hits.length
        ? hits.map((record) => `failed [${record.code ?? 'no code'}]: ${record.reason}`).join('; ')
        : seen.map((record) => `${record.status}${record.status === 'passed' ? '' : `: ${record.reason}`}`).join('; ') || 'did not run';
      missed.push({ requirement: id, code, got });
    }
    if (Object.keys(expected).length === 0 && records.length > 0)
      errors.push(`none of its targets ran (${Object.keys(proxy.breaks ?? {}).join(', ') || 'it names none'})`);
  } else {
    for (const id of [...ran].sort()) {
      const expectation = expectationFor(proxy, id, mode);
      if (expectation) expected[id] = expectation.intermittent ? 'intermittent finding' : 'recorded finding';
    }
    for (const id of Object.keys(expected))
      if (!failed.includes(id) && expected[id] !== 'intermittent finding')
        missed.push({ requirement: id, code: 'recorded finding', got: "passed (update the proxy's expectations)" });
  }
  // Declared collateral (mayAlsoBreak) may fail, but only for its stated reason.
  const tolerated = (id: string) =>
    kind === 'faulty' &&
    id in (proxy.mayAlsoBreak ?? {}) &&
    failedRecords.filter((record) => record.requirement === id).every((record) => record.code === proxy.mayAlsoBreak![id]);
  const extra = failed
    .filter((id) => !(id in expected) && !tolerated(id))
    .map((id) => `${id} [${failedRecords.find((record) => record.requirement === id)?.code ?? 'no code'}]`);
  const mustNotBlock = kind !== 'faulty';
  const ok = missed.length === 0 && extra.length === 0 && errors.length === 0 && !(mustNotBlock && blocked.length > 0);
  return { proxy: proxy.name, kind, mode, expected, kills, missed, extra, blocked, errors, ok };
}

/**
 * A hostile proxy (garbage, silence, trickle, endless header, reset, half a handshake) is contained
 * when every check it ran ended — none is an error, which is what a check that hung past its
 * Playwright timeout or crashed its worker becomes — each failed or blocked, and each reason names
 * what the proxy did (its `says`). None may pass: its checks are exchanges through the proxy, and a
 * proxy that breaks every exchange cannot carry one; a pass would mean a check that ignored a
 * transport failure. (Checks that never touch the proxy — DNS views, the CDP — could pass, which is
 * why they are not in its check set: they would say nothing about containment.)
 */
function judgeHostile(proxy: ProxyImplementation, mode: string, records: CheckRecord[], errors: string[]): ProjectVerdict {
  const says = proxy.hostile?.says ?? /./;
  const expected: Record<string, string> = {};
  const kills: string[] = [];
  const missed: Miss[] = [];
  for (const id of proxy.hostile?.checks ?? []) {
    const seen = records.filter((record) => record.requirement === id && record.status !== 'not-applicable');
    if (seen.length === 0) continue;
    expected[id] = `failed or blocked: ${says.source}`;
    const wrong = seen.filter((record) => !((record.status === 'failed' || record.status === 'blocked') && says.test(record.reason)));
    if (wrong.length === 0) kills.push(id);
    else missed.push({ requirement: id, code: expected[id]!, got: wrong.map((record) => `${record.status}: ${record.reason}`).join('; ') });
  }
  if (Object.keys(expected).length === 0 && records.length > 0)
    errors.push(`none of its checks ran (${(proxy.hostile?.checks ?? []).join(', ')})`);
  const blocked = [...new Set(records.filter((record) => record.status === 'blocked').map((record) => record.requirement))].sort();
  const ok = missed.length === 0 && errors.length === 0;
  return {
    proxy: proxy.name,
    kind: 'hostile',
    mode,
    expected,
    kills,
    missed,
    extra: [],
    blocked,
    errors,
    ok,
    slowestMs: Math.max(0, ...records.map((record) => record.durationMs)),
  };
}

const percent = (part: number, whole: number) => `${whole ? Math.round((100 * part) / whole) : 0}%`;

function renderSelftest(verdicts: ProjectVerdict[], missing: string[]): string {
  const width = Math.max(24, ...verdicts.map((verdict) => `${verdict.proxy}/${verdict.mode}`.length));
  const lines = ['', bold(`${'proxy/mode'.padEnd(width)}  ${'kind'.padEnd(9)}  ${'verdict'.padEnd(10)}  detail`)];
  for (const verdict of verdicts) {
    const name = verdict.kind === 'control' ? 'direct (control)' : `${verdict.proxy}/${verdict.mode}`;
    const status = verdict.ok ? paint('passed', '✔ ok') : verdict.errors.length ? paint('error', '! error') : paint('failed', '✘ deviates');
    const unpinned = Object.entries(verdict.expected)
      .filter(([, code]) => code === UNPINNED)
      .map(([id]) => id);
    const detail = verdict.errors.length
      ? verdict.errors[0]!
      : [
          verdict.kind === 'hostile'
            ? `${verdict.kills.length} of ${Object.keys(verdict.expected).length} checks ended failed or blocked naming what the proxy did (slowest ${((verdict.slowestMs ?? 0) / 1000).toFixed(1)} s)`
            : verdict.kind === 'faulty'
              ? `caught by ${verdict.kills.length ? verdict.kills.map((id) => `${id} [${verdict.expected[id]}]`).join(', ') : 'nothing exactly'}${unpinned.length ? `; reason code not pinned: ${unpinned.join(', ')}` : ''}`
              : Object.keys(verdict.expected).length
                ? `expected failures: ${Object.keys(verdict.expected).join(', ')}`
                : verdict.extra.length || verdict.blocked.length
                  ? ''
                  : 'all checks passed',
          verdict.missed.length
            ? `NOT caught: ${verdict.missed.map((miss) => `${miss.requirement} [${miss.code}] — ${miss.got.slice(0, 160)}`).join('; ')}`
            : '',
          verdict.extra.length
            ? `also failed: ${verdict.extra.map((id) => `${id}${requirementById(id.split(' ')[0]!)?.strength === 'required' ? '' : ` (${requirementById(id.split(' ')[0]!)?.strength})`}`).join(', ')}`
            : '',
          verdict.blocked.length ? `blocked: ${verdict.blocked.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ');
    lines.push(`${name.padEnd(width)}  ${verdict.kind.padEnd(9)}  ${status.padEnd(10)}  ${detail}`);
  }
  for (const item of missing) lines.push(paint('error', `! could not run ${item}`));
  return lines.join('\n') + '\n';
}
