// Self-signed certificates outside the lab's CA hierarchy: the client's message-signing
// certificate (research W:24) and the site server signing certificate (W:8). node-forge builds
// them (its certificate builder takes the extension shapes these need); OpenSSL makes the signature
// — RSASSA-PKCS1-v1_5 is deterministic, so the bytes are the ones forge's own JavaScript RSA would
// make, in a fraction of the time. The key pair comes from the lab's key pool (pki/key-pool.ts),
// from a directory of its own so a signing key is never also a TLS key of the same lab; an RSA key
// generation costs ~150 ms of CPU, and a run made a dozen of them.
import { KeyObject, sign } from 'node:crypto';
import forge from 'node-forge';
import { generateRsaKeyPair, signingKeyPool } from './crypto.js';

export interface SelfSignedCertificate {
  privateKey: KeyObject;
  certificateDer: Buffer;
}

export interface SelfSignedOptions {
  commonName: string;
  validityDays: number;
  /** node-forge extension objects (certificate.setExtensions). */
  extensions: object[];
}

async function signingKeyPair(): Promise<{ privateKey: KeyObject; publicKeyPem: string }> {
  const pair = await generateRsaKeyPair(signingKeyPool);
  return {
    privateKey: KeyObject.from(pair.privateKey),
    publicKeyPem: KeyObject.from(pair.publicKey).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export async function selfSignedCertificate(options: SelfSignedOptions): Promise<SelfSignedCertificate> {
  const { privateKey, publicKeyPem } = await signingKeyPair();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  certificate.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(8));
  certificate.validity.notBefore = new Date(Date.now() - 3600_000);
  certificate.validity.notAfter = new Date(Date.now() + options.validityDays * 24 * 3600_000);
  const name = [{ name: 'commonName', value: options.commonName }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions(options.extensions);
  const opensslSigner = {
    sign: () =>
      sign('sha256', Buffer.from(forge.asn1.toDer(certificate.tbsCertificate).getBytes(), 'binary'), privateKey).toString('binary'),
  };
  certificate.sign(opensslSigner as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const certificateDer = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(), 'binary');
  return { privateKey, certificateDer };
}
