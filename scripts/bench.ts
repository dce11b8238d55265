// `npm run bench`: how long lab bring-up, a full conformance run, the self-test and `npm test` take
// on this machine (BENCH_ROUNDS bring-ups per mode; the rest: see medianOf below).
// Figures are printed, never asserted: timings belong in a benchmark, not in tests. The docker
// driver's figures follow the embedded ones when an engine answers and the images are built
// (BENCH_DOCKER_RUN=0 skips its full run; BENCH_DOCKER_PROXIES=node,nginx picks the proxies).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
    const lab = await startLab({
      topology,
      mode,
      proxy: findProxy('node'),
      runId: 'bench',
      dir: join(dir, `${driver?.name ?? 'embedded'}-${mode}-${round}`),
      labIndex: 190,
      driver,
    });
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

console.log(
  `ibcm-lab bench — Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs, load ${loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`,
);
for (const mode of ['bridge', 'tunnel', 'direct'] as const)
  console.log(`lab bring-up, embedded, ${mode.padEnd(6)}: ${stats(await bringUp(mode))}`);
// The docker driver, where an engine answers and the images are built (`ibcm-lab images build`).
const dockerProblem = await dockerReadiness({ kind: 'builtin', name: 'node' });
if (dockerProblem) console.log(`lab bring-up, docker: skipped — ${dockerProblem}`);
else
  for (const mode of ['bridge', 'direct'] as const)
    console.log(`lab bring-up, docker,   ${mode.padEnd(6)}: ${stats(await bringUp(mode, dockerDriver, Math.min(rounds, 3)))}`);
rmSync(dir, { recursive: true, force: true });

// The three figures issue 14 sets goals for, each the median of several runs (a shared machine is
// noisy): the full embedded run with the Node proxy, the self-test, and `npm test` as a whole.
// BENCH_FULL_ROUNDS (default 3), BENCH_SELFTEST_ROUNDS and BENCH_NPM_TEST_ROUNDS (default 1 each;
// 0 skips that figure); BENCH_NODES adds the full run under other Node binaries. The machine's
// load average is printed beside them: compare like with like.
interface Timed {
  seconds: number;
  status: number | null;
  summary: string;
}

function timedRun(command: string, args: string[]): Timed {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  const lines = (result.stdout ?? '').trim().split('\n');
  // The run's own summary line (PASS/FAIL …) or the self-test's, else the last line printed.
  const summary = lines.findLast((line) => /^(PASS|FAIL)\b|mutation score/i.test(line)) ?? lines.at(-1) ?? '';
  return { seconds: (performance.now() - started) / 1000, status: result.status, summary: summary.trim() };
}

function medianOf(label: string, envName: string, defaultRounds: number, command: string, args: string[]): void {
  const count = Number(process.env[envName] ?? defaultRounds);
  if (!(count > 0)) {
    console.log(`${label}: skipped (${envName}=0)`);
    return;
  }
  const runs: Timed[] = [];
  for (let round = 0; round < count; round++) runs.push(timedRun(command, args));
  const sorted = runs.map((run) => run.seconds).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const exits = [...new Set(runs.map((run) => run.status))].join('/');
  console.log(
    `${label}: median ${median.toFixed(1)} s, min ${sorted[0]!.toFixed(1)} s, max ${sorted.at(-1)!.toFixed(1)} s (${count} rounds, exit ${exits}, load ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}) — ${runs.at(-1)!.summary}`,
  );
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
medianOf('full run, embedded, --mode all', 'BENCH_FULL_ROUNDS', 3, process.execPath, ['bin/ibcm-lab.mjs', 'run', '--mode', 'all']);
// The same figure under other Node versions (BENCH_NODES: paths of node binaries, comma-separated —
// e.g. the one `npx -p node@24` fetched): Node 20 is end-of-life, and 22 and 24 start and run faster.
for (const node of (process.env.BENCH_NODES ?? '').split(',').filter(Boolean)) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout?.trim() || `unknown (${node})`;
  medianOf(`full run, embedded, --mode all, Node ${version}`, 'BENCH_FULL_ROUNDS', 3, node, ['bin/ibcm-lab.mjs', 'run', '--mode', 'all']);
}
medianOf('selftest, embedded', 'BENCH_SELFTEST_ROUNDS', 1, process.execPath, ['bin/ibcm-lab.mjs', 'selftest']);
medianOf('npm test', 'BENCH_NPM_TEST_ROUNDS', 1, npm, ['test']);
if (!dockerProblem && process.env.BENCH_DOCKER_RUN !== '0') {
  for (const proxy of (process.env.BENCH_DOCKER_PROXIES ?? 'node').split(',')) {
    const dockerStarted = performance.now();
    const dockerRun = spawnSync(process.execPath, ['bin/ibcm-lab.mjs', 'run', '--driver', 'docker', '--proxy', proxy, '--mode', 'all'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    const dockerTotal = performance.now() - dockerStarted;
    console.log(
      `full run, docker, --proxy ${proxy} --mode all: ${(dockerTotal / 1000).toFixed(1)} s (exit ${dockerRun.status}) — ${dockerRun.stdout.trim().split('\n').at(-1) ?? ''}`,
    );
  }
}
