// Appliance mode for real, in bridge mode: HAProxy configured from the worksheet, certified with
// `run --proxy address:`, judged as the same HAProxy started by the lab (certify.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certify, runCli, work, type Results } from './certify.js';

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
});
