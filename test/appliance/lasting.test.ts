// What lasts between appliance runs (harness/appliance/state.ts): with the same CA keys folder, every
// run's CAs have the same keys, names and serials, so what an appliance was configured with — the
// CA bundle, its certificates, a CRL read once — still verifies against a later run's PKI; and the
// appliance's own certificates are kept while they fit.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { caKeysDirOf, lastingApplianceCertificates } from '../../harness/appliance/state.js';
import { LabPki } from '../../harness/pki/index.js';

const CDP = 'http://crl.ibcm-lab.example:20080';

async function run(dir: string, name: string, caKeysDir?: string) {
  const pki = await LabPki.create({ dir: join(dir, name), cdpBaseUrl: CDP, caKeysDir });
  const leaf = await pki.issue('workstation-client', {
    name: 'client1-revoked',
    subjectCn: 'ws01.corp.example',
    dnsNames: ['ws01.corp.example'],
  });
  await pki.revoke(leaf.serialNumber, 'keyCompromise');
  return { pki, leaf };
}

describe('appliance material that lasts between runs', () => {
  it('the same CA keys folder gives the same CA keys and serials, and a later run verifies an earlier run’s leaf and CRL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibcm-lasting-'));
    const keys = caKeysDirOf(dir);
    const first = await run(dir, 'first', keys);
    const second = await run(dir, 'second', keys);
    const firstRoot = new X509Certificate(first.pki.rootCaPem);
    const secondRoot = new X509Certificate(second.pki.rootCaPem);
    expect(secondRoot.publicKey.export({ format: 'jwk' })).toEqual(firstRoot.publicKey.export({ format: 'jwk' }));
    expect(secondRoot.serialNumber).toBe(firstRoot.serialNumber);
    expect(second.leaf.serialNumber).toBe(first.leaf.serialNumber);
    // The revocation lists name the same serials: a CRL the appliance read in the first run is true for the second.
    expect(second.pki.crls().map((crl) => crl.revokedSerials.sort())).toEqual(first.pki.crls().map((crl) => crl.revokedSerials.sort()));
    // The first run's leaf chains to the second run's CAs (same keys and names).
    const issuing = new X509Certificate(second.pki.issuingCaPem);
    expect(new X509Certificate(first.leaf.certPem).verify(issuing.publicKey)).toBe(true);
    expect(new X509Certificate(first.pki.issuingCaPem).verify(secondRoot.publicKey)).toBe(true);
  });

  it('without it, keys and serials are fresh every run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibcm-lasting-'));
    const first = await run(dir, 'first');
    const second = await run(dir, 'second');
    expect(second.leaf.serialNumber).not.toBe(first.leaf.serialNumber);
    expect(new X509Certificate(second.pki.rootCaPem).serialNumber).not.toBe(new X509Certificate(first.pki.rootCaPem).serialNumber);
  });

  it('keeps the appliance’s certificates while they fit, and makes them anew for other names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibcm-lasting-'));
    const pki = await LabPki.create({ dir: join(dir, 'pki'), cdpBaseUrl: CDP, caKeysDir: caKeysDirOf(dir) });
    let issued = 0;
    const issue = (names: string[]) =>
      pki.issue('bridging-proxy-server', { name: `proxy-server-${++issued}`, subjectCn: names[0]!, dnsNames: names });
    const now = new Date();
    const made = lastingApplianceCertificates(dir, { caBundlePath: pki.trustBundlePath, proxyServer: await issue(['mp.example']) }, now);
    expect(made.made).toBe(true);
    const kept = lastingApplianceCertificates(dir, { caBundlePath: pki.trustBundlePath, proxyServer: await issue(['mp.example']) }, now);
    expect(kept.made).toBe(false);
    expect(readFileSync(kept.proxyServer!.certPath, 'utf8')).toBe(readFileSync(made.proxyServer!.certPath, 'utf8'));
    const renamed = lastingApplianceCertificates(
      dir,
      { caBundlePath: pki.trustBundlePath, proxyServer: await issue(['mp.example', 'dp.example']) },
      now,
    );
    expect(renamed.made).toBe(true);
  });
});
