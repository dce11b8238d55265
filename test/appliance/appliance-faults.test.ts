// Appliance mode for real: in tunnel mode, and faulty appliances caught for the stated reasons
// (certify.ts starts them from the worksheet, outside the lab).
import { describe, expect, it } from 'vitest';
import { certify } from './certify.js';

describe('an appliance the lab does not start (address:)', () => {
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
