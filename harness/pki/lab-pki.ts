/**
 * LabPki — the lab's PKI: trusted root → issuing CA, an untrusted second
 * hierarchy (built on first use), leaf certificates from the IBCM profiles,
 * and signed CRLs for the CDP host to serve.
 */
import path from 'node:path';
import { CaHierarchy, TRUSTED_HIERARCHY, UNTRUSTED_HIERARCHY, type HierarchyContext } from './hierarchy.js';
import { joinPem } from './crypto.js';
import type { CertificateProfileName, IssueOptions, IssuedCertificate, PublishedCrl, RevocationReason } from './types.js';

export interface LabPkiOptions {
  /** Per-run output directory (e.g. .ibcm-lab/runs/<run-id>/pki); created 0700, keys 0600. */
  dir: string;
  /** Base URL of the CDP host, e.g. "http://crl.ibcm-lab.example:20080"; CRLs live at <base>/<ca-file>.crl. */
  cdpBaseUrl: string;
  /** Lab clock: validity periods and CRL thisUpdate/nextUpdate are relative to it. Default: now. */
  clock?: Date;
  /** CRL nextUpdate − thisUpdate. Default 24. */
  crlValidityHours?: number;
}

export interface UntrustedPki {
  readonly dir: string;
  readonly rootCaPem: string;
  readonly issuingCaPem: string;
  readonly trustBundlePem: string;
  /** Same as LabPki.issue with `issuer: 'untrusted'` forced. */
  issue(profile: CertificateProfileName, options: Omit<IssueOptions, 'issuer'>): Promise<IssuedCertificate>;
  /** [untrusted root CRL, untrusted issuing CA CRL]. */
  crls(): PublishedCrl[];
}

function normalizeCdpBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`cdpBaseUrl is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`cdpBaseUrl must be http(s): ${value}`);
  if (url.search || url.hash) throw new Error(`cdpBaseUrl must not have a query or fragment: ${value}`);
  return url.href.replace(/\/+$/, '');
}

export class LabPki {
  readonly dir: string;
  readonly cdpBaseUrl: string;
  readonly crlValidityHours: number;
  readonly rootCaPem: string;
  readonly issuingCaPem: string;
  /** Root + issuing CA PEM — what TLS peers take as `ca`. Also written to <dir>/trust-bundle.pem. */
  readonly trustBundlePem: string;
  readonly trustBundlePath: string;

  private untrustedHierarchy: Promise<CaHierarchy> | undefined;

  private constructor(
    private readonly trusted: CaHierarchy,
    private readonly clockRef: { now: Date },
    private readonly ctx: HierarchyContext,
  ) {
    this.dir = ctx.dir;
    this.cdpBaseUrl = ctx.cdpBaseUrl;
    this.crlValidityHours = ctx.crlValidityHours;
    this.rootCaPem = trusted.root.certPem;
    this.issuingCaPem = trusted.issuing.certPem;
    this.trustBundlePem = trusted.trustBundlePem;
    this.trustBundlePath = path.join(this.dir, 'trust-bundle.pem');
  }

  static async create(options: LabPkiOptions): Promise<LabPki> {
    const crlValidityHours = options.crlValidityHours ?? 24;
    if (!(crlValidityHours > 0)) throw new Error(`crlValidityHours must be > 0, got ${crlValidityHours}`);
    const clockRef = { now: new Date(options.clock ?? Date.now()) };
    if (Number.isNaN(clockRef.now.getTime())) throw new Error('clock is an invalid Date');
    const ctx: HierarchyContext = {
      dir: path.resolve(options.dir),
      cdpBaseUrl: normalizeCdpBaseUrl(options.cdpBaseUrl),
      clock: () => new Date(clockRef.now),
      crlValidityHours,
    };
    const trusted = await CaHierarchy.create(TRUSTED_HIERARCHY, ctx);
    const pki = new LabPki(trusted, clockRef, ctx);
    await trusted.store.writePublic(pki.trustBundlePath, pki.trustBundlePem);
    return pki;
  }

  /** The current lab clock (a copy). */
  get clock(): Date {
    return new Date(this.clockRef.now);
  }

  /**
   * Moves the lab clock. Affects later issue()/revoke()/publishCrls() only;
   * already published CRLs keep their dates until publishCrls() re-signs them.
   */
  setClock(clock: Date): void {
    if (Number.isNaN(clock.getTime())) throw new Error('clock is an invalid Date');
    this.clockRef.now = new Date(clock);
  }

  /**
   * Issues a leaf certificate from a profile. Independent calls may run
   * concurrently (`Promise.all`) — key generation then uses the thread pool in parallel.
   */
  issue(profile: CertificateProfileName, options: IssueOptions): Promise<IssuedCertificate> {
    if (options.issuer === 'untrusted') return this.untrustedCa().then((h) => h.issue(profile, options));
    if (options.issuer !== undefined && options.issuer !== 'issuing') {
      return Promise.reject(new Error(`unknown issuer ${JSON.stringify(options.issuer)}`));
    }
    return this.trusted.issue(profile, options);
  }

  /**
   * Revokes a certificate issued by this lab (either hierarchy; the issuing
   * CA's own serial goes on the root CRL) and re-signs that CA's CRL at the
   * lab clock. Serial: hex in any case, colons allowed. Default reason
   * 'unspecified' (no reasonCode entry extension).
   */
  async revoke(serialNumber: string, reason: RevocationReason = 'unspecified'): Promise<void> {
    if (this.trusted.authorityFor(serialNumber)) {
      await this.trusted.revoke(serialNumber, reason);
      return;
    }
    const untrusted = this.untrustedHierarchy ? await this.untrustedHierarchy : undefined;
    if (untrusted?.authorityFor(serialNumber)) {
      await untrusted.revoke(serialNumber, reason);
      return;
    }
    throw new Error(`serial ${serialNumber} was not issued by this lab PKI`);
  }

  /** Re-signs the trusted root and issuing CRLs at the current lab clock (e.g. after setClock). */
  async publishCrls(): Promise<PublishedCrl[]> {
    return this.trusted.publishCrls();
  }

  /** [root CRL, issuing CA CRL] of the trusted hierarchy, as currently published. */
  crls(): PublishedCrl[] {
    return this.trusted.crls();
  }

  /**
   * Both trusted CRLs concatenated (PEM) — for `openssl -CRLfile`, nginx
   * `ssl_crl` and the like. NOTE: Node's tls `crl` option reads only the FIRST
   * CRL of a string; give Node `crlPems()` (an array) instead.
   */
  crlPem(): string {
    return joinPem(...this.crls().map((c) => c.pem));
  }

  /** [root CRL PEM, issuing CA CRL PEM] — what Node's `tls.createSecureContext({ crl })` takes. */
  crlPems(): string[] {
    return this.crls().map((c) => c.pem);
  }

  /** The second, untrusted hierarchy (built on first call, under <dir>/untrusted). */
  async untrusted(): Promise<UntrustedPki> {
    const h = await this.untrustedCa();
    return {
      dir: h.store.dir,
      rootCaPem: h.root.certPem,
      issuingCaPem: h.issuing.certPem,
      trustBundlePem: h.trustBundlePem,
      issue: (profile, options) => h.issue(profile, { ...options, issuer: 'untrusted' }),
      crls: () => h.crls(),
    };
  }

  private untrustedCa(): Promise<CaHierarchy> {
    if (!this.untrustedHierarchy) {
      const dir = path.join(this.dir, 'untrusted');
      const created = CaHierarchy.create(UNTRUSTED_HIERARCHY, { ...this.ctx, dir }).then(async (h) => {
        await h.store.writePublic(path.join(dir, 'trust-bundle.pem'), h.trustBundlePem);
        return h;
      });
      this.untrustedHierarchy = created;
      created.catch(() => {
        if (this.untrustedHierarchy === created) this.untrustedHierarchy = undefined; // allow a retry
      });
    }
    return this.untrustedHierarchy;
  }
}
