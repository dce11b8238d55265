// The conformance suites run under Playwright Test: one project per proxy and mode, the lab as a
// worker-scoped fixture. `ibcm-lab run` and `ibcm-lab selftest` drive this config through one
// environment variable (the run settings, harness/run/settings.ts); `npx playwright test` alone runs
// the Node proxy in every mode.
import { defineConfig } from '@playwright/test';
import { watchRunParent } from './harness/run/parent-watch.js';
import { RUN_SETTINGS_ENV, readRunSettings, requirementGrep } from './harness/run/settings.js';

// Under `ibcm-lab run`, the runner and the workers stop by themselves if the CLI dies (even by SIGKILL).
watchRunParent();

const { projects, workers, testTimeoutMs, playwrightOutput } = readRunSettings();
// `ibcm-lab run` loads this config and the suites compiled to JavaScript (harness/cli/compiled-suites.ts);
// `npx playwright test` loads them from TypeScript.
const extension = import.meta.url.endsWith('.js') ? 'js' : 'ts';

export default defineConfig({
  testDir: 'suites',
  testMatch: `**/*.spec.${extension}`,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // One worker per core unless the CLI says (each worker runs a whole lab, and the lab is CPU-bound).
  workers,
  timeout: testTimeoutMs,
  outputDir: playwrightOutput,
  reporter: process.env[RUN_SETTINGS_ENV] ? [[`./harness/report/playwright-reporter.${extension}`]] : [['list']],
  // A project's checks share as few workers as the run allows: each worker of a project starts the
  // project's lab (and its variant labs) again, so with at least as many projects as workers a
  // project gets one worker and projects run in parallel (the CLI sizes --workers to them).
  projects: projects.map((project) => ({
    name: project.name,
    workers: Math.max(1, Math.floor(workers / projects.length)),
    grep: project.requirementIds ? requirementGrep(project.requirementIds) : undefined,
    metadata: { mode: project.mode, proxy: project.proxy, proxyRef: project.proxyRef, quirks: project.quirks ?? [] },
  })),
});
