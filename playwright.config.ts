// The conformance suites run under Playwright Test: one project per proxy mode, the lab as a
// worker-scoped fixture. `ibcm-lab run` drives this config; `npx playwright test` works too.
import { defineConfig } from '@playwright/test';

const modes = (process.env.IBCM_LAB_MODES ?? 'bridge,tunnel,direct').split(',').filter(Boolean);

export default defineConfig({
  testDir: 'suites',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  workers: Number(process.env.IBCM_LAB_WORKERS ?? 3),
  timeout: 20_000,
  outputDir: process.env.IBCM_LAB_PW_OUTPUT ?? '.ibcm-lab/playwright',
  reporter: process.env.IBCM_LAB_RUN ? [['./harness/report/playwright-reporter.ts']] : [['list']],
  projects: modes.map((mode) => ({ name: mode, metadata: { mode } })),
});
