/**
 * A certificate authority of the lab: its key pair, certificate, revocation
 * list and the CRL it currently publishes.
 */
import { webcrypto } from 'node:crypto';
import {
  SIGNING_ALGORITHM,
  type KeyPair,
  ensureTrailingNewline,
  privateKeyPem,
  randomSerialNumber,
  serialNumberFor,
  x509,
} from './crypto.js';
import { type RevocationEntry, signCrl, toPublishedCrl } from './crl.js';
import type { PkiStore } from './store.js';
import type { PublishedCrl, RevocationReason } from './types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface CaIdentity {
  /** Subject DN, e.g. "CN=IBCM Lab Issuing CA, O=IBCM Lab". */
  subject: string;
  /** File stem for the certificate, key and CRL; the CRL URL is <cdpBaseUrl>/<fileStem>.crl. */
  fileStem: string;
  validityDays: number;
}

interface CaContext {
  store: PkiStore;
  cdpBaseUrl: string;
  /** Current lab clock. */
  clock: Date;
  /** Appliance mode: serials derived from this lasting seed (crypto.ts serialNumberFor); random otherwise. */
  serialSeed?: string;
}

export interface SignCertificateParams {
  serialNumber: string;
  subject: x509.JsonName | x509.Name | string;
  publicKey: webcrypto.CryptoKey;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}

export class CertificateAuthority {
  readonly certPem: string;
  /** Lower-case hex. */
  readonly serialNumber: string;
  private readonly revoked = new Map<string, RevocationEntry>();
  private crlNumber = 0;
  private current: PublishedCrl | undefined;
  private crlQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly identity: CaIdentity,
    readonly cert: x509.X509Certificate,
    readonly keys: KeyPair,
    /** Subject key identifier, hex. */
    readonly keyId: string,
    /** Where this CA's CRL is published (goes into the CDP of certificates it signs). */
    readonly crlUrl: string,
    private readonly store: PkiStore,
  ) {
    this.certPem = ensureTrailingNewline(cert.toString('pem'));
    this.serialNumber = cert.serialNumber.toLowerCase();
  }

  static crlUrlFor(cdpBaseUrl: string, fileStem: string): string {
    return `${cdpBaseUrl}/${fileStem}.crl`;
  }

  /** Self-signed root: basicConstraints CA:true (critical), keyCertSign+cRLSign (critical), SKI. No CDP. */
  static async createRoot(identity: CaIdentity, keys: KeyPair, ctx: CaContext): Promise<CertificateAuthority> {
    const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumberFor(ctx.serialSeed, identity.fileStem),
      name: identity.subject,
      keys,
      notBefore: new Date(ctx.clock.getTime() - HOUR),
      notAfter: new Date(ctx.clock.getTime() + identity.validityDays * DAY),
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        ski,
      ],
    });
    return new CertificateAuthority(
      identity,
      cert,
      keys,
      ski.keyId,
      CertificateAuthority.crlUrlFor(ctx.cdpBaseUrl, identity.fileStem),
      ctx.store,
    );
  }

  /**
   * Subordinate (issuing) CA signed by `parent`: basicConstraints CA:true
   * pathLen 0 (critical), keyCertSign+cRLSign (critical), SKI, AKI, CDP → parent's CRL.
   */
  static async createSubordinate(
    identity: CaIdentity,
    keys: KeyPair,
    parent: CertificateAuthority,
    ctx: CaContext,
  ): Promise<CertificateAuthority> {
    const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
    const cert = await parent.signCertificate({
      serialNumber: serialNumberFor(ctx.serialSeed, identity.fileStem),
      subject: identity.subject,
      publicKey: keys.publicKey,
      notBefore: new Date(ctx.clock.getTime() - HOUR),
      notAfter: new Date(ctx.clock.getTime() + identity.validityDays * DAY),
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        ski,
        new x509.AuthorityKeyIdentifierExtension(parent.keyId),
        new x509.CRLDistributionPointsExtension([parent.crlUrl]),
      ],
    });
    return new CertificateAuthority(
      identity,
      cert,
      keys,
      ski.keyId,
      CertificateAuthority.crlUrlFor(ctx.cdpBaseUrl, identity.fileStem),
      ctx.store,
    );
  }

  /**
   * A cross-certificate: this CA (of another hierarchy) certifies `subject` — the same subject name
   * and public key, so `subject`'s certificates chain to this CA too. basicConstraints CA:true
   * (critical, no path length: the subject's own subordinates stay below it), keyCertSign+cRLSign
   * (critical), the subject's own SKI (so its certificates' AKI still matches), AKI → this CA, CDP →
   * this CA's CRL (where a relying party looks up the cross-certificate's serial).
   */
  async crossCertify(subject: CertificateAuthority, clock: Date): Promise<x509.X509Certificate> {
    return this.signCertificate({
      serialNumber: randomSerialNumber(),
      subject: subject.cert.subjectName, // byte for byte the subject's own name
      publicKey: subject.keys.publicKey,
      notBefore: new Date(clock.getTime() - HOUR),
      // Not beyond the certifying CA's own validity.
      notAfter: new Date(Math.min(subject.cert.notAfter.getTime(), this.cert.notAfter.getTime())),
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        new x509.SubjectKeyIdentifierExtension(subject.keyId),
        new x509.AuthorityKeyIdentifierExtension(this.keyId),
        new x509.CRLDistributionPointsExtension([this.crlUrl]),
      ],
    });
  }

  signCertificate(params: SignCertificateParams): Promise<x509.X509Certificate> {
    return x509.X509CertificateGenerator.create({
      serialNumber: params.serialNumber,
      subject: params.subject,
      issuer: this.cert.subjectName,
      publicKey: params.publicKey,
      signingKey: this.keys.privateKey,
      notBefore: params.notBefore,
      notAfter: params.notAfter,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: params.extensions,
    });
  }

  /** Writes certs/<stem>.pem and keys/<stem>.key (0600). */
  async writeFiles(): Promise<void> {
    const keyPem = await privateKeyPem(this.keys.privateKey);
    await Promise.all([
      this.store.writePublic(this.store.certPath(this.identity.fileStem), this.certPem),
      this.store.writeSecret(this.store.keyPath(this.identity.fileStem), keyPem),
    ]);
  }

  /** Records a revocation (does not re-sign; call publishCrl). */
  addRevocation(serialNumber: string, reason: RevocationReason, date: Date): void {
    this.revoked.set(serialNumber, { serialNumber, reason, revocationDate: new Date(date) });
  }

  /**
   * Signs a new CRL (thisUpdate = clock, nextUpdate = clock + validityHours),
   * increments the CRL Number, writes crl/<stem>.crl (DER) and .crl.pem.
   * Calls are serialized so the newest CRL always wins.
   */
  publishCrl(clock: Date, validityHours: number): Promise<PublishedCrl> {
    const run = async (): Promise<PublishedCrl> => {
      const crlNumber = ++this.crlNumber;
      const entries = [...this.revoked.values()];
      const thisUpdate = new Date(clock);
      const crl = await signCrl({
        signer: { cert: this.cert, signingKey: this.keys.privateKey, keyId: this.keyId },
        entries,
        thisUpdate,
        nextUpdate: new Date(thisUpdate.getTime() + validityHours * HOUR),
        crlNumber,
      });
      const published = toPublishedCrl(crl, {
        url: this.crlUrl,
        crlNumber,
        revokedSerials: entries.map((e) => e.serialNumber),
        filePath: this.store.crlDerPath(this.identity.fileStem),
      });
      await Promise.all([
        this.store.writePublic(published.filePath, published.der),
        this.store.writePublic(this.store.crlPemPath(this.identity.fileStem), published.pem),
      ]);
      this.current = published;
      return published;
    };
    const next = this.crlQueue.then(run, run);
    this.crlQueue = next.catch(() => undefined);
    return next;
  }

  /** The CRL currently published (throws before the first publishCrl). */
  get crl(): PublishedCrl {
    if (!this.current) throw new Error(`${this.identity.subject} has not published a CRL yet`);
    return this.current;
  }
}
