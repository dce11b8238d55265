// The client's revocation checking (research W:50) without a network: chains and CRLs from a lab
// PKI, CRL downloads answered by a fake fetcher. Good chain, revoked leaf, revoked issuing CA, and
// every way a CRL can be unavailable or unusable — each fails closed with CERT_REV_FAILED naming the
// certificate, the CRL URL and what the client saw.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateRevocationError, RevocationChecker, crlDistributionUrls, type CrlFetcher } from '../../harness/client/revocation.js';
import { LabPki, x509, type IssuedCertificate } from '../../harness/pki/index.js';

const CDP = 'http://crl.ibcm-lab.example:20080';
const HOUR = 3_600_000;
let tmp: string;
let pki: LabPki;
let mp: IssuedCertificate;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-lab-revocation-'));
  pki = await LabPki.create({ dir: path.join(tmp, 'pki'), cdpBaseUrl: CDP });
  mp = await pki.issue('site-system-web-server', { name: 'mp1', dnsNames: ['mp.ibcm-lab.example', 'mp1.corp.ibcm-lab.test'] });
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const der = (pem: string) => new X509Certificate(pem).raw;
const chainOf = (leaf: IssuedCertificate) => [der(leaf.certPem), der(pki.issuingCaPem), der(pki.rootCaPem)];

/** Serves the lab's current CRLs by URL, and counts the downloads. */
function cdp(overrides: Record<string, Awaited<ReturnType<CrlFetcher>>> = {}): CrlFetcher & { calls: string[] } {
  const calls: string[] = [];
  const fetcher = (async (url: string) => {
    calls.push(url);
    if (url in overrides) return overrides[url]!;
    const crl = pki.allCrls().find((candidate) => candidate.url === url);
    return crl ? { status: 200, body: crl.der } : { status: 404, body: Buffer.alloc(0) };
  }) as CrlFetcher & { calls: string[] };
  fetcher.calls = calls;
  return fetcher;
}

const issuingCrlUrl = `${CDP}/IBCM-Lab-Issuing-CA.crl`;
const rootCrlUrl = `${CDP}/IBCM-Lab-Root-CA.crl`;

describe('RevocationChecker', () => {
  it('checks leaf and issuing CA against their CRLs, and not the root', async () => {
    const report = await new RevocationChecker(cdp()).check(chainOf(mp));
    expect(report.finding).toBeUndefined();
    expect(report.certificates.map((certificate) => [certificate.subject, certificate.status, certificate.crlUrl])).toEqual([
      ['CN=mp.ibcm-lab.example', 'good', issuingCrlUrl],
      ['CN=IBCM Lab Issuing CA, O=IBCM Lab', 'good', rootCrlUrl],
    ]);
    expect(report.crlPems).toHaveLength(2);
    expect(report.crlPems.every((pem) => pem.startsWith('-----BEGIN X509 CRL-----'))).toBe(true);
  });

  it('reads the CDP URLs of a certificate', () => {
    expect(crlDistributionUrls(new x509.X509Certificate(mp.certPem))).toEqual([issuingCrlUrl]);
  });

  it('refuses a revoked leaf with CERT_REVOKED, naming it and the CRL', async () => {
    const revoked = await pki.issue('site-system-web-server', { name: 'mp-revoked', dnsNames: ['mp.ibcm-lab.example'] });
    await pki.revoke(revoked.serialNumber, 'keyCompromise');
    const report = await new RevocationChecker(cdp()).check(chainOf(revoked));
    expect(report.finding).toMatchObject({
      code: 'CERT_REVOKED',
      crlUrls: [issuingCrlUrl],
      certificate: { subject: 'CN=mp.ibcm-lab.example', serialNumber: revoked.serialNumber.toUpperCase() },
    });
    expect(report.finding!.message).toContain(issuingCrlUrl);
    expect(report.finding!.revokedAt).toMatch(/^\d{4}-/);
    expect(new CertificateRevocationError(report.finding!).code).toBe('CERT_REVOKED');
  });

  it('refuses a chain whose issuing CA is on the root CRL', async () => {
    const other = await LabPki.create({ dir: path.join(tmp, 'other'), cdpBaseUrl: CDP });
    const leaf = await other.issue('site-system-web-server', { name: 'leaf', dnsNames: ['mp.ibcm-lab.example'] });
    const issuingSerial = new X509Certificate(other.issuingCaPem).serialNumber;
    await other.revoke(issuingSerial);
    const fetcher: CrlFetcher = async (url) => ({ status: 200, body: other.crls().find((crl) => crl.url === url)!.der });
    const report = await new RevocationChecker(fetcher).check([der(leaf.certPem), der(other.issuingCaPem), der(other.rootCaPem)]);
    expect(report.finding).toMatchObject({
      code: 'CERT_REVOKED',
      certificate: { subject: 'CN=IBCM Lab Issuing CA, O=IBCM Lab' },
      crlUrls: [rootCrlUrl],
    });
  });

  it.each([
    ['the CDP refuses the connection', { error: 'ECONNREFUSED connect ECONNREFUSED 127.0.0.1:20080' }, /fetch failed: ECONNREFUSED/],
    ['the CDP answers 404', { status: 404, body: Buffer.alloc(0) }, /HTTP 404/],
    ['the CDP answers something that is not a CRL', { status: 200, body: Buffer.from('<html>captive portal</html>') }, /not a CRL/],
  ])('fails closed when %s', async (_what, answer, outcome) => {
    const report = await new RevocationChecker(cdp({ [issuingCrlUrl]: answer })).check(chainOf(mp));
    expect(report.finding).toMatchObject({
      code: 'CERT_REV_FAILED',
      crlUrls: [issuingCrlUrl],
      certificate: { subject: 'CN=mp.ibcm-lab.example' },
    });
    expect(report.finding!.attempts).toEqual([
      expect.objectContaining({ url: issuingCrlUrl, ok: false, outcome: expect.stringMatching(outcome) }),
    ]);
    expect(report.finding!.message).toMatch(/^CERT_REV_FAILED: .*CN=mp\.ibcm-lab\.example.*fail closed/);
  });

  it('fails closed on a CRL signed by another CA, and on one whose signature does not verify', async () => {
    const untrusted = await pki.untrusted();
    const foreign = untrusted.crls()[1]!;
    const wrongIssuer = await new RevocationChecker(cdp({ [issuingCrlUrl]: { status: 200, body: foreign.der } })).check(chainOf(mp));
    expect(wrongIssuer.finding?.attempts[0]?.outcome).toMatch(
      /issued by CN=IBCM Lab Untrusted Issuing CA.*not by the certificate's issuer/,
    );
    const tampered = Buffer.from(pki.crls()[1]!.der);
    tampered[tampered.length - 5]! ^= 0xff; // inside the signature value
    const badSignature = await new RevocationChecker(cdp({ [issuingCrlUrl]: { status: 200, body: tampered } })).check(chainOf(mp));
    expect(badSignature.finding?.attempts[0]?.outcome).toMatch(/signature does not verify/);
  });

  it('fails closed on a stale CRL (nextUpdate passed) and on one not valid yet', async () => {
    const now = Date.now();
    const stale = await new RevocationChecker(cdp(), () => new Date(now + 48 * HOUR)).check(chainOf(mp));
    expect(stale.finding?.code).toBe('CERT_REV_FAILED');
    expect(stale.finding?.attempts[0]?.outcome).toMatch(/^stale: its nextUpdate .* has passed$/);
    const early = await new RevocationChecker(cdp(), () => new Date(now - 48 * HOUR)).check(chainOf(mp));
    expect(early.finding?.attempts[0]?.outcome).toMatch(/not valid yet/);
  });

  it('fails closed on an LDAP-only CDP (unreachable from the internet) without trying to fetch it', async () => {
    const ldap =
      'ldap:///CN=IBCM%20Lab%20Issuing%20CA,CN=cdp,CN=CDP,CN=Public%20Key%20Services,CN=Services,CN=Configuration,DC=corp,DC=ibcm-lab,DC=test?certificateRevocationList?base?objectClass=cRLDistributionPoint';
    const leaf = await pki.issue('site-system-web-server', { name: 'mp-ldap', dnsNames: ['mp.ibcm-lab.example'], cdpUrls: [ldap] });
    const fetcher = cdp();
    const report = await new RevocationChecker(fetcher).check(chainOf(leaf));
    expect(report.finding).toMatchObject({ code: 'CERT_REV_FAILED', crlUrls: [ldap] });
    expect(report.finding!.attempts[0]!.outcome).toMatch(/LDAP URL.*not reachable from the internet/);
    expect(fetcher.calls).toEqual([]);
  });

  it('tries the next CDP URL when the first fails', async () => {
    const leaf = await pki.issue('site-system-web-server', {
      name: 'mp-two-cdps',
      dnsNames: ['mp.ibcm-lab.example'],
      cdpUrls: ['ldap:///CN=x', issuingCrlUrl],
    });
    const report = await new RevocationChecker(cdp()).check(chainOf(leaf));
    expect(report.finding).toBeUndefined();
    expect(report.attempts.map((attempt) => attempt.ok)).toEqual([false, true, true]);
  });

  it('fails closed when the certificate names no CDP, or its issuer is not in the chain', async () => {
    const noCdp = await pki.issue('site-system-web-server', { name: 'mp-no-cdp', dnsNames: ['mp.ibcm-lab.example'], omitCdp: true });
    expect((await new RevocationChecker(cdp()).check(chainOf(noCdp))).finding?.message).toMatch(/names no CRL distribution point/);
    expect((await new RevocationChecker(cdp()).check([der(mp.certPem)])).finding?.message).toMatch(/issuer .* is not in the chain/);
  });

  it('accepts a PEM CRL, caches CRLs while current, and hands them out for the TLS context', async () => {
    let now = Date.now();
    const pem = pki.crls()[1]!.pem;
    const fetcher = cdp({ [issuingCrlUrl]: { status: 200, body: Buffer.from(pem) } });
    const checker = new RevocationChecker(fetcher, () => new Date(now));
    expect((await checker.check(chainOf(mp))).finding).toBeUndefined();
    expect((await checker.check(chainOf(mp))).attempts.every((attempt) => attempt.cached)).toBe(true);
    expect(fetcher.calls).toEqual([issuingCrlUrl, rootCrlUrl]);
    expect(checker.currentCrlPems([issuingCrlUrl, rootCrlUrl])).toHaveLength(2);
    expect(checker.currentCrlPems([issuingCrlUrl, `${CDP}/unknown.crl`])).toBeUndefined();
    now += 25 * HOUR; // past nextUpdate: the cache no longer counts, the client fetches again…
    expect(checker.currentCrlPems([issuingCrlUrl])).toBeUndefined();
    const later = await checker.check(chainOf(mp));
    expect(fetcher.calls).toEqual([issuingCrlUrl, rootCrlUrl, issuingCrlUrl]);
    // …and the CDP still has the same CRL, now stale: fail closed.
    expect(later.finding?.attempts[0]?.outcome).toMatch(/^stale/);
  });
});
