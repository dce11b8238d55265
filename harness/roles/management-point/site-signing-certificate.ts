// The site server signing certificate `.sms_aut?SITESIGNCERT` hands out (research W:8): self-signed,
// subject and issuer CN "Site Server" (INST-PROPS SMSSIGNCERT: "Subject name Site Server"), the site
// server's DNS name in the SAN — what ConfigManBearPig `_cert_issuer_and_dns` reads to find the site
// server. Made on first request (pki/self-signed.ts).
import { selfSignedCertificate } from '../../pki/self-signed.js';

/** One per site server and process: a site keeps its signing certificate, and every lab of a run is the same site. */
const made = new Map<string, Promise<Buffer>>();

/** DER of a self-signed "Site Server" certificate naming `siteServerFqdn`. */
export function createSiteSigningCertificate(siteServerFqdn: string): Promise<Buffer> {
  let certificate = made.get(siteServerFqdn);
  if (!certificate) {
    certificate = makeSiteSigningCertificate(siteServerFqdn);
    made.set(siteServerFqdn, certificate);
    certificate.catch(() => made.delete(siteServerFqdn));
  }
  return certificate;
}

async function makeSiteSigningCertificate(siteServerFqdn: string): Promise<Buffer> {
  const { certificateDer } = await selfSignedCertificate({
    commonName: 'Site Server',
    validityDays: 5 * 365,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: siteServerFqdn }] }],
  });
  return certificateDer;
}
