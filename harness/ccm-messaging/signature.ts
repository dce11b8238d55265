// Message signatures as ConfigMgr makes them (research W:19, W:22): RSA PKCS#1 v1.5 over SHA-256,
// emitted in CryptoAPI (little-endian) byte order — the standard signature reversed — as hex.
import { constants, createHash, createPublicKey, publicDecrypt, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

export const SHA256_RSA_OID = '1.2.840.113549.1.1.11';

export function signCryptoApi(privateKey: KeyObject, data: Buffer): string {
  return Buffer.from(sign('sha256', data, privateKey))
    .reverse()
    .toString('hex')
    .toUpperCase();
}

/** Accepts upper- and lower-case hex (PXEThief sends lower case and real MPs take it). */
export function verifyCryptoApi(publicKey: KeyObject, data: Buffer, signatureHex: string): boolean {
  if (!/^[0-9a-fA-F]+$/.test(signatureHex) || signatureHex.length % 2 !== 0) return false;
  try {
    const signature = Buffer.from(signatureHex, 'hex').reverse();
    if (verify('sha256', data, publicKey, signature)) return true;
    // CryptSignHash with CRYPT_NOHASHOID (PXEThief, W:19): PKCS#1 v1.5 over the bare digest.
    const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
    return timingSafeEqualBuffers(recovered, createHash('sha256').update(data).digest());
  } catch {
    return false;
  }
}

/** CryptoAPI PUBLICKEYBLOB of an RSA key, hex: 06 02 00 00 00 A4 00 00 'RSA1' bitlen pubexp modulus (LE). */
export function publicKeyBlobHex(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const modulus = Buffer.from(jwk.n!, 'base64url');
  const exponent = Buffer.from(jwk.e!, 'base64url');
  const header = Buffer.from([0x06, 0x02, 0x00, 0x00, 0x00, 0xa4, 0x00, 0x00]);
  const magic = Buffer.from('RSA1', 'latin1');
  const bitLength = Buffer.alloc(4);
  bitLength.writeUInt32LE(modulus.length * 8);
  const publicExponent = Buffer.alloc(4);
  publicExponent.writeUInt32LE(exponent.readUIntBE(0, exponent.length));
  return Buffer.concat([header, magic, bitLength, publicExponent, Buffer.from(modulus).reverse()])
    .toString('hex')
    .toUpperCase();
}

export function publicKeyFromBlobHex(hex: string): KeyObject {
  const blob = Buffer.from(hex, 'hex');
  if (blob.subarray(8, 12).toString('latin1') !== 'RSA1') throw new Error('not an RSA1 PUBLICKEYBLOB');
  const bits = blob.readUInt32LE(12);
  const exponent = blob.readUInt32LE(16);
  const modulus = Buffer.from(blob.subarray(20, 20 + bits / 8)).reverse();
  const e = Buffer.alloc(4);
  e.writeUInt32BE(exponent);
  return createPublicKey({
    key: { kty: 'RSA', n: modulus.toString('base64url'), e: e.subarray(e.findIndex((byte) => byte !== 0)).toString('base64url') },
    format: 'jwk',
  });
}

function timingSafeEqualBuffers(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
