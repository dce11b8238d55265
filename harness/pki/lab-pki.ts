/**
 * LabPki — the lab's PKI: trusted root → issuing CA (and a second issuing CA the root has revoked),
 * a second, untrusted hierarchy and a
 * "cloud" one for the CMG's public CA (each built on first use), leaf certificates from the IBCM
 * profiles, signed CRLs for the CDP host to serve, and PKCS#12 export for appliances.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CLOUD_HIERARCHY,
  CaHierarchy,
  TRUSTED_HIERARCHY,
  UNTRUSTED_HIERARCHY,
  type HierarchyContext,
  type HierarchySpec,
} from './hierarchy.js';
import { joinPem } from './crypto.js';
import { pkcs12Der } from './pkcs12.js';
import type { CertificateProfileName, IssueOptions, IssuedCertificate, IssuerChoice, PublishedCrl, RevocationReason } from './types.js';

/** The hierarchies besides the trusted one, built on first use, each under <dir>/<label>. */
type SecondaryIssuer = Exclude<IssuerChoice, 'issuing' | 'revoked-issuing'>;
const SECONDARY_HIERARCHIES: Record<SecondaryIssuer, HierarchySpec> = { untrusted: UNTRUSTED_HIERARCHY, cloud: CLOUD_HIERARCHY };

export interface LabPkiOptions {
  /** Per-run output directory (e.g. .ibcm-lab/runs/<run-id>/pki); created 0700, keys 0600. */
  dir: string;
  /** Base URL of the CDP host, e.g. "http://crl.ibcm-lab.example:20080"; CRLs live at <base>/<ca-file>.crl. */
  cdpBaseUrl: string;
  /** Lab clock: validity periods and CRL thisUpdate/nextUpdate are relative to it. Default: now. */
  clock?: Date;
  /** CRL nextUpdate − thisUpdate. Default 24. */
  crlValidityHours?: number;
  /** Keep the CA key pairs here between runs (appliance mode); default: fresh keys every time. */
  caKeysDir?: string;
}

/** A hierarchy other than the trusted one ('untrusted' or 'cloud'). */
export interface UntrustedPki {
  readonly dir: string;
  readonly rootCaPem: string;
  readonly issuingCaPem: string;
  readonly trustBundlePem: string;
  /** Same as LabPki.issue with this hierarchy as `issuer`. */
  issue(profile: CertificateProfileName, options: Omit<IssueOptions, 'issuer'>): Promise<IssuedCertificate>;
  /** [root CRL, issuing CA CRL] of this hierarchy. */
  crls(): PublishedCrl[];
}
export type SecondaryPki = UntrustedPki;

export interface Pkcs12Export {
  /** <dir>/certs/<name>.p12, mode 0600 (it holds the private key). */
  path: string;
  password: string;
}

/** The seed serials are derived from while the CA keys last: made once, kept beside them (0600). */
function lastingSerialSeed(dir: string): string {
  const file = path.join(dir, 'serial-seed');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const seed = randomBytes(32).toString('hex');
    writeFileSync(file, seed, { mode: 0o600, flag: 'wx' });
    return seed;
  }
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
  /** The second issuing CA under the trusted root, revoked on the root's CRL since the PKI was made. */
  readonly revokedIssuingCaPem: string;
  /** Root + issuing CA PEM — what TLS peers take as `ca`. Also written to <dir>/trust-bundle.pem. */
  readonly trustBundlePem: string;
  readonly trustBundlePath: string;

  private readonly secondary = new Map<SecondaryIssuer, Promise<CaHierarchy>>();
  /** The secondary hierarchies built so far (so their CRLs can be listed synchronously). */
  private readonly built = new Map<SecondaryIssuer, CaHierarchy>();
  /** The lab root's cross-certificate by the untrusted root (PEM), once asked for. */
  private crossRoot: Promise<string> | undefined;

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
    this.revokedIssuingCaPem = trusted.revokedIssuing!.certPem;
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
      caKeysDir: options.caKeysDir,
      serialSeed: options.caKeysDir && lastingSerialSeed(options.caKeysDir),
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
    if (options.issuer === undefined || options.issuer === 'issuing') return this.trusted.issue(profile, options);
    if (options.issuer === 'revoked-issuing') return this.trusted.issue(profile, options, 'revoked-issuing');
    if (!(options.issuer in SECONDARY_HIERARCHIES)) return Promise.reject(new Error(`unknown issuer ${JSON.stringify(options.issuer)}`));
    return this.hierarchy(options.issuer).then((h) => h.issue(profile, options));
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
    for (const pending of this.secondary.values()) {
      const other = await pending.catch(() => undefined);
      if (other?.authorityFor(serialNumber)) {
        await other.revoke(serialNumber, reason);
        return;
      }
    }
    throw new Error(`serial ${serialNumber} was not issued by this lab PKI`);
  }

  /**
   * Re-signs the trusted hierarchy's CRLs (root, issuing, revoked issuing) at the current lab clock (e.g. after setClock), or
   * dated `at` — a time in the past gives a CRL whose nextUpdate has passed (a stale CRL).
   */
  async publishCrls(options: { at?: Date } = {}): Promise<PublishedCrl[]> {
    if (options.at && Number.isNaN(options.at.getTime())) throw new Error('publishCrls: `at` is an invalid Date');
    return this.trusted.publishCrls(options.at);
  }

  /**
   * [root CRL, issuing CA CRL, revoked issuing CA CRL] of the trusted hierarchy, as currently
   * published: a CRL for every CA a trusted chain can hold, so a verifier that checks the whole chain
   * finds the root's CRL listing the revoked issuing CA.
   */
  crls(): PublishedCrl[] {
    return this.trusted.crls();
  }

  /**
   * The trusted CRLs concatenated (PEM) — for `openssl -CRLfile`, nginx
   * `ssl_crl` and the like. NOTE: Node's tls `crl` option reads only the FIRST
   * CRL of a string; give Node `crlPems()` (an array) instead.
   */
  crlPem(): string {
    return joinPem(...this.crls().map((c) => c.pem));
  }

  /** The trusted CRLs' PEMs, one entry each — what Node's `tls.createSecureContext({ crl })` takes. */
  crlPems(): string[] {
    return this.crls().map((c) => c.pem);
  }

  /**
   * Every CRL the lab publishes: the trusted hierarchy's, then those of every other hierarchy built
   * so far (the CDP host serves them all, as a public CA publishes its CRLs on the internet).
   */
  allCrls(): PublishedCrl[] {
    return [...this.crls(), ...[...this.built.values()].flatMap((h) => h.crls())];
  }

  /** The second, untrusted hierarchy (built on first call, under <dir>/untrusted). */
  untrusted(): Promise<UntrustedPki> {
    return this.secondaryPki('untrusted');
  }

  /** The cloud hierarchy: the public CA of a cloud management gateway (built on first call, under <dir>/cloud). */
  cloud(): Promise<SecondaryPki> {
    return this.secondaryPki('cloud');
  }

  /**
   * Cross-certifies the lab root by the untrusted hierarchy's root (built on first use): a CA
   * certificate with the lab root's subject and public key, signed by the untrusted root — a site
   * whose PKI a partner's root has certified. A TLS server that sends it after its own chain lets a
   * client that trusts only the untrusted root build a path (leaf → issuing CA → lab root, certified
   * by → untrusted root); a client that trusts the lab root still stops at the lab root. The CDP
   * host serves the untrusted root's CRL (where the cross-certificate's serial would be listed).
   * Written to <dir>/untrusted/certs/IBCM-Lab-Root-CA-cross.pem; made once, the same PEM after.
   */
  crossCertifyRoot(): Promise<string> {
    this.crossRoot ??= this.hierarchy('untrusted').then(async (untrusted) => {
      const cross = await untrusted.root.crossCertify(this.trusted.root, this.clockRef.now);
      const pem = joinPem(cross.toString('pem'));
      await untrusted.store.writePublic(untrusted.store.certPath(`${TRUSTED_HIERARCHY.root.fileStem}-cross`), pem);
      return pem;
    });
    const pending = this.crossRoot;
    pending.catch(() => {
      if (this.crossRoot === pending) this.crossRoot = undefined; // allow a retry
    });
    return pending;
  }

  /**
   * Writes <dir>/certs/<name>.p12 (mode 0600): the private key, the leaf and its issuing CA (and
   * the root, so an appliance that imports only PKCS#12 gets the whole chain), protected by
   * `password` — for proxies and appliances that take only PKCS#12 (DESIGN.md, pki).
   */
  async exportPkcs12(certificate: IssuedCertificate, password: string): Promise<Pkcs12Export> {
    const { issuedBy } = certificate;
    const h = issuedBy === 'issuing' || issuedBy === 'revoked-issuing' ? this.trusted : await this.hierarchy(issuedBy);
    const issuing = issuedBy === 'revoked-issuing' ? h.revokedIssuing! : h.issuing;
    const file = path.join(h.store.certsDir, `${certificate.name}.p12`);
    await h.store.writeSecret(
      file,
      pkcs12Der({
        keyPem: certificate.keyPem,
        chainPems: [certificate.certPem, issuing.certPem, h.root.certPem],
        password,
        friendlyName: certificate.name,
      }),
    );
    return { path: file, password };
  }

  private async secondaryPki(label: SecondaryIssuer): Promise<SecondaryPki> {
    const h = await this.hierarchy(label);
    return {
      dir: h.store.dir,
      rootCaPem: h.root.certPem,
      issuingCaPem: h.issuing.certPem,
      trustBundlePem: h.trustBundlePem,
      issue: (profile, options) => h.issue(profile, { ...options, issuer: label }),
      crls: () => h.crls(),
    };
  }

  private hierarchy(label: SecondaryIssuer): Promise<CaHierarchy> {
    let pending = this.secondary.get(label);
    if (!pending) {
      const dir = path.join(this.dir, label);
      const created = CaHierarchy.create(SECONDARY_HIERARCHIES[label], { ...this.ctx, dir }).then(async (h) => {
        await h.store.writePublic(path.join(dir, 'trust-bundle.pem'), h.trustBundlePem);
        this.built.set(label, h);
        return h;
      });
      this.secondary.set(label, created);
      created.catch(() => {
        if (this.secondary.get(label) === created) this.secondary.delete(label); // allow a retry
      });
      pending = created;
    }
    return pending;
  }
}
