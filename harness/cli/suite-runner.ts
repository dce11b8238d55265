// Runs the conformance suites under Playwright for a set of (proxy, mode) projects and returns
// every check's record. Shared by `run` and `selftest`. Ctrl-C reaches Playwright (same process
// group), which tears the labs down; a signal sent to us alone is passed on as SIGINT (Playwright's
// graceful stop: the labs come down and the checks done so far are reported). Playwright and its
// workers watch this process and stop by themselves when it dies (harness/run/parent-watch.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RawRunRecord } from '../report/results.js';
import { RUN_SETTINGS_ENV, requirementGrep, type RunSettings, type SuiteProject } from '../run/settings.js';
import { findChromium, npmChromiumUnpacked } from '../client/chromium.js';
import { UsageError } from '../errors.js';
import { packageRoot } from './versions.js';
import type { Interruption } from './interrupt.js';
import { PARENT_PID_ENV } from '../run/parent-watch.js';
import { PACKAGE_ROOT_ENV } from '../run/package-root.js';
import { compiledSuites } from './compiled-suites.js';

export type { SuiteProject } from '../run/settings.js';

export interface SuiteRun {
  runId: string;
  runDir: string;
  startedAt: Date;
  raw: RawRunRecord;
}

export function newRun(): { runId: string; runDir: string; startedAt: Date } {
  const startedAt = new Date();
  const runId = `${startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${process.pid}`;
  const runDir = resolve('.ibcm-lab', 'runs', runId);
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  return { runId, runDir, startedAt };
}

export async function runSuites(options: {
  run: { runId: string; runDir: string };
  projects: SuiteProject[];
  requirementIds?: string[];
  workers: number;
  topology?: string;
  driver?: 'embedded' | 'docker';
  images?: Record<string, string>;
  interruption?: Interruption;
}): Promise<RawRunRecord> {
  const settings: RunSettings = {
    runId: options.run.runId,
    runDir: options.run.runDir,
    topology: options.topology ? resolve(options.topology) : undefined,
    proxy: options.projects[0]?.proxy ?? 'node',
    driver: options.driver ?? 'embedded',
    ...(options.images ? { images: options.images } : {}),
    labIndexBase: await labIndexBase(options.workers),
    resultsFile: join(options.run.runDir, 'results.raw.json'),
    projects: options.projects,
    workers: options.workers,
    testTimeoutMs: options.driver === 'docker' ? 120_000 : 30_000,
    playwrightOutput: join(options.run.runDir, 'playwright'),
  };
  const root = packageRoot();
  if (!options.requirementIds || options.requirementIds.includes('APPCAT-BROWSER')) await prepareBrowser();
  // Playwright matches --grep against the title path (project, file, title); a title starts with its ID.
  const grep = options.requirementIds ? ['--grep', requirementGrep(options.requirementIds).source] : [];
  // Interrupted before Playwright started: no lab is started at all.
  if (options.interruption?.interrupted)
    return { checks: [], errors: ['the run was interrupted before any check started'], status: 'interrupted' };
  const code = await runPlaywright(root, [...grep, '--workers', String(options.workers)], options.interruption, {
    [RUN_SETTINGS_ENV]: JSON.stringify(settings),
    [PARENT_PID_ENV]: String(process.pid),
  });
  const raw: RawRunRecord = existsSync(settings.resultsFile)
    ? JSON.parse(readFileSync(settings.resultsFile, 'utf8'))
    : { checks: [], errors: [`the suites did not report (Playwright exited with ${code})`], status: 'interrupted' };
  if (options.interruption?.interrupted) raw.status = 'interrupted';
  if (raw.status === 'interrupted')
    raw.errors.push(`the run was interrupted${options.interruption?.signal ? ` (${options.interruption.signal})` : ''}`);
  return raw;
}

/**
 * Parallel labs take loopback blocks 127.<16+index>.x.x, one per worker. IBCM_LAB_INDEX pins the
 * first block (CI jobs sharing a machine give each its own). Otherwise the first run of free blocks
 * is found by probing each block's DNS address, starting from a place spread by process id, so two
 * runs on one machine do not collide.
 */
export async function labIndexBase(workers: number): Promise<number> {
  const pinned = process.env.IBCM_LAB_INDEX;
  if (pinned !== undefined) {
    const index = Number(pinned);
    if (!Number.isInteger(index) || index < 0 || index > 180)
      throw new UsageError(`IBCM_LAB_INDEX must be a whole number from 0 to 180, got "${pinned}"`);
    return index;
  }
  // Unpinned runs stay below 150 so tests that pin a block (150..180) never collide with them.
  const start = (process.pid * 7) % 150;
  for (let step = 0; step < 150; step++) {
    const base = (start + step * workers) % (150 - workers);
    const free = await Promise.all(Array.from({ length: workers }, (_, offset) => blockIsFree(base + offset)));
    if (free.every(Boolean)) return base;
  }
  return start;
}

/** Is the block's internet DNS address (127.<16+index>.1.53, default port 20053) free to listen on? */
function blockIsFree(index: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(20053, `127.${16 + index}.1.53`, () => probe.close(() => resolve(true)));
  });
}

async function runPlaywright(
  root: string,
  args: string[],
  interruption: Interruption | undefined,
  env: Record<string, string>,
): Promise<number> {
  const require = createRequire(join(root, 'package.json'));
  const cli = require.resolve('@playwright/test/cli');
  // The suites as JavaScript compiled once (compiled-suites.ts), Playwright's TypeScript loader off;
  // else (they could not be compiled) from TypeScript as Playwright loads them alone.
  const compiled = await compiledSuites(root);
  const config = compiled?.config ?? join(root, 'playwright.config.ts');
  const loading: Record<string, string> = compiled ? { PW_DISABLE_TS_ESM: '1', [PACKAGE_ROOT_ENV]: root } : {};
  return new Promise((resolveExit, reject) => {
    // IBCM_LAB_CPU_PROFILE=<dir>: V8 CPU profiles of the runner and of every worker (they inherit the
    // flags) — where the time of a run goes (`npm run bench` says how long; this says why).
    const profile = process.env.IBCM_LAB_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.IBCM_LAB_CPU_PROFILE)}`] : [];
    const child = spawn(process.execPath, [...profile, cli, 'test', '--config', config, ...args], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...compileCacheEnv(), ...loading, ...env },
    });
    // Playwright ignores a second SIGINT within a second, so Ctrl-C to the group is not doubled.
    const stopForwarding = interruption?.onSignal(() => child.kill('SIGINT'));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      stopForwarding?.();
      resolveExit(code ?? (signal ? 130 : 1));
    });
  });
}

/**
 * The runner and each worker load the whole harness and Playwright: on Node 22.1+ they keep the
 * code V8 compiled on disk and reuse it next time (the CLI itself: bin/ibcm-lab.mjs). Node's own
 * default place, unless the user named one or turned the cache off (NODE_DISABLE_COMPILE_CACHE).
 */
function compileCacheEnv(): Record<string, string> {
  if (process.env.NODE_COMPILE_CACHE || process.env.NODE_DISABLE_COMPILE_CACHE) return {};
  return { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') };
}

/**
 * Unpacks the npm Chromium here, once, before the workers start: unpacked inside a check it would
 * eat that check's time (seconds on a busy machine), in every worker at once. A failure is left to
 * the browser check, which reports it as its reason.
 */
async function prepareBrowser(): Promise<void> {
  if (npmChromiumUnpacked(packageRoot())) return;
  const browser = findChromium();
  if (browser.source !== 'npm' || existsSync(browser.executablePath)) return;
  process.stdout.write(`unpacking the browser for the browser checks (once): ${browser.describe}\n`);
  await browser.prepare().catch(() => undefined);
}
