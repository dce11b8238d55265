// The conformance suites run under Playwright Test: one project per proxy and mode, the lab as a
// worker-scoped fixture. `ibcm-lab run` and `ibcm-lab selftest` drive this config through
// environment variables; `npx playwright test` alone runs the Node proxy in every mode.
import { availableParallelism } from 'node:os';
import { defineConfig } from '@playwright/test';
import { watchRunParent } from './harness/run/parent-watch.js';

// Under `ibcm-lab run`, the runner and the workers stop by themselves if the CLI dies (even by SIGKILL).
watchRunParent();

interface ProjectSpec {
  name: string;
  mode: string;
  proxy: string;
  quirks?: string[];
}

const projects: ProjectSpec[] = process.env.IBCM_LAB_PROJECTS
  ? (JSON.parse(process.env.IBCM_LAB_PROJECTS) as ProjectSpec[])
  : ['bridge', 'tunnel', 'forward', 'direct'].map((mode) => ({ name: mode, mode, proxy: 'node' }));

export default defineConfig({
  testDir: 'suites',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // One worker per core unless the CLI says (each worker runs a whole lab, and the lab is CPU-bound).
  workers: Number(process.env.IBCM_LAB_WORKERS ?? availableParallelism()),
  // Docker labs start variant labs in containers inside a check: give them longer (suite-runner.ts).
  timeout: Number(process.env.IBCM_LAB_TEST_TIMEOUT ?? 30_000),
  outputDir: process.env.IBCM_LAB_PW_OUTPUT ?? '.ibcm-lab/playwright',
  reporter: process.env.IBCM_LAB_RUN ? [['./harness/report/playwright-reporter.ts']] : [['list']],
  projects: projects.map((project) => ({ name: project.name, metadata: { mode: project.mode, proxy: project.proxy, quirks: project.quirks ?? [] } })),
});
