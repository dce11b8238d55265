// What the CLI tells the Playwright workers about a run. Passed as one JSON environment variable
// because Playwright workers are separate processes; read once per worker.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { ProxyRef } from '../proxies/ref.js';

export interface RunSettings {
  runId: string;
  runDir: string;
  topology?: string;
  proxy: string;
  /** Where the lab's hosts run (absent = embedded). */
  driver?: 'embedded' | 'docker';
  /** Docker: the image refs of the whole run, worked out once by the CLI (image name → ref). */
  images?: Record<string, string>;
  labIndexBase: number;
  resultsFile: string;
  /** The Playwright projects: one per proxy and mode. */
  projects: SuiteProject[];
  /** Parallel workers (labs). */
  workers: number;
  /** A check's deadline in ms (docker labs start variant labs in containers inside a check). */
  testTimeoutMs: number;
  /** Where Playwright writes its own output. */
  playwrightOutput: string;
}

export const RUN_SETTINGS_ENV = 'IBCM_LAB_RUN';

let parsed: { raw: string; settings: RunSettings } | undefined;

export function readRunSettings(): RunSettings {
  const raw = process.env[RUN_SETTINGS_ENV];
  if (raw) {
    // Parsed once per process (asked for at every check; a self-test's list of projects is long).
    if (parsed?.raw !== raw) parsed = { raw, settings: JSON.parse(raw) as RunSettings };
    return parsed.settings;
  }
  // Started by `npx playwright test` directly: a run of its own with defaults.
  const runId = `pw-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${process.pid}`;
  return {
    runId,
    runDir: `.ibcm-lab/runs/${runId}`,
    proxy: 'node',
    labIndexBase: 100 + (process.pid % 50),
    resultsFile: `.ibcm-lab/runs/${runId}/results.raw.json`,
    projects: ['bridge', 'tunnel', 'forward', 'direct'].map((mode) => ({ name: mode, mode, proxy: 'node' })),
    workers: availableParallelism(),
    testTimeoutMs: 30_000,
    playwrightOutput: '.ibcm-lab/playwright',
  };
}

/** One Playwright project of a run: a proxy in a mode (the CLI writes them, playwright.config.ts reads them). */
export interface SuiteProject {
  name: string;
  mode: string;
  proxy: string;
  /** Quirks added to the topology for this project (a self-test's faulty world). */
  quirks?: string[];
  /** Only the checks of these requirements run in this project (a self-test's negative control). */
  requirementIds?: string[];
  /** `--proxy` as the CLI parsed it (absent: the built-in proxy named by `proxy`). */
  proxyRef?: ProxyRef;
}

/**
 * The name of the Playwright attachment that carries a check's evidence and verdict to the reporter
 * when Playwright runs the suites alone (`npx playwright test`, no run settings).
 */
export const EVIDENCE_ATTACHMENT = 'ibcm-evidence';

/**
 * Under `ibcm-lab run`, where a check's evidence and verdict wait for the reporter: a file in the run
 * folder, read and removed by the reporter as the check ends. An attachment would cross from the worker
 * to the runner base64-encoded in two IPC messages (about 2% of a full run's CPU for the evidence).
 */
export function checkEvidenceFile(runDir: string, testId: string, retry: number): string {
  return join(runDir, CHECK_EVIDENCE_DIR, `${testId}-${retry}.json`);
}
export const CHECK_EVIDENCE_DIR = 'check-evidence.tmp';

/** A verdict a check records itself (its Playwright test then ends normally, so the worker and its lab live on). */
export type RecordedVerdict = 'failed' | 'error' | 'blocked';

/** Matches the checks of these requirements: Playwright greps the title path, and a title starts with its ID. */
export function requirementGrep(requirementIds: readonly string[]): RegExp {
  return new RegExp(`(?:^|\\s)(?:${requirementIds.map(escapeRegExp).join('|')})\\s`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
