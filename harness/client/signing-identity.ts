// The client's message-signing identity: an RSA key and a self-signed "SMS Signing" certificate
// (EKU 1.3.6.1.4.1.311.101, research W:24), as real clients make theirs without a CA.
// Registration sends the certificate; every later message is signed with the key.
import type { KeyObject } from 'node:crypto';
import { selfSignedCertificate } from '../pki/self-signed.js';

export interface SigningIdentity {
  privateKey: KeyObject;
  certificateDer: Buffer;
}

export function createSigningIdentity(computerName: string): Promise<SigningIdentity> {
  return selfSignedCertificate({
    commonName: computerName,
    validityDays: 365,
    extensions: [
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', '1.3.6.1.4.1.311.101': true },
    ],
  });
}
