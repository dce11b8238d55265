/**
 * WebCrypto plumbing shared by the PKI modules: provider registration, RSA key
 * generation, serial numbers and PEM helpers.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { join } from 'node:path';
import { RsaKeyPool, defaultKeyPoolDir, keyPairInFile } from './key-pool.js';
import { x509 } from './x509.js';

export { x509 };

export type KeyPair = webcrypto.CryptoKeyPair;

/** RSASSA-PKCS1-v1_5 with SHA-256 — sha256WithRSAEncryption in the certificates and CRLs. */
export const SIGNING_ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
} as const;

const RSA_KEYGEN: webcrypto.RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

// One pool per process: a cache of key material, not lab state (see key-pool.ts).
const keyPool = new RsaKeyPool(defaultKeyPoolDir(), RSA_KEYGEN);
/** The self-signed certificates' keys (self-signed.ts): a folder of their own, never a TLS key of the same lab. */
export const signingKeyPool = new RsaKeyPool(join(defaultKeyPoolDir(), 'signing'), RSA_KEYGEN);

/**
 * An extractable RSA 2048 key pair, from an on-disk pool (the PKI's unless told) unless IBCM_LAB_FRESH_KEYS=1. Fresh
 * generation runs on libuv's thread pool, so callers start several at once and `Promise.all` them.
 */
export async function generateRsaKeyPair(pool: RsaKeyPool = keyPool): Promise<KeyPair> {
  if (process.env.IBCM_LAB_FRESH_KEYS === '1') return (await webcrypto.subtle.generateKey(RSA_KEYGEN, true, ['sign', 'verify'])) as KeyPair;
  return pool.take();
}

/**
 * The key pair kept in `<dir>/<name>.jwk.json`, made there on first use: a CA key that outlives the run
 * (appliance mode: an appliance configured once keeps trusting the lab's CAs, harness/appliance/state.ts).
 */
export function lastingRsaKeyPair(dir: string, name: string): Promise<KeyPair> {
  return keyPairInFile(join(dir, `${name}.jwk.json`), RSA_KEYGEN);
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY") of a private key. */
export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return ensureTrailingNewline(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

/**
 * A random positive serial number (16 bytes, ~126 random bits) as lower-case
 * hex, always 32 digits. The first byte is 0x10..0x7f, so the DER INTEGER
 * needs no 0x00 pad and the hex has no leading zero: it is exactly what Node's
 * `X509Certificate.serialNumber` and `openssl crl -text` print, except that
 * they print upper case.
 */
export function randomSerialNumber(): string {
  return serialNumberFrom(randomBytes(16));
}

/**
 * The serial of certificate `name` under a lasting seed (appliance mode): the same every run, so the
 * CRLs list the same serials run after run and an appliance holding an earlier run's CRL (HAProxy and
 * nginx read theirs once, at start) judges this run's revoked certificates the same. Random otherwise.
 */
export function serialNumberFor(seed: string | undefined, name: string): string {
  if (seed === undefined) return randomSerialNumber();
  return serialNumberFrom(createHash('sha256').update(`${seed}\0${name}`).digest().subarray(0, 16));
}

function serialNumberFrom(bytes: Buffer): string {
  bytes[0] = 0x10 + (bytes[0] % 0x70); // 0x10..0x7f: positive, no 0x00 pad, no leading zero digit
  return bytes.toString('hex');
}

/**
 * Canonical form used to compare serial numbers from any source: lower case,
 * no separators (":" or whitespace), no leading zeros.
 */
export function normalizeSerialNumber(serial: string): string {
  const hex = serial.replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) throw new Error(`not a hexadecimal serial number: ${JSON.stringify(serial)}`);
  return hex.replace(/^0+(?=.)/, '');
}

export function ensureTrailingNewline(pem: string): string {
  const normalized = pem.replace(/\r\n/g, '\n');
  return normalized.endsWith('\n') ? normalized : `${normalized}\n`;
}

/** Concatenates PEM blocks, one after another, each ending in a newline. */
export function joinPem(...blocks: string[]): string {
  return blocks.map(ensureTrailingNewline).join('');
}
