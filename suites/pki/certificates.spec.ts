// What a certificate must carry to be accepted (research W:46–47, W:61; "PKI certificate
// requirements"): the internet FQDN in a server certificate, the server- or client-authentication
// EKU, a validity period that includes now. Every check shows the good certificate accepted and the
// bad one refused, on each leg where the mode has one:
//   tunnel, forward, direct — the client meets the MP's certificate (served in a variant on the
//     running lab, then restored), the MP meets the client's;
//   bridge — the client meets the bridge's server certificate and the bridge meets the MP's (each in
//     a small lab of its own: a proxy reads its certificates from its contract at start), the bridge
//     meets the client's, and the MP meets the bridge's client certificate.
import type { CertificateVariant } from '../../harness/topology/index.js';
import { ensure } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import {
  MP,
  certificateNamed,
  ensureBridgeRefusedUpstream,
  ensureClientRefusedServer,
  ensureServed,
  ensureSiteRefusedClient,
  mpListAttempt,
  named,
  normalizeSerial,
  publishedCertificate,
  terminator,
  variantAttempt,
  type Attempt,
} from './support.js';

type Fixtures = CheckFixtures;

/** The client meets `variant` of the server certificate on the published name; returns what it saw. */
async function clientMeetsServerVariant(
  { lab, mode, newClient, evidence, variantLab }: Fixtures,
  variant: CertificateVariant,
  codes: RegExp,
  what: string,
): Promise<string> {
  if (mode === 'bridge') {
    const bad = await variantLab({ pki: { certificates: { proxyServer: variant } } });
    const leg = `the bridge presenting ${what} ${named(publishedCertificate(bad))}`;
    const attempt = await variantAttempt(bad, newClient(bad.clientProfile()), evidence, leg);
    return `${ensureClientRefusedServer(attempt, codes, leg)} (a lab whose bridge presents it)`;
  }
  const served = await lab.pki.serveSiteCertificate(variant);
  let attempt: Attempt;
  try {
    attempt = await mpListAttempt(lab, newClient(), evidence);
  } finally {
    await served.restore();
  }
  return ensureClientRefusedServer(attempt, codes, `the MP presenting ${what} ${named(served.certificate)}`);
}

/** Bridge mode: the bridge meets `variant` of the MP's certificate on its upstream leg. */
async function bridgeMeetsSiteVariant(
  { newClient, evidence, variantLab }: Fixtures,
  variant: CertificateVariant,
  what: string,
): Promise<string> {
  const bad = await variantLab({ pki: { certificates: { site: variant } } });
  const leg = `the MP presenting ${what} ${named(certificateNamed(bad, MP))} to the bridge`;
  return ensureBridgeRefusedUpstream(await variantAttempt(bad, newClient(bad.clientProfile()), evidence, leg), leg);
}

/** The party that terminates the client's TLS meets `variant` of the client certificate. */
async function siteMeetsClientVariant(
  { lab, mode, newClient, evidence }: Fixtures,
  variant: CertificateVariant,
  codes: RegExp,
  what: string,
): Promise<string> {
  const certificate = await lab.pki.issueClientCertificate({ variant });
  const client = newClient({ ...lab.clientProfile(), certificate }, { certificateSelection: 'present-as-is' });
  const attempt = await mpListAttempt(lab, client, evidence);
  return ensureSiteRefusedClient(mode, attempt, certificate, codes, `${what} ${named(certificate)}`);
}

check('PKI-SAN', 'a server certificate without the internet FQDN is refused', async (fixtures) => {
  const { lab, mode, client, evidence } = fixtures;
  const fqdn = client.profile.install.CCMHOSTNAME;
  const good = await mpListAttempt(lab, client, evidence);
  ensureServed(good, 'setup: the certificate that names the internet FQDN');
  ensure(
    good.exchange.tls?.subjectAltName.split(/,\s*/).includes(`DNS:${fqdn}`),
    `the server certificate on ${fqdn} does not name it (SAN ${good.exchange.tls?.subjectAltName})`,
  );
  const clientSide = await clientMeetsServerVariant(
    fixtures,
    'missing-internet-fqdn',
    /^ERR_TLS_CERT_ALTNAME_INVALID$/,
    'a certificate with only intranet names',
  );
  const upstream =
    mode === 'bridge'
      ? `; upstream, ${await bridgeMeetsSiteVariant(fixtures, 'missing-internet-fqdn', 'a certificate with only its intranet name')}`
      : '';
  evidence.pass(
    `the certificate naming ${fqdn} (${good.exchange.tls?.subjectAltName}) was accepted; one naming only intranet names was refused: ${clientSide}${upstream}`,
  );
});

check('PKI-EKU', 'server certificates need server authentication, client certificates client authentication', async (fixtures) => {
  const { lab, mode, client, evidence } = fixtures;
  const good = await mpListAttempt(lab, client, evidence);
  ensureServed(good, 'setup: certificates with the right EKU');
  const serverSide = await clientMeetsServerVariant(
    fixtures,
    'wrong-eku',
    /^INVALID_PURPOSE$/,
    'a server certificate with only the client-authentication EKU',
  );
  const upstream =
    mode === 'bridge'
      ? `; upstream, ${await bridgeMeetsSiteVariant(fixtures, 'wrong-eku', 'a certificate with only the client-authentication EKU')}`
      : '';
  const clientSide = await siteMeetsClientVariant(
    fixtures,
    'wrong-eku',
    /^INVALID_PURPOSE$/,
    'a client certificate with only the server-authentication EKU',
  );
  evidence.pass(
    `certificates with the right EKU were accepted; the client refused a server certificate without server authentication (${serverSide})${upstream}; ${terminator(mode)} refused a client certificate without client authentication: ${clientSide}`,
  );
});

check('PKI-EXPIRED', 'expired certificates are refused on both legs', async (fixtures) => {
  const { lab, mode, client, evidence, newClient, variantLab } = fixtures;
  const good = await mpListAttempt(lab, client, evidence);
  ensureServed(good, 'setup: certificates within their validity');
  const serverSide = await clientMeetsServerVariant(fixtures, 'expired', /^CERT_HAS_EXPIRED$/, 'an expired certificate');
  const clientSide = await siteMeetsClientVariant(fixtures, 'expired', /^CERT_HAS_EXPIRED$/, 'an expired client certificate');
  const notYet = await siteMeetsClientVariant(fixtures, 'not-yet-valid', /^CERT_NOT_YET_VALID$/, 'a client certificate not valid yet');
  let bridgeLegs = '';
  if (mode === 'bridge') {
    const upstream = await bridgeMeetsSiteVariant(fixtures, 'expired', 'an expired certificate');
    // The bridge's own client certificate expired: the MP must refuse the bridge.
    const bad = await variantLab({ pki: { certificates: { proxyClient: 'expired' } } });
    const proxyClient = certificateNamed(bad, 'proxy-client');
    const attempt = await variantAttempt(
      bad,
      newClient(bad.clientProfile()),
      evidence,
      `the bridge presenting its expired client certificate ${named(proxyClient)} to the MP`,
    );
    const entry = attempt.received[0];
    ensure(
      entry && normalizeSerial(entry.tls?.peerCertificate?.serialNumber) === normalizeSerial(proxyClient.serialNumber),
      `the bridge with an expired client certificate ${named(proxyClient)}: the MP did not see that certificate (${entry ? `it saw ${entry.tls?.peerCertificate?.subject ?? 'none'}` : 'it received nothing'})`,
    );
    ensure(
      entry.response.status === 403 && entry.error === 'CERT_HAS_EXPIRED',
      `the MP accepted the bridge's expired client certificate ${named(proxyClient)} (answered ${entry.response.status}${entry.error ? `, ${entry.error}` : ''})`,
    );
    ensure(attempt.exchange.status !== 200, `the client was served although the MP refused the bridge (${attempt.exchange.status})`);
    bridgeLegs = `; upstream, ${upstream}; the MP refused the bridge's expired client certificate (403, CERT_HAS_EXPIRED)`;
  }
  evidence.pass(
    `certificates within their validity were accepted; the client refused ${serverSide}; ${terminator(mode)} refused an expired client certificate (${clientSide}) and one not valid yet (${notYet})${bridgeLegs}`,
  );
});
