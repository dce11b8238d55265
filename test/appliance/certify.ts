// What the appliance tests share: HAProxy configured from the worksheet by the example script,
// started outside the lab on loopback addresses of its own, then certified with `run --proxy
// address:`. Each test file gets its own scratch folder and stops the HAProxies it started. (Two
// files, so vitest runs the long bridge certification beside the others.)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { root, runCli } from '../cli/run-cli.js';

export { runCli };

export interface Results {
  results: { requirement: string; status: string; reason: string; checks: { evidence?: unknown }[] }[];
}

export const work = mkdtempSync(join(tmpdir(), 'ibcm-appliance-'));
const started: string[] = [];

function example(args: string[]): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'examples/appliance-haproxy.ts', ...args], { cwd: root, stdio: 'pipe' });
}

export async function certify(listen: string, mode: 'bridge' | 'tunnel', at: string, fault?: string, extra: string[] = [], grep?: string) {
  const worksheet = await runCli(['worksheet', '--listen', listen, '--mode', mode]);
  expect(worksheet.code, worksheet.stderr).toBe(0);
  expect(worksheet.stdout).toContain(`# Publishing worksheet`);
  const file = join(work, `${mode}${fault ? `-${fault}` : ''}.yaml`);
  started.push(file);
  example([
    'start',
    '--worksheet',
    join(root, '.ibcm-lab', 'appliance', `${listen}-${mode}`),
    '--at',
    at,
    '--out',
    file,
    ...(fault ? ['--fault', fault] : []),
    ...extra,
  ]);
  const doctor = await runCli(['doctor', '--proxy', `address:${file}`]);
  const json = join(work, `${mode}${fault ? `-${fault}` : ''}.json`);
  const report = join(work, `${mode}${fault ? `-${fault}` : ''}-report`);
  const run = await runCli(['run', '--proxy', `address:${file}`, '--json', json, '--report', report, ...(grep ? ['--grep', grep] : [])]);
  return { doctor, run, results: JSON.parse(readFileSync(json, 'utf8')) as Results, report };
}

afterAll(() => {
  for (const file of started) example(['stop', '--out', file]);
});
