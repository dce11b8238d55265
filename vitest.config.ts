import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Most tests wait on child processes and sockets (CLI runs, proxies, labs), not on the CPU: more
    // files at once than cores (vitest's default is cores - 1, one file at a time on 2 cores).
    maxWorkers: Math.max(3, availableParallelism()),
  },
});
