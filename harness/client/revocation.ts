// Revocation checking of the site systems' certificates, as the ConfigMgr client does by default
// (research W:50; seed 001 "CRL checking"): for every certificate of the server chain, fetch a CRL
// from a distribution point the certificate names, check it was signed by the certificate's issuer
// and is current, and look for the serial. Node's TLS client does not fetch CRLs by itself
// (platform notes), so the client does it after the handshake and before it sends a request.
// Fail closed: when no current, correctly signed CRL can be had for a certificate, the client
// treats the chain as revoked (WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED).
//
// The fetcher is given (HTTP over the lab DNS, through the web proxy where there is one), so this
// module is plain logic and testable without a network.
import { x509 } from '../pki/x509.js';

export type RevocationCode = 'CERT_REVOKED' | 'CERT_REV_FAILED';

/** One try at one CRL URL: what the client saw. */
export interface CrlAttempt {
  url: string;
  /** `ok`, or what was wrong, in words (refused, 404, stale since …, bad signature …). */
  outcome: string;
  ok: boolean;
  status?: number;
  crlIssuer?: string;
  thisUpdate?: string;
  nextUpdate?: string;
  crlNumber?: string;
  /** Answered from the client's CRL cache (fetched earlier, still current). */
  cached?: boolean;
}

export interface CertificateIdentity {
  subject: string;
  issuer: string;
  /** Upper-case hex, as Node prints it. */
  serialNumber: string;
}

export interface CheckedCertificate extends CertificateIdentity {
  crlUrls: string[];
  status: 'good' | 'revoked' | 'unknown';
  /** The CRL that decided it. */
  crlUrl?: string;
}

export interface RevocationFinding {
  code: RevocationCode;
  /** The certificate whose status was revoked or could not be learnt. */
  certificate: CertificateIdentity;
  /** The CRL URLs that certificate names. */
  crlUrls: string[];
  attempts: CrlAttempt[];
  /** CERT_REVOKED: when the CA revoked it. */
  revokedAt?: string;
  message: string;
}

export interface RevocationReport {
  certificates: CheckedCertificate[];
  attempts: CrlAttempt[];
  /** PEM of every CRL that was used (what the TLS context can be given as `crl`). */
  crlPems: string[];
  finding?: RevocationFinding;
}

export class CertificateRevocationError extends Error {
  override name = 'CertificateRevocationError';
  readonly code: RevocationCode;
  constructor(readonly finding: RevocationFinding) {
    super(finding.message);
    this.code = finding.code;
  }
}

export type CrlFetcher = (url: string) => Promise<{ status?: number; body?: Buffer; error?: string }>;

interface CachedCrl {
  crl: x509.X509Crl;
  pem: string;
}

const OID_CRL_NUMBER = '2.5.29.20';

/**
 * Parsing certificates and CRLs (asn1js) and verifying a CRL's signature cost milliseconds each, and
 * every client of a run re-checks the same few chains and CRLs on every connection (a sixth of a
 * conformance run's CPU). The results depend on the bytes alone, so they are kept per process, keyed
 * by the bytes: every client still fetches and judges its CRLs itself, as before (a cache of
 * parsing, not of revocation state). Bounded, oldest first out.
 */
class ParseCache<T> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly limit: number) {}
  get(key: string, make: () => T): T {
    let value = this.entries.get(key);
    if (value === undefined) {
      value = make();
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, value);
    }
    return value;
  }
}

const parsedCertificates = new ParseCache<{ certificate: x509.X509Certificate; crlUrls: string[] }>(512);
const parsedCrls = new ParseCache<{ crl: x509.X509Crl; pem: string }>(256);
const crlSignatures = new ParseCache<Promise<boolean>>(512);

function parsedCertificate(der: Buffer): { certificate: x509.X509Certificate; crlUrls: string[] } {
  return parsedCertificates.get(der.toString('base64'), () => {
    const certificate = new x509.X509Certificate(der);
    return { certificate, crlUrls: crlDistributionUrls(certificate) };
  });
}

export function serialOf(certificate: x509.X509Certificate): string {
  return certificate.serialNumber.toUpperCase().replace(/^0+(?=.)/, '');
}

function identityOf(certificate: x509.X509Certificate): CertificateIdentity {
  return { subject: certificate.subject, issuer: certificate.issuer, serialNumber: serialOf(certificate) };
}

/** The CDP URLs (fullName URIs) a certificate names, in order. */
export function crlDistributionUrls(certificate: x509.X509Certificate): string[] {
  const extension = certificate.getExtension(x509.CRLDistributionPointsExtension);
  if (!extension) return [];
  return extension.distributionPoints.flatMap((point) =>
    (point.distributionPoint?.fullName ?? []).flatMap((name) => (name.uniformResourceIdentifier ? [name.uniformResourceIdentifier] : [])),
  );
}

function crlNumberOf(crl: x509.X509Crl): string | undefined {
  const extension = crl.extensions.find((candidate) => candidate.type === OID_CRL_NUMBER);
  if (!extension) return undefined;
  // DER INTEGER: 02 len value…
  const value = Buffer.from(extension.value);
  return value[0] === 0x02 ? BigInt(`0x${value.subarray(2, 2 + value[1]!).toString('hex') || '0'}`).toString() : undefined;
}

function unreachableScheme(url: string): string | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return 'not a URL';
  }
  if (protocol === 'http:') return undefined;
  if (protocol === 'ldap:') return 'an LDAP URL: the directory is on the intranet and not reachable from the internet';
  return `a ${protocol.replace(/:$/, '')}: URL, which the client does not fetch CRLs from`;
}

export class RevocationChecker {
  private readonly cache = new Map<string, CachedCrl>();

  constructor(
    private readonly fetchCrl: CrlFetcher,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Checks a server chain: DER certificates, leaf first, then its issuers (the trust anchor last, as
   * `getPeerCertificate(true)` gives it). Every certificate but a self-signed root is checked.
   */
  async check(chainDer: Buffer[]): Promise<RevocationReport> {
    const parsed = chainDer.map(parsedCertificate);
    const chain = parsed.map((entry) => entry.certificate);
    const report: RevocationReport = { certificates: [], attempts: [], crlPems: [] };
    for (const [index, certificate] of chain.entries()) {
      if (certificate.subject === certificate.issuer && index === chain.length - 1) break; // the trust anchor
      const identity = identityOf(certificate);
      const crlUrls = [...parsed[index]!.crlUrls];
      const issuer = chain[index + 1];
      const checked: CheckedCertificate = { ...identity, crlUrls, status: 'unknown' };
      report.certificates.push(checked);
      const fail = (attempts: CrlAttempt[], why: string): RevocationReport => {
        report.finding = {
          code: 'CERT_REV_FAILED',
          certificate: identity,
          crlUrls,
          attempts,
          message: `CERT_REV_FAILED: the revocation status of ${identity.subject} (serial ${identity.serialNumber}) could not be checked: ${why}; the client treats the chain as revoked (fail closed)`,
        };
        return report;
      };
      if (!issuer || issuer.subject !== certificate.issuer) return fail([], `its issuer ${certificate.issuer} is not in the chain`);
      if (crlUrls.length === 0) return fail([], 'the certificate names no CRL distribution point');
      const attempts: CrlAttempt[] = [];
      let found: { url: string; crl: CachedCrl } | undefined;
      for (const url of crlUrls) {
        const result = await this.crlFor(url, issuer);
        attempts.push(result.attempt);
        if (result.crl) {
          found = { url, crl: result.crl };
          break;
        }
      }
      report.attempts.push(...attempts);
      if (!found) return fail(attempts, attempts.map((attempt) => `${attempt.url} → ${attempt.outcome}`).join('; '));
      if (!report.crlPems.includes(found.crl.pem)) report.crlPems.push(found.crl.pem);
      checked.crlUrl = found.url;
      const entry = found.crl.crl.findRevoked(certificate);
      if (entry) {
        checked.status = 'revoked';
        const revokedAt = entry.revocationDate.toISOString();
        report.finding = {
          code: 'CERT_REVOKED',
          certificate: identity,
          crlUrls,
          attempts,
          revokedAt,
          message: `CERT_REVOKED: ${identity.subject} (serial ${identity.serialNumber}) is on the CRL at ${found.url} (CRL number ${attempts.at(-1)?.crlNumber ?? '?'}, revoked ${revokedAt})`,
        };
        return report;
      }
      checked.status = 'good';
    }
    return report;
  }

  /** PEMs of cached, still current CRLs for these URLs — or undefined unless every URL has one. */
  currentCrlPems(urls: string[]): string[] | undefined {
    const now = this.now();
    const pems: string[] = [];
    for (const url of urls) {
      const cached = this.cache.get(url);
      if (!cached || !isCurrent(cached.crl, now)) return undefined;
      pems.push(cached.pem);
    }
    return pems;
  }

  private async crlFor(url: string, issuer: x509.X509Certificate): Promise<{ attempt: CrlAttempt; crl?: CachedCrl }> {
    const now = this.now();
    const cached = this.cache.get(url);
    if (cached && isCurrent(cached.crl, now) && cached.crl.issuer === issuer.subject)
      return { attempt: { ...describe(url, cached.crl), ok: true, outcome: 'ok', cached: true }, crl: cached };
    const unreachable = unreachableScheme(url);
    if (unreachable) return { attempt: { url, ok: false, outcome: unreachable } };
    const response = await this.fetchCrl(url);
    if (response.error) return { attempt: { url, ok: false, outcome: `fetch failed: ${response.error}` } };
    if (response.status !== 200 || !response.body)
      return { attempt: { url, ok: false, status: response.status, outcome: `HTTP ${response.status ?? 'no answer'}` } };
    let parsedCrl: { crl: x509.X509Crl; pem: string };
    try {
      const body = response.body;
      parsedCrl = parsedCrls.get(body.toString('base64'), () => {
        const text = body.subarray(0, 32).toString('latin1');
        const parsed = text.startsWith('-----BEGIN') ? new x509.X509Crl(body.toString('latin1')) : new x509.X509Crl(new Uint8Array(body));
        return { crl: parsed, pem: x509.PemConverter.encode(parsed.rawData, 'X509 CRL') + '\n' };
      });
    } catch (error) {
      return { attempt: { url, ok: false, status: 200, outcome: `not a CRL: ${(error as Error).message}` } };
    }
    const crl = parsedCrl.crl;
    const attempt: CrlAttempt = { ...describe(url, crl), status: 200, ok: false, outcome: '' };
    if (crl.issuer !== issuer.subject)
      return { attempt: { ...attempt, outcome: `issued by ${crl.issuer}, not by the certificate's issuer ${issuer.subject}` } };
    const signed = await crlSignatures.get(
      `${Buffer.from(crl.rawData).toString('base64')} ${Buffer.from(issuer.rawData).toString('base64')}`,
      () => crl.verify({ publicKey: issuer }).catch(() => false),
    );
    if (!signed) return { attempt: { ...attempt, outcome: `its signature does not verify with ${issuer.subject}'s key` } };
    if (crl.thisUpdate.getTime() > now.getTime())
      return { attempt: { ...attempt, outcome: `not valid yet (thisUpdate ${crl.thisUpdate.toISOString()})` } };
    if (!isCurrent(crl, now))
      return { attempt: { ...attempt, outcome: `stale: its nextUpdate ${crl.nextUpdate?.toISOString()} has passed` } };
    const entry: CachedCrl = { crl, pem: parsedCrl.pem };
    this.cache.set(url, entry);
    return { attempt: { ...attempt, ok: true, outcome: 'ok' }, crl: entry };
  }
}

function isCurrent(crl: x509.X509Crl, now: Date): boolean {
  return crl.thisUpdate.getTime() <= now.getTime() && (crl.nextUpdate === undefined || crl.nextUpdate.getTime() >= now.getTime());
}

const descriptions = new WeakMap<x509.X509Crl, Omit<CrlAttempt, 'outcome' | 'ok' | 'url'>>();

function describe(url: string, crl: x509.X509Crl): Omit<CrlAttempt, 'outcome' | 'ok'> {
  let described = descriptions.get(crl);
  if (!described) {
    described = {
      crlIssuer: crl.issuer,
      thisUpdate: crl.thisUpdate.toISOString(),
      nextUpdate: crl.nextUpdate?.toISOString(),
      crlNumber: crlNumberOf(crl),
    };
    descriptions.set(crl, described);
  }
  return { url, ...described };
}
