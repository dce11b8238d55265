// The client's message-signing identity: an RSA key and a self-signed "SMS Signing" certificate
// (EKU 1.3.6.1.4.1.311.101, research W:24), made with node-forge as real clients make theirs
// without a CA. Registration sends the certificate; every later message is signed with the key.
import { generateKeyPair, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

export interface SigningIdentity {
  privateKey: KeyObject;
  certificateDer: Buffer;
}

const generateRsa = promisify(generateKeyPair);

export async function createSigningIdentity(computerName: string): Promise<SigningIdentity> {
  const { privateKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey);
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  certificate.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8));
  certificate.validity.notBefore = new Date(Date.now() - 3600_000);
  certificate.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const subject = [{ name: 'commonName', value: computerName }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'keyUsage', digitalSignature: true },
    { name: 'extKeyUsage', '1.3.6.1.4.1.311.101': true },
  ]);
  // forge builds the certificate; OpenSSL makes the signature (RSASSA-PKCS1-v1_5 is deterministic, so
  // the bytes are the ones forge's own JavaScript RSA would make, in a fraction of the time).
  const keyObject = createPrivateKey(privateKey);
  const opensslSigner = {
    sign: () =>
      sign('sha256', Buffer.from(forge.asn1.toDer(certificate.tbsCertificate).getBytes(), 'binary'), keyObject).toString('binary'),
  };
  certificate.sign(opensslSigner as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
  return { privateKey: keyObject, certificateDer: der };
}
