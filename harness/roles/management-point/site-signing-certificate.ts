// The site server signing certificate `.sms_aut?SITESIGNCERT` hands out (research W:8): self-signed,
// subject and issuer CN "Site Server" (INST-PROPS SMSSIGNCERT: "Subject name Site Server"), the site
// server's DNS name in the SAN — what ConfigManBearPig `_cert_issuer_and_dns` reads to find the site
// server. Made with node-forge on first request (a key generation the lab need not pay unless asked).
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateRsa = promisify(generateKeyPair);

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
  const { privateKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  certificate.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8));
  certificate.validity.notBefore = new Date(Date.now() - 3600_000);
  certificate.validity.notAfter = new Date(Date.now() + 5 * 365 * 24 * 3600_000);
  const name = [{ name: 'commonName', value: 'Site Server' }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: siteServerFqdn }] }]);
  certificate.sign(key, forge.md.sha256.create());
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
}
