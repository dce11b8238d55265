// The PKI additions for lab variants: certificate variants as issue options (relative to the lab
// clock), the cloud hierarchy beside the trusted and untrusted ones, CRLs of every hierarchy for the
// CDP, CRLs dated in the past (stale), and PKCS#12 export that Node/OpenSSL 3 can load.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERTIFICATE_VARIANTS, EKU, LabPki, variantIssueOptions, type IssueOptions } from '../../harness/pki/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let tmp: string;
let pki: LabPki;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-lab-pki-variants-'));
  pki = await LabPki.create({ dir: path.join(tmp, 'pki'), cdpBaseUrl: 'http://crl.ibcm-lab.example:20080' });
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('variantIssueOptions', () => {
  const clock = new Date('2026-06-01T12:00:00Z');
  const base: IssueOptions = { name: 'mp1', subjectCn: 'mp.ibcm-lab.example', dnsNames: ['mp.ibcm-lab.example', 'mp1.corp.ibcm-lab.test'] };

  it('covers every variant the topology schema offers', () => {
    for (const variant of CERTIFICATE_VARIANTS) {
      const profile = variant === 'missing-internet-fqdn' ? 'site-system-web-server' : 'workstation-client';
      expect(() => variantIssueOptions(variant, profile, base, { clock, intranetNames: ['mp1.corp.ibcm-lab.test'] })).not.toThrow();
    }
  });

  it('dates expired and not-yet-valid certificates from the lab clock', () => {
    const expired = variantIssueOptions('expired', 'site-system-web-server', base, { clock }).options;
    expect(expired.notAfter!.getTime()).toBe(clock.getTime() - DAY);
    expect(expired.notBefore!.getTime()).toBeLessThan(expired.notAfter!.getTime());
    const early = variantIssueOptions('not-yet-valid', 'workstation-client', base, { clock }).options;
    expect(early.notBefore!.getTime()).toBe(clock.getTime() + DAY);
  });

  it('swaps the EKU to the other purpose, keeps only intranet names, picks the untrusted issuer, asks to revoke', () => {
    expect(variantIssueOptions('wrong-eku', 'site-system-web-server', base, { clock }).options.extKeyUsages).toEqual([EKU.clientAuth]);
    expect(variantIssueOptions('wrong-eku', 'workstation-client', base, { clock }).options.extKeyUsages).toEqual([EKU.serverAuth]);
    expect(
      variantIssueOptions('missing-internet-fqdn', 'bridging-proxy-server', base, { clock, intranetNames: ['mp1.corp.ibcm-lab.test'] })
        .options,
    ).toMatchObject({ subjectCn: 'mp1.corp.ibcm-lab.test', dnsNames: ['mp1.corp.ibcm-lab.test'] });
    expect(variantIssueOptions('untrusted', 'workstation-client', base, { clock }).options.issuer).toBe('untrusted');
    expect(variantIssueOptions('revoked', 'workstation-client', base, { clock })).toEqual({ options: base, revoke: true });
    expect(variantIssueOptions('valid', 'workstation-client', base, { clock })).toEqual({ options: base, revoke: false });
  });

  it('refuses missing-internet-fqdn for a client certificate or without intranet names', () => {
    expect(() =>
      variantIssueOptions('missing-internet-fqdn', 'workstation-client', base, { clock, intranetNames: ['x.corp.test'] }),
    ).toThrow(/server certificates/);
    expect(() => variantIssueOptions('missing-internet-fqdn', 'site-system-web-server', base, { clock })).toThrow(/intranet names/);
  });
});

describe('hierarchies and CRLs', () => {
  it('builds a cloud hierarchy on demand whose leaves chain to its own root, not the lab root', async () => {
    const cloud = await pki.cloud();
    const cmg = await pki.issue('site-system-web-server', { name: 'cmg', dnsNames: ['lab-cmg.cloudapp.example'], issuer: 'cloud' });
    expect(cmg.issuedBy).toBe('cloud');
    const leaf = new X509Certificate(cmg.certPem);
    expect(leaf.checkIssued(new X509Certificate(cloud.issuingCaPem))).toBe(true);
    expect(leaf.checkIssued(new X509Certificate(pki.issuingCaPem))).toBe(false);
    expect(new X509Certificate(cloud.rootCaPem).subject).toMatch(/IBCM Lab Cloud Root CA/);
  });

  it('allCrls() lists every hierarchy built so far, trusted first; revoke() finds the cloud serial', async () => {
    await pki.untrusted();
    const cmg = await pki.issue('site-system-web-server', { name: 'cmg-revoked', dnsNames: ['lab-cmg.cloudapp.example'], issuer: 'cloud' });
    await pki.revoke(cmg.serialNumber);
    const urls = pki.allCrls().map((crl) => crl.path);
    expect(urls.slice(0, 2)).toEqual(['/IBCM-Lab-Root-CA.crl', '/IBCM-Lab-Issuing-CA.crl']);
    expect(urls).toEqual(expect.arrayContaining(['/IBCM-Lab-Cloud-Issuing-CA.crl', '/IBCM-Lab-Untrusted-Issuing-CA.crl']));
    const cloudIssuing = pki.allCrls().find((crl) => crl.path === '/IBCM-Lab-Cloud-Issuing-CA.crl')!;
    expect(cloudIssuing.revokedSerials).toContain(cmg.serialNumber);
  });

  it('publishCrls({ at }) dates the CRLs in the past (stale), and again at the clock when called without', async () => {
    const at = new Date(pki.clock.getTime() - 30 * HOUR);
    const stale = await pki.publishCrls({ at });
    expect(stale.every((crl) => crl.nextUpdate.getTime() < Date.now())).toBe(true);
    const fresh = await pki.publishCrls();
    expect(fresh.every((crl) => crl.nextUpdate.getTime() > Date.now())).toBe(true);
    expect(fresh[1]!.crlNumber).toBeGreaterThan(stale[1]!.crlNumber);
  });
});

describe('PKCS#12 export', () => {
  it('writes key + leaf + issuing CA + root, mode 0600, loadable by Node (OpenSSL 3 default provider) with the password', async () => {
    const server = await pki.issue('bridging-proxy-server', {
      name: 'proxy-server',
      dnsNames: ['mp.ibcm-lab.example', 'dp.ibcm-lab.example'],
    });
    const exported = await pki.exportPkcs12(server, 'pässword-123');
    expect(exported.path).toBe(path.join(pki.dir, 'certs', 'proxy-server.p12'));
    expect(statSync(exported.path).mode & 0o777).toBe(0o600);
    const der = readFileSync(exported.path);
    expect(() => tls.createSecureContext({ pfx: der, passphrase: 'pässword-123' })).not.toThrow();
    expect(() => tls.createSecureContext({ pfx: der, passphrase: 'wrong' })).toThrow();
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), 'pässword-123');
    const certBags = p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!]!;
    const certs = certBags.map((bag) => bag.cert!.subject.getField('CN').value as string);
    expect(certs).toEqual(['mp.ibcm-lab.example', 'IBCM Lab Issuing CA', 'IBCM Lab Root CA']);
    const keys = p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!]!;
    expect(keys).toHaveLength(1);
    expect(forge.pki.privateKeyToPem(keys[0]!.key!)).toBe(forge.pki.privateKeyToPem(forge.pki.privateKeyFromPem(server.keyPem)));
  });
});
