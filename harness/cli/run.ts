// `ibcm-lab run`: validate everything that can be validated before a lab starts (topology, mode,
// proxy, grep), run the suites, then turn the per-check records into results, a table and an
// exit code. A reference proxy's recorded findings (expectations) are applied here.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { appliesIn, matchesGrep, requirementById, requirements } from '../catalog/index.js';
import { LabStartError, UsageError } from '../errors.js';
import { type Expectation, type ProxyImplementation, type ProxyRef } from '../proxies/index.js';
import { proxyOption } from './proxy-option.js';
import { combine, type CheckRecord, type RawRunRecord, type RequirementResult, type RunResults } from '../report/results.js';
import { renderTable } from '../report/table.js';
import { loadTopology, presetNames, presetPath, proxyModes, topologyDigest, type ProxyMode, type Topology } from '../topology/index.js';
import { newRun, runSuites } from './suite-runner.js';
import type { Interruption } from './interrupt.js';
import { startRunFolder } from './run-folder.js';
import { folderBytes, retentionPolicy } from '../run/retention.js';
import { versions } from './versions.js';

export interface RunOptions {
  /** embedded (default) or docker. */
  driver?: string;
  mode?: string;
  proxy?: string;
  grep?: string;
  topology?: string;
  json?: string;
  workers?: string;
  /** A directory for the HTML report (index.html). */
  report?: string;
  /** A file for the JUnit XML. */
  junit?: string;
  /** A .tar.gz file for the evidence bundle. */
  bundle?: string;
  /** Retention of old run folders (run/retention.ts). */
  'keep-runs'?: string;
  'keep-days'?: string;
  'keep-size'?: string;
}

/** The driver asked for, checked before any lab starts: an engine that answers and the images built. */
async function resolveDriver(
  name: string | undefined,
  proxy: ProxyRef,
): Promise<{ driver: 'embedded' | 'docker'; images?: Record<string, string> }> {
  const driver = name ?? 'embedded';
  if (driver !== 'embedded' && driver !== 'docker') throw new UsageError(`--driver must be embedded or docker, got "${driver}"`);
  if (driver === 'embedded') {
    if (proxy.kind === 'image') throw new UsageError(`--proxy image:${proxy.image} is a container image: add --driver docker`);
    return { driver };
  }
  const { dockerReadiness } = await import('../drivers/docker/readiness.js');
  const { imageRefs } = await import('../drivers/docker/images.js');
  // The refs are worked out once, here, and pinned for every lab of the run.
  const images = await imageRefs();
  const problem = await dockerReadiness(proxy, images);
  if (problem) throw new LabStartError(problem);
  return { driver, images };
}

export async function runCommand(options: RunOptions, interruption?: Interruption): Promise<number> {
  const topology = loadTopology(options.topology);
  const { ref: proxyRef, proxy } = proxyOption(options.proxy);
  const modes = resolveModes(options.mode ?? proxy.appliance?.mode ?? topology.proxy.mode, proxy);
  // An appliance serves one lab at a time: the one bound on its listen address (harness/appliance/).
  if (proxy.appliance && options.workers !== undefined && options.workers !== '1')
    throw new UsageError('--proxy address: runs one lab at a time (the appliance publishes one lab); leave out --workers');
  if (proxy.appliance && options.driver === 'docker')
    throw new UsageError('--proxy address: runs on the embedded driver: the appliance reaches the lab on its --listen address');
  const workers = proxy.appliance ? 1 : parseWorkers(options.workers, modes.length);
  const { driver, images } = await resolveDriver(options.driver, proxyRef);
  const selected = requirements.filter((requirement) => (options.grep ? matchesGrep(requirement.id, options.grep) : true));
  if (options.grep && selected.length === 0)
    throw new UsageError(`--grep "${options.grep}" matches no requirement ID; 'ibcm-lab requirements' lists them`);
  checkOutputs(options);
  const retention = retentionPolicy(options);

  const run = newRun();
  const folder = startRunFolder(run, retention);
  try {
    return await runAndReport(options, {
      run,
      topology,
      proxy,
      proxyRef,
      modes,
      workers,
      driver,
      images,
      selected: selected.map((requirement) => requirement.id),
      interruption,
    });
  } finally {
    folder.release();
  }
}

async function runAndReport(
  options: RunOptions,
  context: {
    run: ReturnType<typeof newRun>;
    topology: Topology;
    proxy: ProxyImplementation;
    proxyRef: ProxyRef;
    modes: ProxyMode[];
    workers: number;
    driver: 'embedded' | 'docker';
    images?: Record<string, string>;
    selected: string[];
    interruption?: Interruption;
  },
): Promise<number> {
  const { run, topology, proxy, proxyRef, modes, workers, driver, images, interruption } = context;
  const raw = await runSuites({
    run,
    projects: modes.map((mode) =>
      mode === 'direct' ? { name: mode, mode, proxy: 'node' } : { name: mode, mode, proxy: proxy.name, proxyRef },
    ),
    requirementIds: options.grep ? context.selected : undefined,
    workers,
    topology: options.topology,
    driver,
    images,
    interruption,
  });
  const results = buildResults({
    raw,
    runId: run.runId,
    startedAt: run.startedAt,
    proxy,
    driver,
    images,
    modes,
    grep: options.grep ?? null,
    topology: { name: topology.name, digest: topologyDigest(topology), source: options.topology ?? 'preset:default' },
    selected: context.selected,
  });
  results.runDir = run.runDir;
  results.runDirBytes = folderBytes(run.runDir);
  process.stdout.write(renderTable(results));
  // "Could not run" gets one line of its own on stderr: what and where.
  const couldNotRun = [...new Set(results.results.filter((result) => result.status === 'error').map((result) => result.reason))];
  for (const reason of couldNotRun) process.stderr.write(`ibcm-lab: could not run: ${reason}\n`);
  if (options.json) {
    const file = resolve(options.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    process.stdout.write(`results written to ${file}\n`);
  }
  writeFileSync(join(run.runDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const written = await writeReports(options, results, { runDir: run.runDir, topology, proxy });
  return written ? results.summary.exitCode : 2;
}

/** Fails before any lab starts when an output cannot be written where asked. */
function checkOutputs(options: RunOptions): void {
  const outputs: [string, string | undefined][] = [
    ['--json', options.json],
    ['--junit', options.junit],
    ['--bundle', options.bundle],
  ];
  for (const [flag, file] of outputs) {
    if (file === undefined) continue;
    if (file.trim() === '') throw new UsageError(`${flag} needs a file name`);
    if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`${flag} ${file} is a directory; give a file name`);
  }
  if (options.report !== undefined) {
    if (options.report.trim() === '') throw new UsageError('--report needs a directory');
    if (existsSync(options.report) && !statSync(options.report).isDirectory())
      throw new UsageError(`--report ${options.report} is a file; give a directory (index.html is written into it)`);
  }
}

/** The topology file behind --topology (a preset's YAML for a preset name). */
function topologyFileOf(option: string | undefined): string {
  return !option || (presetNames as readonly string[]).includes(option) ? presetPath(option ?? 'default') : resolve(option);
}

/** --junit, --report, --bundle. A failure to write one is reported in one line and makes the exit code 2. */
async function writeReports(
  options: RunOptions,
  results: RunResults,
  context: { runDir: string; topology: Topology; proxy: ProxyImplementation },
): Promise<boolean> {
  let ok = true;
  const attempt = async (what: string, write: () => Promise<string> | string) => {
    try {
      process.stdout.write(`${what} written to ${await write()}\n`);
    } catch (error) {
      ok = false;
      process.stderr.write(`ibcm-lab: could not write the ${what}: ${(error as Error).message}\n`);
    }
  };
  if (options.junit) {
    // The report writers load only when asked for (they are a third of the CLI's modules).
    await attempt('JUnit', async () => {
      const file = resolve(options.junit!);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, (await import('../report/junit.js')).renderJunit(results));
      return file;
    });
  }
  if (options.report)
    await attempt('HTML report', async () => {
      const [{ writeHtmlReport }, { readLabFacts }] = await Promise.all([
        import('../report/html/index.js'),
        import('../report/lab-evidence.js'),
      ]);
      return writeHtmlReport(options.report!, { results, topology: context.topology, labs: readLabFacts(context.runDir) });
    });
  if (options.bundle) {
    const browserRan = results.results.some((result) => result.requirement === 'APPCAT-BROWSER' && result.status !== 'not-applicable');
    await attempt('evidence bundle', async () => {
      const bundle = await (
        await import('../report/bundle.js')
      ).writeEvidenceBundle(options.bundle!, {
        results,
        runDir: context.runDir,
        topologyFile: topologyFileOf(options.topology),
        command: process.argv.slice(2),
        binaries: [...(context.proxy.binaries ?? []), ...(browserRan ? ['chromium'] : [])],
      });
      return `${bundle.file} (${bundle.root}/, ${bundle.files} files, ${Math.round(bundle.bytes / 1024)} KiB; ${bundle.excluded.length} private-key or scratch files left out)`;
    });
  }
  return ok;
}

/**
 * Parallel labs. By default one per project (proxy and mode) up to two per core, and at least 3:
 * a project runs in one worker (its lab serves all its checks) unless there are more workers than
 * projects, when a project's files are shared out again (playwright.config.ts).
 */
export function parseWorkers(value: string | undefined, projects = 1): number {
  const workers = value === undefined ? Math.max(3, Math.min(projects, 2 * availableParallelism())) : Number(value);
  if (!Number.isInteger(workers) || workers < 1 || workers > 16)
    throw new UsageError(`--workers must be a whole number from 1 to 16, got "${value}"`);
  return workers;
}

function resolveModes(mode: string, proxy: ProxyImplementation): ProxyMode[] {
  if (mode === 'all') return [...proxy.modes, 'direct'];
  if (!(proxyModes as readonly string[]).includes(mode))
    throw new UsageError(`unknown --mode "${mode}"; use bridge, tunnel, forward, direct or all`);
  if (mode !== 'direct' && !(proxy.modes as string[]).includes(mode))
    throw new UsageError(`proxy "${proxy.name}" offers ${proxy.modes.join(', ')}, not ${mode}`);
  return [mode as ProxyMode];
}

interface BuildInput {
  raw: RawRunRecord;
  runId: string;
  startedAt: Date;
  proxy: ProxyImplementation;
  driver?: 'embedded' | 'docker';
  /** Docker: the image refs every lab of the run used. */
  images?: Record<string, string>;
  modes: ProxyMode[];
  grep: string | null;
  topology: RunResults['topology'];
  selected: string[];
}

/** A recorded finding of the proxy for this requirement and mode, if any. */
export function expectationFor(proxy: ProxyImplementation, requirement: string, mode: string): Expectation | undefined {
  return proxy.expectations?.find(
    (expectation) => expectation.requirement === requirement && (expectation.modes as string[]).includes(mode),
  );
}

export function buildResults(input: BuildInput): RunResults {
  const finishedAt = new Date();
  const byKey = new Map<string, CheckRecord[]>();
  for (const record of input.raw.checks) {
    const key = `${record.requirement}\u0000${record.mode}`;
    byKey.set(key, [...(byKey.get(key) ?? []), record]);
  }
  const results: RequirementResult[] = [];
  for (const id of input.selected) {
    for (const mode of input.modes) {
      const checks = byKey.get(`${id}\u0000${mode}`);
      if (!checks) continue;
      const requirement = requirementById(id)!;
      const combined = combine(checks);
      const code = combined.code;
      let { status, reason } = combined;
      const expectation = mode === 'direct' ? undefined : expectationFor(input.proxy, id, mode);
      if (expectation && status === 'failed') {
        status = 'expected-failure';
        reason = `expected for ${input.proxy.name}: ${expectation.reason} — observed: ${reason}`;
      } else if (expectation && status === 'passed' && !expectation.intermittent) {
        status = 'unexpected-pass';
        reason = `recorded as failing for ${input.proxy.name} (${expectation.reason}) but it passed: update the proxy's expectations`;
      }
      results.push({
        requirement: id,
        title: requirement.title,
        strength: requirement.strength,
        mode,
        status,
        reason,
        ...(code && status !== 'passed' ? { code } : {}),
        judges: requirement.judges ?? 'world',
        checks: checks.map(({ title, file, status: s, reason: r, code: c, durationMs, evidence }) => ({
          title,
          file,
          status: s,
          reason: r,
          ...(c ? { code: c } : {}),
          durationMs,
          evidence,
        })),
      });
    }
  }
  const interrupted = input.raw.status === 'interrupted';
  // Covered: a check exists (planned by Playwright, or reported). An interrupted run that never got
  // as far as planning cannot tell, so it calls nothing "not covered".
  const covered = new Set([...input.raw.checks, ...(input.raw.planned ?? [])].map((record) => record.requirement));
  const coverageKnown = !interrupted || input.raw.planned !== undefined;
  const notCovered = coverageKnown
    ? input.selected
        .filter((id) => !covered.has(id) && input.modes.some((mode) => appliesIn(id, mode)))
        .map((id) => ({ requirement: id, title: requirementById(id)!.title }))
    : [];
  const notRun = interrupted ? notRunCases(input) : [];
  // Model requirements (the client simulator's own logic) are counted apart and never decide the verdict
  // on the world; one that does not pass is a defect of the lab's client model, named as an error.
  const world = results.filter((result) => result.judges !== 'model');
  const model = results.filter((result) => result.judges === 'model' && result.status !== 'not-applicable');
  const count = (status: string) => world.filter((result) => result.status === status).length;
  const errors = [...input.raw.errors];
  for (const result of model.filter((candidate) => candidate.status !== 'passed'))
    errors.push(
      `model check ${result.requirement} (${result.mode}) ${result.status}: the lab's client simulator does not follow the documented behaviour (a lab defect, not a verdict on the world): ${result.reason}`,
    );
  // A blocked required check did not hold either: its prerequisite failed (and is named in its reason).
  const requiredFailed = world.some(
    (result) =>
      ((result.status === 'failed' || result.status === 'blocked') && result.strength === 'required') ||
      result.status === 'unexpected-pass',
  );
  const requiredNotHeld = world.filter(
    (result) =>
      result.strength === 'required' && (result.status === 'failed' || result.status === 'blocked' || result.status === 'expected-failure'),
  ).length;
  const ran = world.some((result) => result.status !== 'not-applicable');
  if (!ran && errors.length === 0)
    errors.push(
      model.length
        ? `no verdict on the world: only model checks ran (the client simulator's own logic${input.grep ? `, --grep "${input.grep}"` : ''}), and a model pass is never a pass for the proxy`
        : input.grep
          ? `nothing ran: no check covers the requirements matching --grep "${input.grep}" yet`
          : 'nothing ran',
    );
  const exitCode = count('error') > 0 || errors.length > 0 ? 2 : requiredFailed ? 1 : 0;
  return {
    schema: 'ibcm-lab/results@1',
    runId: input.runId,
    startedAt: input.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - input.startedAt.getTime(),
    versions: versions(),
    driver: input.driver ?? 'embedded',
    ...(input.images ? { images: input.images } : {}),
    proxy: input.proxy.name,
    modes: input.modes,
    grep: input.grep,
    topology: input.topology,
    summary: {
      passed: count('passed'),
      failed: count('failed'),
      blocked: count('blocked'),
      error: count('error'),
      requiredNotHeld,
      notApplicable: count('not-applicable'),
      notCovered: notCovered.length,
      ...(interrupted ? { notRun: notRun.length } : {}),
      expectedFailures: count('expected-failure'),
      unexpectedPasses: count('unexpected-pass'),
      ...(model.length
        ? {
            model: {
              passed: model.filter((result) => result.status === 'passed').length,
              notPassed: model.filter((r) => r.status !== 'passed').length,
            },
          }
        : {}),
      exitCode,
    },
    results,
    notCovered,
    ...(interrupted ? { notRun } : {}),
    errors,
  };
}

/** The requirement × mode cases an interrupted run has no record of: planned ones, or (never planned) every applicable one selected. */
function notRunCases(input: BuildInput): { requirement: string; mode: string }[] {
  const done = new Set(input.raw.checks.map((record) => `${record.requirement}\u0000${record.mode}`));
  const selected = new Set(input.selected);
  const candidates = input.raw.planned
    ? input.raw.planned.filter((check) => selected.has(check.requirement) && appliesIn(check.requirement, check.mode as ProxyMode))
    : input.selected.flatMap((requirement) =>
        input.modes.filter((mode) => appliesIn(requirement, mode)).map((mode) => ({ requirement, mode })),
      );
  const seen = new Set<string>();
  const cases: { requirement: string; mode: string }[] = [];
  for (const { requirement, mode } of candidates) {
    const key = `${requirement}\u0000${mode}`;
    if (done.has(key) || seen.has(key)) continue;
    seen.add(key);
    cases.push({ requirement, mode });
  }
  return cases;
}
