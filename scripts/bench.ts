// `npm run bench`: how long lab bring-up and a full conformance run take on this machine.
// Figures are printed, never asserted: timings belong in a benchmark, not in tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab } from '../harness/lab/index.js';
import { findProxy } from '../harness/proxies/index.js';
import { loadTopology } from '../harness/topology/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const topology = loadTopology();
const dir = mkdtempSync(join(tmpdir(), 'ibcm-lab-bench-'));

async function bringUp(mode: 'bridge' | 'tunnel' | 'direct'): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const lab = await startLab({ topology, mode, proxy: findProxy('node'), runId: 'bench', dir: join(dir, `${mode}-${round}`), labIndex: 190 });
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
rmSync(dir, { recursive: true, force: true });

const started = performance.now();
const run = spawnSync(process.execPath, ['bin/ibcm-lab.mjs', 'run', '--mode', 'all'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
const total = performance.now() - started;
const summary = run.stdout.trim().split('\n').at(-1) ?? '';
console.log(`full run, embedded, --mode all: ${(total / 1000).toFixed(1)} s (exit ${run.status}) — ${summary}`);
