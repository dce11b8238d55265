/**
 * A root CA → issuing CA pair with its own output folder and name/serial
 * registry. The lab has three: the trusted one, the untrusted one and the cloud one. The trusted one
 * also has a second issuing CA that its root revoked at creation (`revokedIssuing`), so a check can
 * present a certificate whose own serial is on no CRL but whose issuer's is.
 */
import { CertificateAuthority, type CaIdentity } from './authority.js';
import { generateRsaKeyPair, joinPem, lastingRsaKeyPair, normalizeSerialNumber, type KeyPair } from './crypto.js';
import { issueLeaf } from './issue.js';
import { PkiStore } from './store.js';
import type { CertificateProfileName, IssueOptions, IssuedCertificate, IssuerChoice, PublishedCrl, RevocationReason } from './types.js';

export interface HierarchySpec {
  label: Exclude<IssuerChoice, 'revoked-issuing'>;
  root: CaIdentity;
  issuing: CaIdentity;
  /** A second issuing CA under the same root, revoked by the root before its first CRL is published. */
  revokedIssuing?: CaIdentity;
}

export const TRUSTED_HIERARCHY: HierarchySpec = {
  label: 'issuing',
  root: { subject: 'CN=IBCM Lab Root CA, O=IBCM Lab', fileStem: 'IBCM-Lab-Root-CA', validityDays: 3650 },
  issuing: { subject: 'CN=IBCM Lab Issuing CA, O=IBCM Lab', fileStem: 'IBCM-Lab-Issuing-CA', validityDays: 1825 },
  revokedIssuing: { subject: 'CN=IBCM Lab Revoked Issuing CA, O=IBCM Lab', fileStem: 'IBCM-Lab-Revoked-Issuing-CA', validityDays: 1825 },
};

export const UNTRUSTED_HIERARCHY: HierarchySpec = {
  label: 'untrusted',
  root: { subject: 'CN=IBCM Lab Untrusted Root CA, O=IBCM Lab Untrusted', fileStem: 'IBCM-Lab-Untrusted-Root-CA', validityDays: 3650 },
  issuing: {
    subject: 'CN=IBCM Lab Untrusted Issuing CA, O=IBCM Lab Untrusted',
    fileStem: 'IBCM-Lab-Untrusted-Issuing-CA',
    validityDays: 1825,
  },
};

export const CLOUD_HIERARCHY: HierarchySpec = {
  label: 'cloud',
  root: { subject: 'CN=IBCM Lab Cloud Root CA, O=IBCM Lab Cloud', fileStem: 'IBCM-Lab-Cloud-Root-CA', validityDays: 3650 },
  issuing: { subject: 'CN=IBCM Lab Cloud Issuing CA, O=IBCM Lab Cloud', fileStem: 'IBCM-Lab-Cloud-Issuing-CA', validityDays: 1825 },
};

export interface HierarchyContext {
  dir: string;
  cdpBaseUrl: string;
  clock: () => Date;
  crlValidityHours: number;
  /**
   * Where the CA key pairs last between runs (appliance mode): the same keys and names make every run's
   * CA certificates interchangeable with the ones an appliance was configured with. Default: fresh keys.
   */
  caKeysDir?: string;
  /** With caKeysDir: the seed every serial is derived from (crypto.ts serialNumberFor). */
  serialSeed?: string;
}

export class CaHierarchy {
  readonly trustBundlePem: string;
  private readonly names = new Set<string>();
  /** normalized serial → the CA whose CRL would list it */
  private readonly serials = new Map<string, CertificateAuthority>();

  private constructor(
    readonly spec: HierarchySpec,
    readonly root: CertificateAuthority,
    readonly issuing: CertificateAuthority,
    readonly store: PkiStore,
    private readonly ctx: HierarchyContext,
    /** The second issuing CA the root has revoked (trusted hierarchy only). Not in the trust bundle. */
    readonly revokedIssuing?: CertificateAuthority,
  ) {
    // The trust bundle stays root + issuing CA: a certificate of the revoked issuing CA is sent with its chain.
    this.trustBundlePem = joinPem(root.certPem, issuing.certPem);
    for (const ca of this.subordinates()) this.serials.set(normalizeSerialNumber(ca.serialNumber), root);
  }

  static async create(spec: HierarchySpec, ctx: HierarchyContext): Promise<CaHierarchy> {
    const [store, rootKeys, issuingKeys, revokedKeys] = await Promise.all([
      PkiStore.open(ctx.dir),
      caKeyPair(ctx, spec.root),
      caKeyPair(ctx, spec.issuing),
      spec.revokedIssuing ? caKeyPair(ctx, spec.revokedIssuing) : undefined,
    ]);
    const caCtx = { store, cdpBaseUrl: ctx.cdpBaseUrl, clock: ctx.clock(), serialSeed: ctx.serialSeed };
    const root = await CertificateAuthority.createRoot(spec.root, rootKeys, caCtx);
    const [issuing, revokedIssuing] = await Promise.all([
      CertificateAuthority.createSubordinate(spec.issuing, issuingKeys, root, caCtx),
      spec.revokedIssuing && revokedKeys
        ? CertificateAuthority.createSubordinate(spec.revokedIssuing, revokedKeys, root, caCtx)
        : undefined,
    ]);
    // On the root's CRL from its first publication: every site system and proxy that reads a CRL has it.
    if (revokedIssuing) root.addRevocation(normalizeSerialNumber(revokedIssuing.serialNumber), 'keyCompromise', caCtx.clock);
    const hierarchy = new CaHierarchy(spec, root, issuing, store, ctx, revokedIssuing);
    await Promise.all([
      root.writeFiles(),
      ...hierarchy
        .subordinates()
        .flatMap((ca) => [ca.writeFiles(), store.writePublic(store.chainPath(ca.identity.fileStem), joinPem(ca.certPem, root.certPem))]),
      hierarchy.publishCrls(),
    ]);
    return hierarchy;
  }

  /** The issuing CAs under the root: the issuing CA, then the revoked one (if any). */
  subordinates(): CertificateAuthority[] {
    return [this.issuing, ...(this.revokedIssuing ? [this.revokedIssuing] : [])];
  }

  /** Issues a leaf from the issuing CA, or from the revoked issuing CA with `via: 'revoked-issuing'`. */
  async issue(
    profile: CertificateProfileName,
    options: IssueOptions,
    via: 'issuing' | 'revoked-issuing' = 'issuing',
  ): Promise<IssuedCertificate> {
    const issuer = via === 'revoked-issuing' ? this.revokedIssuing : this.issuing;
    if (!issuer) throw new Error(`the ${this.spec.label} hierarchy has no revoked issuing CA`);
    if (this.names.has(options.name)) {
      throw new Error(`certificate name ${JSON.stringify(options.name)} already issued by the ${this.spec.label} hierarchy`);
    }
    if ([this.spec.root.fileStem, ...this.subordinates().map((ca) => ca.identity.fileStem)].includes(options.name)) {
      throw new Error(`certificate name ${JSON.stringify(options.name)} is reserved for a CA`);
    }
    this.names.add(options.name); // reserved synchronously so concurrent issue() calls cannot collide
    try {
      const issued = await issueLeaf({
        profileName: profile,
        options,
        issuer,
        issuedBy: via === 'revoked-issuing' ? via : this.spec.label,
        store: this.store,
        clock: this.ctx.clock(),
        serialSeed: this.ctx.serialSeed && `${this.ctx.serialSeed}/${this.spec.label}/${via}`,
      });
      this.serials.set(normalizeSerialNumber(issued.serialNumber), issuer);
      return issued;
    } catch (error) {
      this.names.delete(options.name);
      throw error;
    }
  }

  /** The CA responsible for `serial` (root for the issuing CA certificate), if this hierarchy issued it. */
  authorityFor(serial: string): CertificateAuthority | undefined {
    return this.serials.get(normalizeSerialNumber(serial));
  }

  async revoke(serial: string, reason: RevocationReason): Promise<PublishedCrl> {
    const ca = this.authorityFor(serial);
    if (!ca) throw new Error(`serial ${serial} was not issued by the ${this.spec.label} hierarchy`);
    const clock = this.ctx.clock();
    ca.addRevocation(normalizeSerialNumber(serial), reason, clock);
    return ca.publishCrl(clock, this.ctx.crlValidityHours);
  }

  /** Re-signs every CRL at the lab clock (or at `at`, e.g. a clock in the past for a stale CRL). */
  async publishCrls(at?: Date): Promise<PublishedCrl[]> {
    const clock = at ?? this.ctx.clock();
    return Promise.all([this.root, ...this.subordinates()].map((ca) => ca.publishCrl(clock, this.ctx.crlValidityHours)));
  }

  /**
   * [root CRL, issuing CA CRL, revoked issuing CA CRL (trusted hierarchy)]. The revoked issuing CA
   * keeps publishing its (empty) CRL, as a CA does until its CRLs expire: a verifier that checks
   * the whole chain (OpenSSL's CRL_CHECK_ALL) needs a CRL for every CA in it to reach the root's.
   */
  crls(): PublishedCrl[] {
    return [this.root.crl, ...this.subordinates().map((ca) => ca.crl)];
  }
}

function caKeyPair(ctx: HierarchyContext, identity: CaIdentity): Promise<KeyPair> {
  return ctx.caKeysDir ? lastingRsaKeyPair(ctx.caKeysDir, identity.fileStem) : generateRsaKeyPair();
}
