// `npm run bench`: how long lab bring-up and a full conformance run take on this machine.
// Figures are printed, never asserted: timings belong in a benchmark, not in tests. The docker
// driver's figures follow the embedded ones when an engine answers and the images are built
// (BENCH_DOCKER_RUN=0 skips its full run; BENCH_DOCKER_PROXIES=node,nginx picks the proxies).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerDriver } from '../harness/drivers/docker/driver.js';
import { dockerReadiness } from '../harness/drivers/docker/readiness.js';
import type { LabDriver } from '../harness/lab/driver.js';
import { startLab } from '../harness/lab/index.js';
import { findProxy } from '../harness/proxies/index.js';
import { loadTopology } from '../harness/topology/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const topology = loadTopology();
const dir = mkdtempSync(join(tmpdir(), 'ibcm-lab-bench-'));

async function bringUp(mode: 'bridge' | 'tunnel' | 'direct', driver?: LabDriver, count = rounds): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < count; round++) {
    const started = performance.now();
    const lab = await startLab({ topology, mode, proxy: findProxy('node'), runId: 'bench', dir: join(dir, `${driver?.name ?? 'embedded'}-${mode}-${round}`), labIndex: 190, driver });
    times.push(performance.now() - started);
    await lab.stop();
  }
  return times;
}

function stats(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (${times.length} rounds)`;
}

console.log(`ibcm-lab bench — Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs`);
for (const mode of ['bridge', 'tunnel', 'direct'] as const) console.log(`lab bring-up, embedded, ${mode.padEnd(6)}: ${stats(await bringUp(mode))}`);
// The docker driver, where an engine answers and the images are built (`ibcm-lab images build`).
const dockerProblem = await dockerReadiness('node');
if (dockerProblem) console.log(`lab bring-up, docker: skipped — ${dockerProblem}`);
else for (const mode of ['bridge', 'direct'] as const) console.log(`lab bring-up, docker,   ${mode.padEnd(6)}: ${stats(await bringUp(mode, dockerDriver, Math.min(rounds, 3)))}`);
rmSync(dir, { recursive: true, force: true });

const started = performance.now();
const run = spawnSync(process.execPath, ['bin/ibcm-lab.mjs', 'run', '--mode', 'all'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const total = performance.now() - started;
const summary = run.stdout.trim().split('\n').at(-1) ?? '';
console.log(`full run, embedded, --mode all: ${(total / 1000).toFixed(1)} s (exit ${run.status}) — ${summary}`);
if (!dockerProblem && process.env.BENCH_DOCKER_RUN !== '0') {
  for (const proxy of (process.env.BENCH_DOCKER_PROXIES ?? 'node').split(',')) {
    const dockerStarted = performance.now();
    const dockerRun = spawnSync(process.execPath, ['bin/ibcm-lab.mjs', 'run', '--driver', 'docker', '--proxy', proxy, '--mode', 'all'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const dockerTotal = performance.now() - dockerStarted;
    console.log(`full run, docker, --proxy ${proxy} --mode all: ${(dockerTotal / 1000).toFixed(1)} s (exit ${dockerRun.status}) — ${dockerRun.stdout.trim().split('\n').at(-1) ?? ''}`);
  }
}
