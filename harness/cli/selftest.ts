// `ibcm-lab selftest`: proves the catalog's checks can tell good proxies from bad ones. Every
// reference proxy must pass (modulo its recorded expectations) and every faulty proxy must fail
// exactly the requirements it is built to break — a missed one means a check that cannot fail,
// an extra one a check that fails for the wrong reason. Prints the table and the mutation score.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { requirementById } from '../catalog/index.js';
import { builtInProxies, type ProxyImplementation } from '../proxies/index.js';
import { findBinary, missingBinaryMessage } from '../proxies/binaries.js';
import type { CheckRecord } from '../report/results.js';
import { bold, paint } from '../report/style.js';
import { QUIRKS, quirkNames, type QuirkName } from '../topology/index.js';
import { expectationFor, parseWorkers } from './run.js';
import { newRun, runSuites, type SuiteProject } from './suite-runner.js';
import { versions } from './versions.js';

export interface SelftestOptions {
  workers?: string;
  json?: string;
  /** Only proxies whose name matches (a regular expression). */
  proxies?: string;
}

interface ProjectVerdict {
  proxy: string;
  kind: string;
  mode: string;
  expected: string[];
  failed: string[];
  missed: string[];
  extra: string[];
  errors: string[];
  ok: boolean;
}

export async function selftestCommand(options: SelftestOptions): Promise<number> {
  const workers = parseWorkers(options.workers);
  const filter = options.proxies ? new RegExp(options.proxies) : undefined;
  const candidates = builtInProxies.filter((proxy) => !filter || filter.test(proxy.name));
  const missing = candidates.flatMap((proxy) => (proxy.binaries ?? []).filter((binary) => !findBinary(binary)).map((binary) => ({ proxy, binary })));
  const runnable = candidates.filter((proxy) => !missing.some((item) => item.proxy === proxy));
  // Faulty worlds: the Node reference proxy in a world with one quirk (a leaking DNS view, a
  // misbehaving MP) — negative controls for requirements no proxy can break.
  const worlds = quirkNames.filter((quirk) => !filter || filter.test(worldName(quirk)));
  const projects: SuiteProject[] = [
    { name: 'direct', mode: 'direct', proxy: 'node' },
    ...runnable.flatMap((proxy) => proxy.modes.map((mode) => ({ name: `${proxy.name}/${mode}`, mode, proxy: proxy.name }))),
    ...worlds.flatMap((quirk) => QUIRKS[quirk].selftestModes.map((mode) => ({ name: `${worldName(quirk)}/${mode}`, mode, proxy: 'node', quirks: [quirk] }))),
  ];
  process.stdout.write(`Self-test: ${runnable.filter((proxy) => proxy.kind === 'reference').length} reference and ${runnable.filter((proxy) => proxy.kind === 'faulty').length} faulty proxies, ${worlds.length} faulty worlds, ${projects.length} labs\n`);

  const run = newRun();
  const raw = await runSuites({ run, projects, workers });
  const byProject = new Map<string, CheckRecord[]>();
  for (const record of raw.checks) {
    const key = record.project ?? `${record.proxy}/${record.mode}`;
    byProject.set(key, [...(byProject.get(key) ?? []), record]);
  }

  const verdicts: ProjectVerdict[] = projects.map((project) => {
    const quirk = project.quirks?.[0] as QuirkName | undefined;
    const proxy: ProxyImplementation = quirk ? worldAsProxy(quirk) : builtInProxies.find((candidate) => candidate.name === project.proxy)!;
    const records = byProject.get(project.name) ?? [];
    const failed = [...new Set(records.filter((record) => record.status === 'failed').map((record) => record.requirement))].sort();
    const errors = [...new Set(records.filter((record) => record.status === 'error').map((record) => record.reason))];
    const expected = expectedFailures(proxy, project.mode, records);
    const missed = expected.filter((id) => !failed.includes(id));
    const extra = failed.filter((id) => !expected.includes(id));
    if (records.length === 0) errors.push('no check ran');
    return { proxy: proxy.name, kind: project.mode === 'direct' && !quirk ? 'control' : proxy.kind, mode: project.mode, expected, failed, missed, extra, errors, ok: missed.length === 0 && extra.length === 0 && errors.length === 0 };
  });

  const faulty = verdicts.filter((verdict) => verdict.kind === 'faulty');
  const caught = faulty.filter((verdict) => verdict.ok).length;
  process.stdout.write(renderSelftest(verdicts, missing.map((item) => `${item.proxy.name}: ${missingBinaryMessage(item.binary)}`)));
  process.stdout.write(`\n${bold('mutation score')}: ${caught}/${faulty.length} faulty proxy and world runs caught exactly (${faulty.length ? Math.round((100 * caught) / faulty.length) : 0}%)\n`);
  // Requirements that ran but that no faulty proxy in this self-test is built to break: a gap in the
  // negative controls, said out loud rather than hidden.
  const ranIds = new Set(raw.checks.filter((record) => record.status !== 'not-applicable').map((record) => record.requirement));
  const targeted = new Set([...runnable.flatMap((proxy) => Object.keys(proxy.breaks ?? {})), ...worlds.flatMap((quirk) => Object.keys(QUIRKS[quirk].breaks))]);
  const uncontrolled = [...ranIds].filter((id) => !targeted.has(id)).sort();
  if (uncontrolled.length) process.stdout.write(`${paint('not-covered', 'no faulty proxy or world yet')} for: ${uncontrolled.join(', ')} (their checks assert a refused case themselves where they can)\n`);
  const deviations = verdicts.filter((verdict) => !verdict.ok).length;
  const exitCode = raw.errors.length > 0 || missing.length > 0 || verdicts.some((verdict) => verdict.errors.length > 0) ? 2 : deviations > 0 ? 1 : 0;
  const report = { schema: 'ibcm-lab/selftest@1', runId: run.runId, startedAt: run.startedAt.toISOString(), finishedAt: new Date().toISOString(), versions: versions(), mutationScore: { caught, total: faulty.length }, uncontrolledRequirements: uncontrolled, verdicts, missingBinaries: missing.map((item) => ({ proxy: item.proxy.name, binary: item.binary })), errors: raw.errors, exitCode };
  writeFileSync(join(run.runDir, 'selftest.json'), JSON.stringify(report, null, 2) + '\n');
  if (options.json) {
    const file = resolve(options.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  }
  for (const error of raw.errors) process.stderr.write(`ibcm-lab: ${error}\n`);
  process.stdout.write(exitCode === 0 ? `${paint('passed', 'SELFTEST PASS')}  every reference proxy passed and every faulty proxy was caught by exactly its target requirements\n` : `${paint('failed', 'SELFTEST FAIL')}  ${deviations} deviation(s)\n`);
  return exitCode;
}

const worldName = (quirk: QuirkName) => `world:${quirk}`;

/** A faulty world seen as the self-test sees a faulty proxy: a name, its modes and its targets. */
function worldAsProxy(quirk: QuirkName): ProxyImplementation {
  const spec = QUIRKS[quirk];
  return { name: worldName(quirk), kind: 'faulty', description: spec.description, modes: [], breaks: { ...spec.breaks }, start: () => Promise.reject(new Error('a faulty world is not a proxy')) };
}

/** Requirements a run of this proxy in this mode must fail: its targets (faulty) or recorded findings (reference). */
function expectedFailures(proxy: ProxyImplementation, mode: string, records: CheckRecord[]): string[] {
  const ran = new Set(records.filter((record) => record.status !== 'not-applicable').map((record) => record.requirement));
  if (proxy.kind === 'faulty') return Object.keys(proxy.breaks ?? {}).filter((id) => ran.has(id)).sort();
  return [...ran].filter((id) => expectationFor(proxy, id, mode)).sort();
}

function renderSelftest(verdicts: ProjectVerdict[], missing: string[]): string {
  const width = Math.max(24, ...verdicts.map((verdict) => `${verdict.proxy}/${verdict.mode}`.length));
  const lines = ['', bold(`${'proxy/mode'.padEnd(width)}  ${'kind'.padEnd(9)}  ${'verdict'.padEnd(10)}  detail`)];
  for (const verdict of verdicts) {
    const name = verdict.kind === 'control' ? 'direct (control)' : `${verdict.proxy}/${verdict.mode}`;
    const status = verdict.ok ? paint('passed', '✔ ok') : verdict.errors.length ? paint('error', '! error') : paint('failed', '✘ deviates');
    const detail = verdict.errors.length
      ? verdict.errors[0]!
      : [
          verdict.kind === 'faulty' ? `caught by ${verdict.failed.length ? verdict.failed.join(', ') : 'nothing'}` : verdict.expected.length ? `expected failures: ${verdict.expected.join(', ')}` : `${verdict.failed.length ? 'failed ' + verdict.failed.join(', ') : 'all checks passed'}`,
          verdict.missed.length ? `NOT caught: ${verdict.missed.join(', ')}` : '',
          verdict.extra.length ? `also failed: ${verdict.extra.map((id) => `${id}${requirementById(id)?.strength === 'required' ? '' : ` (${requirementById(id)?.strength})`}`).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ');
    lines.push(`${name.padEnd(width)}  ${verdict.kind.padEnd(9)}  ${status.padEnd(verdict.ok ? 10 : 10)}  ${detail}`);
  }
  for (const item of missing) lines.push(paint('error', `! could not run ${item}`));
  return lines.join('\n') + '\n';
}
