/**
 * A root CA → issuing CA pair with its own output folder and name/serial
 * registry. The lab has two: the trusted one and the untrusted one.
 */
import { CertificateAuthority, type CaIdentity } from './authority.js';
import { generateRsaKeyPair, joinPem, normalizeSerialNumber } from './crypto.js';
import { issueLeaf } from './issue.js';
import { PkiStore } from './store.js';
import type { CertificateProfileName, IssueOptions, IssuedCertificate, IssuerChoice, PublishedCrl, RevocationReason } from './types.js';

export interface HierarchySpec {
  label: IssuerChoice;
  root: CaIdentity;
  issuing: CaIdentity;
}

export const TRUSTED_HIERARCHY: HierarchySpec = {
  label: 'issuing',
  root: { subject: 'CN=IBCM Lab Root CA, O=IBCM Lab', fileStem: 'IBCM-Lab-Root-CA', validityDays: 3650 },
  issuing: { subject: 'CN=IBCM Lab Issuing CA, O=IBCM Lab', fileStem: 'IBCM-Lab-Issuing-CA', validityDays: 1825 },
};

export const UNTRUSTED_HIERARCHY: HierarchySpec = {
  label: 'untrusted',
  root: { subject: 'CN=IBCM Lab Untrusted Root CA, O=IBCM Lab Untrusted', fileStem: 'IBCM-Lab-Untrusted-Root-CA', validityDays: 3650 },
  issuing: { subject: 'CN=IBCM Lab Untrusted Issuing CA, O=IBCM Lab Untrusted', fileStem: 'IBCM-Lab-Untrusted-Issuing-CA', validityDays: 1825 },
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
  ) {
    this.trustBundlePem = joinPem(root.certPem, issuing.certPem);
    this.serials.set(normalizeSerialNumber(issuing.serialNumber), root);
  }

  static async create(spec: HierarchySpec, ctx: HierarchyContext): Promise<CaHierarchy> {
    const [store, rootKeys, issuingKeys] = await Promise.all([PkiStore.open(ctx.dir), generateRsaKeyPair(), generateRsaKeyPair()]);
    const caCtx = { store, cdpBaseUrl: ctx.cdpBaseUrl, clock: ctx.clock() };
    const root = await CertificateAuthority.createRoot(spec.root, rootKeys, caCtx);
    const issuing = await CertificateAuthority.createSubordinate(spec.issuing, issuingKeys, root, caCtx);
    const hierarchy = new CaHierarchy(spec, root, issuing, store, ctx);
    await Promise.all([
      root.writeFiles(),
      issuing.writeFiles(),
      store.writePublic(store.chainPath(spec.issuing.fileStem), joinPem(issuing.certPem, root.certPem)),
      hierarchy.publishCrls(),
    ]);
    return hierarchy;
  }

  async issue(profile: CertificateProfileName, options: IssueOptions): Promise<IssuedCertificate> {
    if (this.names.has(options.name)) {
      throw new Error(`certificate name ${JSON.stringify(options.name)} already issued by the ${this.spec.label} hierarchy`);
    }
    if ([this.spec.root.fileStem, this.spec.issuing.fileStem].includes(options.name)) {
      throw new Error(`certificate name ${JSON.stringify(options.name)} is reserved for a CA`);
    }
    this.names.add(options.name); // reserved synchronously so concurrent issue() calls cannot collide
    try {
      const issued = await issueLeaf({
        profileName: profile,
        options,
        issuer: this.issuing,
        issuedBy: this.spec.label,
        store: this.store,
        clock: this.ctx.clock(),
      });
      this.serials.set(normalizeSerialNumber(issued.serialNumber), this.issuing);
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

  /** Re-signs both CRLs at the lab clock (or at `at`, e.g. a clock in the past for a stale CRL). */
  async publishCrls(at?: Date): Promise<PublishedCrl[]> {
    const clock = at ?? this.ctx.clock();
    return Promise.all([this.root.publishCrl(clock, this.ctx.crlValidityHours), this.issuing.publishCrl(clock, this.ctx.crlValidityHours)]);
  }

  /** [root CRL, issuing CA CRL]. */
  crls(): PublishedCrl[] {
    return [this.root.crl, this.issuing.crl];
  }
}
