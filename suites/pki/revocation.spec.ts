// Revocation (seed 001 "CRL checking" and "CRL distribution point"; research W:50, W:62): the site
// side checks client certificates against the CRL (the MP, or the bridging proxy); a client checks
// the site's certificates against the CRL it fetches over HTTP from the CDP the certificate names —
// by default, off with /NoCRLCheck — and fails closed when it cannot get a current one; a bridging
// proxy checks the site system's certificate against the upstream CRL of its contract. Every check
// covers the whole chain: a certificate whose own serial is on no CRL but whose issuing CA the root
// has revoked (the lab's revoked issuing CA) is refused as well. The results name the certificate,
// the CRL URL and what the client saw.
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult } from '../verify.js';
import {
  MP,
  certificateNamed,
  crlFetchesSeen,
  ensureBridgeRefusedUpstream,
  ensureServed,
  ensureSiteRefusedClient,
  mpListAttempt,
  named,
  publishedCertificate,
  revocationSeen,
  revokedIssuerOf,
  terminator,
  variantAttempt,
  type Attempt,
} from './support.js';
import type { Lab } from '../../harness/lab/index.js';
import type { ClientProfile, Exchange } from '../../harness/client/index.js';
import type { CertificateVariant } from '../../harness/topology/index.js';
import type { CheckFixtures } from '../fixtures.js';

/** The client refused the server chain for revocation (`code`) before sending anything. `accepted`: the reason code when it did not. */
function ensureRevocationRefusal(attempt: Attempt, code: 'CERT_REVOKED' | 'CERT_REV_FAILED', what: string, accepted?: string): string {
  const { exchange } = attempt;
  ensure(
    exchange.error?.code === code,
    `${what}: the client did not refuse the chain with ${code} — ${describeClientResult(exchange)}${exchange.tls?.revocation ? ` (revocation check ${exchange.tls.revocation.checked ? 'on' : 'off'})` : ''}`,
    accepted,
  );
  ensure(
    attempt.received.length === 0,
    `${what}: the client refused the chain (${revocationSeen(exchange)}), yet the MP received ${attempt.received.length} request(s)`,
  );
  return revocationSeen(exchange);
}

/**
 * Bridge mode, the upstream leg: a lab whose MP presents `variant` ('revoked', or 'revoked-issuer':
 * issued by the issuing CA the root has revoked) to the bridge, which holds the CRLs in its contract's
 * upstream CRL file from the start. The bridge must not connect: the client gets the bridge's error
 * and the MP's journal nothing. `accepted` is the reason code when the bridge connects anyway.
 */
async function bridgeMeetsRevokedSite(
  { newClient, evidence, variantLab }: CheckFixtures,
  variant: Extract<CertificateVariant, 'revoked' | 'revoked-issuer'>,
  accepted: string,
): Promise<string> {
  const bad = await variantLab({ pki: { certificates: { site: variant } } });
  const certificate = certificateNamed(bad, MP);
  const what =
    variant === 'revoked-issuer'
      ? `the MP presenting ${revokedIssuerOf(bad, certificate)}`
      : `the MP presenting its revoked certificate ${named(certificate)} (on ${crlUrlListing(bad, certificate.serialNumber)})`;
  const attempt = await variantAttempt(bad, newClient(bad.clientProfile()), evidence, `${what} to the bridge`);
  return `${what} to the bridge: ${ensureBridgeRefusedUpstream(attempt, `${what} to the bridge`, accepted)}`;
}

/** The URL of the lab CRL listing `serial` (blocked when none does: the world was not built as asked). */
function crlUrlListing(lab: Lab, serial: string): string {
  const crl = lab.pki.crls().find((candidate) => candidate.revokedSerials.includes(serial.toLowerCase()));
  prerequisite(crl, `serial ${serial} is on none of the lab's CRLs`);
  return crl.url;
}

/** The CDP's journal: what it served the client meanwhile. */
function cdpEntries(lab: Lab, mark: number) {
  return lab.journal(lab.cdp.name).since(mark);
}

function noCrlCheckProfile(lab: Lab) {
  const profile = lab.clientProfile();
  return { ...profile, install: { ...profile.install, NoCRLCheck: true } };
}

/** The topology's client, checking CRLs whatever it was installed with: what a question about the CDP itself needs. */
function crlCheckingProfile(lab: Lab) {
  const profile = lab.clientProfile();
  return { ...profile, install: { ...profile.install, NoCRLCheck: false } };
}

check(
  'PKI-CRL-CLIENT-REVOKED',
  'a revoked client certificate is refused by the MP or the bridging proxy',
  async ({ lab, mode, client, newClient, evidence }) => {
    const good = await mpListAttempt(lab, client, evidence);
    ensureServed(good, 'setup: a client certificate that is not revoked');
    // Revoked before the site systems and the proxy read the CRL: every proxy has it in its CRL file.
    const revoked = lab.pki.revokedAtStart;
    const crl = lab.pki.crls().find((candidate) => candidate.revokedSerials.includes(revoked.serialNumber));
    prerequisite(crl, `${named(revoked)} is not on the lab's CRL`);
    const refused = await mpListAttempt(
      lab,
      newClient({ ...lab.clientProfile(), certificate: revoked }, { certificateSelection: 'present-as-is' }),
      evidence,
    );
    const how = ensureSiteRefusedClient(
      mode,
      refused,
      revoked,
      /^CERT_REVOKED$/,
      `the revoked client certificate ${named(revoked)} (on ${crl.url}, CRL number ${crl.crlNumber})`,
      'revoked-client-accepted',
    );
    // Issued by the lab's revoked issuing CA (on the root's CRL since the lab started): its own serial
    // is on no CRL, so only a check of the whole chain refuses it (not Apache's `SSLCARevocationCheck leaf`).
    const orphan = await lab.pki.issueClientCertificate({ variant: 'revoked-issuer' });
    const orphanNamed = revokedIssuerOf(lab, orphan);
    const orphanRefused = await mpListAttempt(
      lab,
      newClient({ ...lab.clientProfile(), certificate: orphan }, { certificateSelection: 'present-as-is' }),
      evidence,
    );
    const howOrphan = ensureSiteRefusedClient(
      mode,
      orphanRefused,
      orphan,
      /^CERT_REVOKED$/,
      `the client certificate ${orphanNamed}`,
      'revoked-issuer-client-accepted',
    );
    let later = '';
    if (mode !== 'bridge') {
      // Revoked while the lab runs: the MP takes the new CRL (IIS reads it; the lab restarts the listener).
      const fresh = await lab.pki.issueClientCertificate({ variant: 'valid' });
      const before = await mpListAttempt(lab, newClient({ ...lab.clientProfile(), certificate: fresh }), evidence);
      ensureServed(before, `setup: ${named(fresh)} before its revocation`);
      await lab.pki.revoke(fresh.serialNumber);
      const after = await mpListAttempt(
        lab,
        newClient({ ...lab.clientProfile(), certificate: fresh }, { certificateSelection: 'present-as-is' }),
        evidence,
      );
      later = `; ${named(fresh)} was accepted, then revoked while the lab ran and refused: ${ensureSiteRefusedClient(mode, after, fresh, /^CERT_REVOKED$/, `${named(fresh)} after its revocation`, 'revoked-client-accepted')}`;
    }
    evidence.pass(
      `${terminator(mode)} accepted a valid client certificate and refused ${named(revoked)}, listed on ${crl.url}: ${how}; it refused ${orphanNamed}: ${howOrphan}${later}`,
    );
  },
);

check(
  'PKI-CRL-SERVER-REVOKED',
  'a client that checks CRLs refuses a site system whose certificate is revoked; a bridge refuses one upstream',
  async (fixtures) => {
    const { lab, mode, client, newClient, evidence, variantLab } = fixtures;
    const good = await mpListAttempt(lab, client, evidence);
    ensureServed(good, 'setup: a server certificate that is not revoked');
    prerequisite(good.exchange.tls?.revocation?.checked, 'the client did not check the server certificate against its CRL');
    let badLab = lab;
    let restore: (() => Promise<void>) | undefined;
    let where: string;
    if (mode === 'bridge') {
      badLab = await variantLab({ pki: { certificates: { proxyServer: 'revoked' } } });
      where = `a lab whose bridge presents a revoked certificate ${named(publishedCertificate(badLab))}`;
    } else {
      const served = await lab.pki.serveSiteCertificate('revoked');
      restore = served.restore;
      where = `the MP presenting a revoked certificate ${named(served.certificate)}`;
    }
    // A lab variant's own path is a prerequisite (variantAttempt); the running lab's was shown by `good`.
    const attempt = (profile: ClientProfile, leg: string) =>
      badLab === lab ? mpListAttempt(lab, newClient(profile), evidence) : variantAttempt(badLab, newClient(profile), evidence, leg);
    let refused: Attempt;
    let unchecked: Attempt;
    try {
      refused = await attempt(badLab.clientProfile(), `a CRL-checking client and ${where}`);
      unchecked = await attempt(noCrlCheckProfile(badLab), `${where}, to a client installed with /NoCRLCheck`);
    } finally {
      await restore?.();
    }
    const saw = ensureRevocationRefusal(refused, 'CERT_REVOKED', where, 'revoked-server-accepted');
    ensureServed(unchecked, `${where}, to a client installed with /NoCRLCheck`);
    let chain: string;
    if (mode === 'bridge') {
      // The bridge is the client of the site system: it must refuse a revoked MP certificate, and one
      // whose issuing CA is revoked, from its contract's upstream CRL.
      const leaf = await bridgeMeetsRevokedSite(fixtures, 'revoked', 'upstream-revoked-accepted');
      const issuer = await bridgeMeetsRevokedSite(fixtures, 'revoked-issuer', 'upstream-revoked-issuer-accepted');
      chain = `upstream, ${leaf}; ${issuer}`;
    } else {
      // The whole chain: an MP certificate whose own serial is on no CRL, from the issuing CA the root revoked.
      const served = await lab.pki.serveSiteCertificate('revoked-issuer');
      const orphanWhere = `the MP presenting ${revokedIssuerOf(lab, served.certificate)}`;
      let orphan: Attempt;
      try {
        orphan = await mpListAttempt(lab, newClient(lab.clientProfile()), evidence);
      } finally {
        await served.restore();
      }
      chain = `it refused ${orphanWhere} too: ${ensureRevocationRefusal(orphan, 'CERT_REVOKED', orphanWhere, 'revoked-issuer-server-accepted')}`;
    }
    evidence.pass(
      `with CRL checking on, the client refused ${where}: ${saw}; installed with /NoCRLCheck it connected to the same server (${unchecked.exchange.status}), so the CRL is what refused it; ${chain}`,
    );
  },
);

check(
  'PKI-CDP-HTTP',
  'the CRL is published over HTTP for internet clients; an LDAP-only CDP fails them unless /NoCRLCheck',
  async ({ lab, mode, newClient, evidence, variantLab }) => {
    // A question about the CDP: asked by a client that checks CRLs, even where the topology's clients were installed with /NoCRLCheck.
    const client = newClient(crlCheckingProfile(lab));
    const cdpMark = lab.journal(lab.cdp.name).mark();
    const good = await mpListAttempt(lab, client, evidence);
    // The client could not get the CRL over HTTP from the internet (a CDP name only the intranet resolves, a firewalled CDP…).
    ensure(
      good.exchange.error?.code !== 'CERT_REV_FAILED',
      `a CRL-checking internet client could not get a CRL for ${named(publishedCertificate(lab))} over HTTP and failed closed: ${revocationSeen(good.exchange)}; client downloads: ${crlFetchesSeen(client)}`,
      'crl-unreachable-from-internet',
    );
    ensureServed(good, 'a CRL-checking internet client with an HTTP CDP');
    const served = cdpEntries(lab, cdpMark);
    evidence.received(lab.cdp.name, served);
    const revocation = good.exchange.tls?.revocation;
    ensure(
      revocation?.checked && revocation.certificates.every((certificate) => certificate.status === 'good'),
      `the client did not check the chain against its CRLs (${JSON.stringify(revocation?.certificates ?? [])})`,
    );
    const needed = [...new Set(revocation.certificates.map((certificate) => certificate.crlUrl!))];
    for (const url of needed) {
      const path = new URL(url).pathname;
      ensure(
        served.some((entry) => entry.target === path && entry.response.status === 200),
        `the CDP did not serve ${url} to the client (it served ${served.map((entry) => `${entry.target} → ${entry.response.status}`).join(', ') || 'nothing'}); client downloads: ${crlFetchesSeen(client)}`,
      );
    }
    const fromWhere = [...new Set(served.map((entry) => entry.remoteAddress))].join(', ');
    const expectedFrom = mode === 'forward' ? lab.clientProfile().webProxy!.host : lab.clientProfile().localAddress!;
    ensure(
      served.every((entry) => entry.remoteAddress === expectedFrom),
      `the CRL downloads reached the CDP from ${fromWhere}, not from ${mode === 'forward' ? 'the web proxy' : 'the internet client'} (${expectedFrom})`,
    );

    const ldapLab = await variantLab({ pki: { cdp: 'ldap-only' } });
    const certificate = publishedCertificate(ldapLab);
    prerequisite(
      certificate.crlUrls.every((url) => url.startsWith('ldap:')),
      `the LDAP-only lab's certificate names ${certificate.crlUrls.join(', ')}`,
    );
    const ldapOnly = `a CRL-checking client and ${named(certificate)}, whose only CDP is ${certificate.crlUrls[0]}`;
    const failed = await variantAttempt(ldapLab, newClient(crlCheckingProfile(ldapLab)), evidence, ldapOnly);
    const saw = ensureRevocationRefusal(failed, 'CERT_REV_FAILED', ldapOnly);
    const unchecked = await variantAttempt(
      ldapLab,
      newClient(noCrlCheckProfile(ldapLab)),
      evidence,
      'the LDAP-only lab with a client installed with /NoCRLCheck',
    );
    ensureServed(unchecked, `the LDAP-only lab with a client installed with /NoCRLCheck`);
    evidence.pass(
      `with the CRL on HTTP the client fetched ${needed.join(' and ')} from the CDP (from ${fromWhere}) and connected; with an LDAP-only CDP it failed closed — ${saw} — and with /NoCRLCheck it connected (${unchecked.exchange.status})`,
    );
  },
  { revocationIsSubject: true },
);

check(
  'PKI-CRL-UNREACHABLE',
  'a client whose CDP is down, or whose CRL is stale, fails closed',
  async ({ lab, client, newClient, evidence }) => {
    const good = await mpListAttempt(lab, client, evidence);
    ensureServed(good, 'setup: with the CDP up');
    const certificate = publishedCertificate(lab);
    let down: Attempt;
    let unchecked: Attempt;
    await lab.cdp.stop();
    try {
      down = await mpListAttempt(lab, newClient(), evidence);
      unchecked = await mpListAttempt(lab, newClient(noCrlCheckProfile(lab)), evidence);
    } finally {
      await lab.cdp.start();
    }
    // The topology's own client: one installed with /NoCRLCheck connects here, and that is the finding.
    const downWhat = `the CDP ${lab.cdp.fqdn} down, the topology's client and ${named(certificate)}`;
    const checkedNothing = down.exchange.tls?.revocation?.checked === false ? ' — it was installed with /NoCRLCheck and checks no CRL' : '';
    ensure(
      !down.exchange.status,
      `${downWhat}: the client connected without a CRL (${describeClientResult(down.exchange)})${checkedNothing}, so a revoked site certificate would be accepted as well`,
      'connected-without-crl',
    );
    const sawDown = ensureRevocationRefusal(down, 'CERT_REV_FAILED', downWhat);
    ensureServed(unchecked, 'the CDP down, a client installed with /NoCRLCheck');
    ensureCrlUrlNamed(down.exchange, certificate.crlUrls);

    await lab.pki.publishCrls({ staleByHours: 2 });
    let stale: Attempt;
    try {
      stale = await mpListAttempt(lab, newClient(), evidence);
    } finally {
      await lab.pki.publishCrls();
    }
    const sawStale = ensureRevocationRefusal(stale, 'CERT_REV_FAILED', 'the CDP serving a CRL past its nextUpdate');
    ensure(/stale/.test(sawStale), `with a stale CRL the client failed closed, but not because the CRL was stale: ${sawStale}`);
    const again = await mpListAttempt(lab, newClient(), evidence);
    ensureServed(again, 'the CDP back with a current CRL');
    evidence.pass(
      `with the CDP down the client failed closed — ${sawDown} — while a /NoCRLCheck client connected; with a stale CRL it failed closed too — ${sawStale}; with the CDP back and a current CRL it connected`,
    );
  },
  { revocationIsSubject: true },
);

function ensureCrlUrlNamed(exchange: Exchange, urls: string[]): void {
  const finding = exchange.tls?.revocation?.finding;
  ensure(
    finding && finding.crlUrls.some((url) => urls.includes(url)),
    `the client's refusal does not name the CRL URL the certificate gives (${urls.join(', ')}): ${revocationSeen(exchange)}`,
  );
}
