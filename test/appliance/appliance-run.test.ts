// Appliance mode for real: HAProxy configured from the worksheet by the example script, started
// outside the lab on loopback addresses of its own, certified with `run --proxy address:` in bridge
// and tunnel mode; a faulty configuration of it is caught for the stated reasons.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, runCli } from '../cli/run-cli.js';

interface Results {
  results: { requirement: string; status: string; reason: string; checks: { evidence?: unknown }[] }[];
}

const work = mkdtempSync(join(tmpdir(), 'ibcm-appliance-'));
const started: string[] = [];

function example(args: string[]): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'examples/appliance-haproxy.ts', ...args], { cwd: root, stdio: 'pipe' });
}

async function certify(listen: string, mode: 'bridge' | 'tunnel', at: string, fault?: string, extra: string[] = [], grep?: string) {
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

describe('an appliance the lab does not start (address:)', () => {
  it('HAProxy configured from the bridge worksheet passes, with its syslog in the evidence and the worksheet in the report', async () => {
    const { doctor, run, results, report } = await certify('127.0.0.6', 'bridge', '127.0.0.140');
    expect(doctor.code, doctor.stdout).toBe(0);
    expect(doctor.stdout).toContain("presents the worksheet's bridge certificate");
    expect(doctor.stdout).toMatch(/✔ syslog: \d+ line/);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    const passed = results.results.filter((result) => result.status === 'passed');
    expect(passed.length).toBeGreaterThan(55);
    const notApplicable = results.results.filter(
      (result) => result.status === 'not-applicable' && /external appliance/.test(result.reason),
    );
    expect(notApplicable.map((result) => result.requirement)).toContain('PKI-SAN');
    expect(JSON.stringify(results)).toMatch(/syslog udp 127\.[0-9.]+: <1\d\d>1 /);
    // Each check's requests carry its mark, and the appliance logged it (the example captures the header).
    expect(JSON.stringify(results)).toMatch(/check=\{PX-HTTP11\.[0-9a-f-]+\}/);
    // The same verdicts as the same proxy started by the lab (the built-in HAProxy adapter), requirement by requirement.
    const inLabJson = join(work, 'haproxy-in-lab.json');
    const inLab = await runCli(['run', '--proxy', 'haproxy', '--mode', 'bridge', '--json', inLabJson]);
    expect(inLab.code, inLab.stdout.slice(-3000)).toBe(0);
    const inLabStatus = new Map(
      (JSON.parse(readFileSync(inLabJson, 'utf8')) as Results).results.map((result) => [result.requirement, result.status]),
    );
    const judged = results.results.filter((result) => result.status !== 'not-applicable');
    expect(judged.map((result) => [result.requirement, result.status])).toEqual(
      judged.map((result) => [result.requirement, inLabStatus.get(result.requirement)]),
    );
    const html = readFileSync(join(report, 'index.html'), 'utf8');
    expect(html).toContain('Publishing worksheet');
    expect(html).toContain('external appliance');
  }, 360_000);

  it('HAProxy configured from the tunnel worksheet passes', async () => {
    const { doctor, run } = await certify('127.0.0.7', 'tunnel', '127.0.0.160');
    expect(doctor.stdout).toContain('passes TLS through to the site system');
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
  }, 240_000);

  it('a bridge that does not ask clients for a certificate fails the client-authentication requirements, and only those', async () => {
    const { run, results } = await certify('127.0.0.8', 'bridge', '127.0.0.180', 'no-client-certificate');
    expect(run.code).toBe(1);
    const failed = results.results.filter((result) => result.status === 'failed').map((result) => result.requirement);
    expect(failed).toEqual(expect.arrayContaining(['PX-BRIDGE-MUTUAL', 'PKI-MTLS']));
    for (const requirement of failed)
      expect(['PX-BRIDGE-MUTUAL', 'PKI-MTLS', 'PKI-TRUST-SITE', 'PKI-CRL-CLIENT-REVOKED']).toContain(requirement);
  }, 240_000);

  it('an appliance that smuggles (a built-in faulty bridge served outside the lab) fails PX-SMUGGLE for that reason: the running lab’s MP is made lenient for the check', async () => {
    const { run, results } = await certify(
      '127.0.0.8',
      'bridge',
      '127.0.0.200',
      undefined,
      ['--serve', 'faulty-te-sanitiser'],
      'PX-SMUGGLE|PX-HTTP11',
    );
    const smuggle = results.results.find((result) => result.requirement === 'PX-SMUGGLE');
    expect(smuggle?.status, run.stdout.slice(-2000)).toBe('failed');
    expect(smuggle?.reason).toMatch(/hidden request .* surfaced on MP connection/);
    expect(results.results.find((result) => result.requirement === 'PX-HTTP11')?.status).toBe('passed');
  }, 240_000);
});
