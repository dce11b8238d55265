// `ibcm-lab run`: validate everything that can be validated before a lab starts (topology, mode,
// proxy, grep), run the suites under Playwright, then turn the per-check records into results,
// a table and an exit code. Ctrl-C reaches Playwright, which tears the labs down.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appliesIn, matchesGrep, requirementById, requirements } from '../catalog/index.js';
import { UsageError } from '../errors.js';
import { findProxy } from '../proxies/index.js';
import { combine, type CheckRecord, type RawRunRecord, type RequirementResult, type RunResults } from '../report/results.js';
import { renderTable } from '../report/table.js';
import { RUN_SETTINGS_ENV, type RunSettings } from '../run/settings.js';
import { loadTopology, topologyDigest, proxyModes, type ProxyMode } from '../topology/index.js';
import { packageRoot, versions } from './versions.js';

export interface RunOptions {
  mode?: string;
  proxy?: string;
  grep?: string;
  topology?: string;
  json?: string;
  workers?: string;
}

const AVAILABLE_MODES: ProxyMode[] = ['bridge', 'tunnel', 'direct'];

export async function runCommand(options: RunOptions): Promise<number> {
  const startedAt = new Date();
  const topology = loadTopology(options.topology);
  const proxyName = options.proxy ?? 'node';
  const proxy = findProxy(proxyName);
  if (!proxy) throw new UsageError(`unknown proxy "${proxyName}"; 'ibcm-lab proxies' lists them`);
  const modes = resolveModes(options.mode ?? topology.proxy.mode, proxy.modes);
  const workers = options.workers === undefined ? 3 : Number(options.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 16) throw new UsageError(`--workers must be a whole number from 1 to 16, got "${options.workers}"`);

  const selected = requirements.filter((requirement) => (options.grep ? matchesGrep(requirement.id, options.grep) : true));
  if (options.grep && selected.length === 0) throw new UsageError(`--grep "${options.grep}" matches no requirement ID; 'ibcm-lab requirements' lists them`);

  const runId = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
  const runDir = resolve('.ibcm-lab', 'runs', runId);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const settings: RunSettings = { runId, runDir, topology: options.topology ? resolve(options.topology) : undefined, proxy: proxy.name, labIndexBase: labIndexBase(), resultsFile: join(runDir, 'results.raw.json') };

  const root = packageRoot();
  // Playwright matches --grep against the title path (project, file, title); the title starts with the ID.
  const grepArgs = options.grep ? ['--grep', `(?:^|\\s)(?:${selected.map((requirement) => escapeRegExp(requirement.id)).join('|')})\\s`] : [];
  const code = await runPlaywright(root, [...grepArgs, '--workers', String(workers)], {
    [RUN_SETTINGS_ENV]: JSON.stringify(settings),
    IBCM_LAB_MODES: modes.join(','),
    IBCM_LAB_WORKERS: String(workers),
    IBCM_LAB_PW_OUTPUT: join(runDir, 'playwright'),
  });

  const raw: RawRunRecord = existsSync(settings.resultsFile) ? JSON.parse(readFileSync(settings.resultsFile, 'utf8')) : { checks: [], errors: [`the suites did not report (Playwright exited with ${code})`], status: 'interrupted' };
  if (raw.status === 'interrupted') raw.errors.push('the run was interrupted');
  const results = buildResults({ raw, runId, startedAt, proxy: proxy.name, modes, grep: options.grep ?? null, topology: { name: topology.name, digest: topologyDigest(topology), source: options.topology ?? 'preset:default' }, selected: selected.map((requirement) => requirement.id) });
  process.stdout.write(renderTable(results));
  // "Could not run" gets one line of its own on stderr: what and where.
  const couldNotRun = [...new Set(results.results.filter((result) => result.status === 'error').map((result) => result.reason.replace(/^LabStartError: /, '')))];
  for (const reason of couldNotRun) process.stderr.write(`ibcm-lab: could not run: ${reason}\n`);
  if (options.json) {
    const file = resolve(options.json);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    process.stdout.write(`results written to ${file}\n`);
  }
  writeFileSync(join(runDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  return results.summary.exitCode;
}

/**
 * Parallel labs take loopback blocks 127.<16+index>.x.x. IBCM_LAB_INDEX pins the first block
 * (CI jobs sharing a machine give each its own); otherwise it is spread by process id.
 */
function labIndexBase(): number {
  const pinned = process.env.IBCM_LAB_INDEX;
  // Unpinned runs stay below 150 so tests that pin a block (150..180) never collide with them.
  if (pinned === undefined) return (process.pid * 7) % 150;
  const index = Number(pinned);
  if (!Number.isInteger(index) || index < 0 || index > 180) throw new UsageError(`IBCM_LAB_INDEX must be a whole number from 0 to 180, got "${pinned}"`);
  return index;
}

function resolveModes(mode: string, offered: string[]): ProxyMode[] {
  if (mode === 'all') return AVAILABLE_MODES.filter((candidate) => candidate === 'direct' || offered.includes(candidate));
  if (!(proxyModes as readonly string[]).includes(mode)) throw new UsageError(`unknown --mode "${mode}"; use bridge, tunnel, direct or all`);
  if (!AVAILABLE_MODES.includes(mode as ProxyMode)) throw new UsageError(`--mode ${mode} is not available yet; use bridge, tunnel, direct or all`);
  if (mode !== 'direct' && !offered.includes(mode)) throw new UsageError(`proxy offers ${offered.join(', ')}, not ${mode}`);
  return [mode as ProxyMode];
}

function runPlaywright(root: string, args: string[], env: Record<string, string>): Promise<number> {
  const require = createRequire(join(root, 'package.json'));
  const cli = require.resolve('@playwright/test/cli');
  return new Promise((resolveExit, reject) => {
    const child = spawn(process.execPath, [cli, 'test', '--config', join(root, 'playwright.config.ts'), ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    // Ctrl-C in a terminal reaches the whole process group; a SIGTERM sent to us alone is passed on.
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolveExit(code ?? (signal ? 130 : 1));
    });
  });
}

interface BuildInput {
  raw: RawRunRecord;
  runId: string;
  startedAt: Date;
  proxy: string;
  modes: ProxyMode[];
  grep: string | null;
  topology: RunResults['topology'];
  selected: string[];
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
      const { status, reason } = combine(checks);
      results.push({ requirement: id, title: requirement.title, strength: requirement.strength, mode, status, reason, checks: checks.map(({ title, file, status: s, reason: r, durationMs, evidence }) => ({ title, file, status: s, reason: r, durationMs, evidence })) });
    }
  }
  const covered = new Set(input.raw.checks.map((record) => record.requirement));
  const notCovered = input.selected.filter((id) => !covered.has(id) && input.modes.some((mode) => appliesIn(id, mode))).map((id) => ({ requirement: id, title: requirementById(id)!.title }));
  const count = (status: string) => results.filter((result) => result.status === status).length;
  const errors = [...input.raw.errors];
  const requiredFailed = results.some((result) => result.status === 'failed' && result.strength === 'required');
  const ran = results.some((result) => result.status !== 'not-applicable');
  if (!ran && errors.length === 0) errors.push(input.grep ? `nothing ran: no check covers the requirements matching --grep "${input.grep}" yet` : 'nothing ran');
  const exitCode = count('error') > 0 || errors.length > 0 ? 2 : requiredFailed ? 1 : 0;
  return {
    schema: 'ibcm-lab/results@1',
    runId: input.runId,
    startedAt: input.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - input.startedAt.getTime(),
    versions: versions(),
    driver: 'embedded',
    proxy: input.proxy,
    modes: input.modes,
    grep: input.grep,
    topology: input.topology,
    summary: { passed: count('passed'), failed: count('failed'), error: count('error'), notApplicable: count('not-applicable'), notCovered: notCovered.length, exitCode },
    results,
    notCovered,
    errors,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const cliDir = dirname(fileURLToPath(import.meta.url));
