// `npm run soak` (issue 17): the full embedded catalog N times with the Node proxy in every mode
// (SOAK_ROUNDS or --rounds, default 20), then once with each reference proxy (nginx and HAProxy in
// --mode all, Squid in forward). A verdict is flaky when the same requirement in the same mode got
// different statuses in different rounds; any flaky verdict, and any run that did not end with exit
// 0, makes the soak exit 1. Prints "N flaky verdicts in R runs" (and which, with each round's status).
// SOAK_REFERENCE=0 skips the reference proxies; SOAK_DIR keeps the JSON results (default: a temp dir).
// Last, the site parser's fuzz test (test/http/fuzz.test.ts) runs with a random seed, printed, so a
// failure can be replayed with IBCM_LAB_FUZZ_SEED=<seed>.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface Result {
  requirement: string;
  mode: string;
  status: string;
  reason: string;
}

interface Run {
  label: string;
  exitCode: number | null;
  seconds: number;
  summary: string;
  results: Result[];
}

const { values } = parseArgs({
  options: { rounds: { type: 'string' }, 'no-reference': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: false,
});
if (values.help) {
  console.log(`npm run soak -- [--rounds N] [--no-reference]

  The full embedded catalog N times with the Node proxy (--mode all), then once with each reference
  proxy (nginx and HAProxy in --mode all, Squid in forward); prints "N flaky verdicts in R runs" and
  exits 1 on any flaky verdict or any run that did not exit 0.

  --rounds N        rounds with the Node proxy (default 20, or SOAK_ROUNDS)
  --no-reference    skip the reference proxies (or SOAK_REFERENCE=0)
  SOAK_DIR          keep each run's JSON results there (default: a temporary folder)`);
  process.exit(0);
}
const rounds = Number(values.rounds ?? process.env.SOAK_ROUNDS ?? 20);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`soak: --rounds / SOAK_ROUNDS must be a positive integer (got ${values.rounds ?? process.env.SOAK_ROUNDS})`);
  process.exit(2);
}
const withReference = !values['no-reference'] && process.env.SOAK_REFERENCE !== '0';
const dir = process.env.SOAK_DIR ? resolve(process.env.SOAK_DIR) : mkdtempSync(join(tmpdir(), 'ibcm-lab-soak-'));
mkdirSync(dir, { recursive: true });

/** One `ibcm-lab run`, its output streamed to ours line by line only for the summary; its results read back. */
function run(label: string, args: string[]): Promise<Run> {
  const file = join(dir, `${label.replace(/[^a-z0-9-]+/gi, '-')}.json`);
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bin/ibcm-lab.mjs', 'run', ...args, '--json', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let tail = '';
    child.stdout.on('data', (chunk: Buffer) => {
      // Only the last lines matter (the summary): keep a bounded tail, never the whole output.
      tail = (tail + chunk.toString('utf8')).slice(-8192);
    });
    child.on('close', (exitCode) => {
      const summary =
        tail
          .trim()
          .split('\n')
          .findLast((line) => /^(PASS|FAIL|INTERRUPTED|ERROR)\b/.test(line.trim())) ??
        tail.trim().split('\n').at(-1) ??
        '';
      let results: Result[] = [];
      try {
        results = (JSON.parse(readFileSync(file, 'utf8')) as { results: Result[] }).results;
      } catch {
        // No results file: the run could not start or was killed; its exit code says so.
      }
      done({ label, exitCode, seconds: (performance.now() - started) / 1000, summary: summary.trim(), results });
    });
  });
}

const line = (item: Run) =>
  `${item.label.padEnd(22)} exit ${String(item.exitCode).padEnd(4)} ${item.seconds.toFixed(1).padStart(6)} s  ${item.summary}`;

console.log(
  `ibcm-lab soak — ${rounds} rounds of the full catalog with the Node proxy (--mode all)${withReference ? ', then nginx, haproxy (--mode all) and squid (forward) once each' : ''}; results in ${dir}; load ${loadavg()
    .map((load) => load.toFixed(1))
    .join(' ')}`,
);
const nodeRuns: Run[] = [];
for (let round = 1; round <= rounds; round++) {
  const item = await run(`node-${round}`, ['--proxy', 'node', '--mode', 'all']);
  nodeRuns.push(item);
  console.log(line(item));
}
const referenceRuns: Run[] = [];
if (withReference) {
  for (const [proxy, mode] of [
    ['nginx', 'all'],
    ['haproxy', 'all'],
    ['squid', 'forward'],
  ] as const) {
    const item = await run(`${proxy}-${mode}`, ['--proxy', proxy, '--mode', mode]);
    referenceRuns.push(item);
    console.log(line(item));
  }
}

// Flaky: a requirement and mode whose status differs between the Node proxy's rounds.
const statuses = new Map<string, { round: number; status: string; reason: string }[]>();
for (const [index, item] of nodeRuns.entries()) {
  for (const result of item.results) {
    const key = `${result.requirement} ${result.mode}`;
    statuses.set(key, [...(statuses.get(key) ?? []), { round: index + 1, status: result.status, reason: result.reason }]);
  }
}
const flaky = [...statuses.entries()].filter(
  ([, seen]) =>
    new Set(seen.map((entry) => entry.status)).size > 1 || seen.length < nodeRuns.filter((item) => item.results.length > 0).length,
);
for (const [key, seen] of flaky) {
  const counts = new Map<string, number>();
  for (const entry of seen) counts.set(entry.status, (counts.get(entry.status) ?? 0) + 1);
  const missing = nodeRuns.filter((item) => item.results.length > 0).length - seen.length;
  console.log(
    `flaky: ${key} — ${[...counts].map(([status, count]) => `${status} ×${count}`).join(', ')}${missing ? `, absent ×${missing}` : ''}`,
  );
  const odd = seen.filter((entry) => entry.status !== [...counts].sort((a, b) => b[1] - a[1])[0]![0]);
  for (const entry of odd.slice(0, 3)) console.log(`  round ${entry.round}: ${entry.status} — ${entry.reason.slice(0, 240)}`);
}

// The site parser's seeded mutation loop, with a seed of this soak's own.
const fuzzSeed = Math.floor(Math.random() * 0x7fffffff);
const fuzz = await new Promise<number>((done) => {
  const child = spawn(process.execPath, [resolve('node_modules/vitest/vitest.mjs'), 'run', 'test/http/fuzz.test.ts'], {
    env: { ...process.env, IBCM_LAB_FUZZ_SEED: String(fuzzSeed) },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  child.on('exit', (code) => done(code ?? 1));
});
console.log(
  `site parser fuzzing, seed ${fuzzSeed}: ${fuzz === 0 ? 'well-behaved' : `FAILED (replay: IBCM_LAB_FUZZ_SEED=${fuzzSeed} npx vitest run test/http/fuzz.test.ts)`}`,
);

const failedRuns = [...nodeRuns, ...referenceRuns].filter((item) => item.exitCode !== 0);
for (const item of failedRuns) console.log(`not clean: ${item.label} exited ${item.exitCode}: ${item.summary}`);
const totalRuns = nodeRuns.length + referenceRuns.length;
console.log(
  `${flaky.length} flaky verdict${flaky.length === 1 ? '' : 's'} in ${nodeRuns.length} runs with the Node proxy${referenceRuns.length ? `; ${referenceRuns.filter((item) => item.exitCode === 0).length}/${referenceRuns.length} reference proxy runs clean` : ''} (${totalRuns} runs, ${failedRuns.length} not clean)`,
);
process.exit(flaky.length > 0 || failedRuns.length > 0 || fuzz !== 0 ? 1 : 0);
