// The lab root cross-certified by the untrusted hierarchy's root (quirk
// `pki-cross-certified-by-another-root`): a server that sends the cross-certificate after its chain is
// accepted by a client that trusts only the other root, through the path leaf → issuing CA → lab root
// (certified by) → other root, and still by a client that trusts the lab root, which stops at its own
// root. The client's revocation check walks the path it verified in both cases (not the certificates
// the server sent, which run past the lab root), and the CDP has a CRL for every certificate of it.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RevocationChecker } from '../../harness/client/revocation.js';
import { pathToTrustedRoot, peerChain } from '../../harness/client/transport.js';
import { LabPki, x509, type IssuedCertificate, type UntrustedPki } from '../../harness/pki/index.js';

const MP = 'mp.ibcm-lab.example';
const CDP = 'http://crl.ibcm-lab.example:20080';
let tmp: string;
let pki: LabPki;
let untrusted: UntrustedPki;
let server: IssuedCertificate;
let crossPem: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-lab-pki-cross-'));
  pki = await LabPki.create({ dir: path.join(tmp, 'pki'), cdpBaseUrl: CDP });
  [server, crossPem] = await Promise.all([pki.issue('site-system-web-server', { name: 'mp', dnsNames: [MP] }), pki.crossCertifyRoot()]);
  untrusted = await pki.untrusted();
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const subjectKey = (certificate: X509Certificate) => certificate.publicKey.export({ type: 'spki', format: 'der' });

describe('LabPki.crossCertifyRoot', () => {
  it('certifies the lab root (its subject, its key, its key identifier) by the untrusted root, with a CDP for the cross-certificate', () => {
    const cross = new X509Certificate(crossPem);
    const root = new X509Certificate(pki.rootCaPem);
    const otherRoot = new X509Certificate(untrusted.rootCaPem);
    expect(cross.subject).toBe(root.subject);
    expect(cross.issuer).toBe(otherRoot.subject);
    expect(subjectKey(cross).equals(subjectKey(root))).toBe(true);
    expect(cross.ca).toBe(true);
    expect(cross.verify(otherRoot.publicKey)).toBe(true);
    expect(cross.checkIssued(otherRoot)).toBe(true);
    // The lab issuing CA is "issued" by the cross-certificate too: same name, same key identifier, same key.
    expect(new X509Certificate(pki.issuingCaPem).checkIssued(cross)).toBe(true);
    const parsed = new x509.X509Certificate(crossPem);
    const ski = (certificate: x509.X509Certificate) => certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    expect(ski(parsed)).toBe(ski(new x509.X509Certificate(pki.rootCaPem)));
    const cdp = parsed
      .getExtension(x509.CRLDistributionPointsExtension)!
      .distributionPoints.flatMap((point) => point.distributionPoint?.fullName?.map((name) => name.uniformResourceIdentifier) ?? []);
    expect(cdp).toEqual([`${CDP}/IBCM-Lab-Untrusted-Root-CA.crl`]);
    expect(pki.allCrls().map((crl) => crl.url)).toContain(`${CDP}/IBCM-Lab-Untrusted-Root-CA.crl`);
  });

  it('is made once and written under the untrusted hierarchy', async () => {
    expect(await pki.crossCertifyRoot()).toBe(crossPem);
    expect(readFileSync(path.join(untrusted.dir, 'certs', 'IBCM-Lab-Root-CA-cross.pem'), 'utf8')).toBe(crossPem);
  });
});

/** A TLS server sending `chainPem`; what a client trusting `ca` verified, and the path it checks for revocation. */
async function meet(chainPem: string, ca: string): Promise<{ authorized: boolean; error: string | null; path: X509Certificate[] }> {
  const listener = tls.createServer({ key: server.keyPem, cert: chainPem }, (socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  try {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: (listener.address() as AddressInfo).port,
      servername: MP,
      ca,
      rejectUnauthorized: false,
    });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const result = {
      authorized: socket.authorized,
      error: socket.authorizationError ? String(socket.authorizationError) : null,
      path: peerChain(socket, ca).map((der) => new X509Certificate(der)),
    };
    socket.destroy();
    return result;
  } finally {
    await new Promise((resolve) => listener.close(resolve));
  }
}

/** The client's revocation check over `chain`, with the CRLs the lab's CDP serves. */
function checkRevocation(chain: X509Certificate[]) {
  const crls = new Map(pki.allCrls().map((crl) => [crl.url, crl.der]));
  const checker = new RevocationChecker(
    async (url) => (crls.has(url) ? { status: 200, body: crls.get(url)! } : { status: 404 }),
    () => pki.clock,
  );
  return checker.check(chain.map((certificate) => certificate.raw));
}

describe('a server that sends the cross-certificate', () => {
  it('is refused by a client that trusts only the other root when it does not send it (the control)', async () => {
    const met = await meet(server.chainPem, untrusted.rootCaPem);
    expect(met.authorized).toBe(false);
  });

  it('is accepted by a client that trusts only the other root, through the cross-certificate, whose every link has a CRL', async () => {
    const met = await meet(server.chainPem + crossPem, untrusted.rootCaPem);
    expect(met.error).toBeNull();
    expect(met.authorized).toBe(true);
    expect(met.path.map((certificate) => certificate.subject.split('\n')[0])).toEqual([
      `CN=${MP}`,
      'CN=IBCM Lab Issuing CA',
      'CN=IBCM Lab Root CA',
      'CN=IBCM Lab Untrusted Root CA',
    ]);
    expect(met.path[2]!.raw.equals(new X509Certificate(crossPem).raw)).toBe(true);
    const report = await checkRevocation(met.path);
    expect(report.finding).toBeUndefined();
    expect(report.certificates.map((certificate) => certificate.status)).toEqual(['good', 'good', 'good']);
  });

  it('still ends at the lab root for a client that trusts it: the path and its revocation check do not run on to the other root', async () => {
    const met = await meet(server.chainPem + crossPem, pki.rootCaPem);
    expect(met.authorized).toBe(true);
    expect(met.path.map((certificate) => certificate.raw.equals(new X509Certificate(pki.rootCaPem).raw))).toEqual([false, false, true]);
    const report = await checkRevocation(met.path);
    expect(report.finding).toBeUndefined();
    expect(report.certificates).toHaveLength(2);
  });
});

describe('pathToTrustedRoot', () => {
  it('leaves a chain alone without trusted roots, or when no trusted root issued any of it', () => {
    const chain = [server.certPem, pki.issuingCaPem].map((pem) => new X509Certificate(pem).raw);
    expect(pathToTrustedRoot(chain)).toEqual(chain);
    expect(pathToTrustedRoot(chain, untrusted.rootCaPem)).toEqual(chain);
  });

  it('cuts the sent certificates after the one a trusted root issued and appends that root', () => {
    const [leaf, issuing, cross] = [server.certPem, pki.issuingCaPem, crossPem].map((pem) => new X509Certificate(pem).raw);
    const root = new X509Certificate(pki.rootCaPem).raw;
    expect(pathToTrustedRoot([leaf!, issuing!, cross!], pki.rootCaPem + untrusted.rootCaPem)).toEqual([leaf, issuing, root]);
  });
});
