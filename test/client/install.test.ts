// LOC-WORKGROUP and LOC-MODE-FIXED are `model` requirements (harness/catalog/requirements.ts): only
// the client installer decides them, so they are tested here, on the client's own logic, as well as
// reported apart by their (network-free) checks in suites/loc/install-mode.spec.ts.
import { describe, expect, it } from 'vitest';
import { ClientInstallation } from '../../harness/client/index.js';
import { inProcessClientProfile } from '../roles/request.js';

const profile = (CCMALWAYSINF: 0 | 1) => {
  const base = inProcessClientProfile('LAB');
  return { ...base, install: { ...base.install, CCMALWAYSINF } };
};

describe('client installation (W:51)', () => {
  it('installs a workgroup computer internet-only, and refuses it intranet-and-internet', () => {
    const refused = ClientInstallation.install(profile(0), { domainJoined: false });
    expect(refused.installed).toBe(false);
    const accepted = ClientInstallation.install(profile(1), { domainJoined: false });
    expect(accepted.installed && accepted.installation.mode).toBe('internet-only');
  });

  it('installs a domain-joined computer in either mode', () => {
    for (const [flag, mode] of [
      [0, 'intranet+internet'],
      [1, 'internet-only'],
    ] as const) {
      const outcome = ClientInstallation.install(profile(flag), { domainJoined: true });
      expect(outcome.installed && outcome.installation.mode).toBe(mode);
    }
  });

  it('keeps the mode set at install: reconfiguring changes nothing, the profile keeps CCMALWAYSINF', () => {
    const outcome = ClientInstallation.install(profile(1), { domainJoined: true });
    if (!outcome.installed) throw new Error(outcome.reason);
    const change = outcome.installation.reconfigure(0);
    expect(change).toMatchObject({ changed: false, mode: 'internet-only' });
    expect(change.reason).toMatch(/reinstall/);
    expect(outcome.installation.profile(profile(0)).install.CCMALWAYSINF).toBe(1);
  });
});
