// RSA key generation is most of a lab's start-up time (2048-bit keys, a dozen per lab, dozens of
// labs in a self-test). Certificates are always made fresh; the key pairs under them come from a
// pool kept on disk (0600 files in a 0700 directory under the OS temp dir, never in the repo),
// generated on first use. Consecutive draws are distinct, so keys never repeat inside one lab.
// IBCM_LAB_FRESH_KEYS=1 generates every key anew instead.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { webcrypto } from 'node:crypto';

const POOL_SIZE = 32;

export class RsaKeyPool {
  private next = Math.floor(Math.random() * POOL_SIZE);
  private readonly loaded = new Map<number, Promise<webcrypto.CryptoKeyPair>>();

  constructor(
    private readonly dir: string,
    private readonly algorithm: webcrypto.RsaHashedKeyGenParams,
  ) {}

  take(): Promise<webcrypto.CryptoKeyPair> {
    const index = this.next;
    this.next = (this.next + 1) % POOL_SIZE;
    let pair = this.loaded.get(index);
    if (!pair) {
      pair = this.load(index);
      this.loaded.set(index, pair);
    }
    return pair;
  }

  private load(index: number): Promise<webcrypto.CryptoKeyPair> {
    return keyPairInFile(join(this.dir, `rsa-${this.algorithm.modulusLength}-${index}.jwk.json`), this.algorithm);
  }
}

/**
 * The key pair kept in `file` (a private JWK, 0600), generated and written there on first use. The
 * pool's keys, and a key that must outlive the run (appliance mode's CA keys, harness/appliance/state.ts).
 */
export async function keyPairInFile(file: string, algorithm: webcrypto.RsaHashedKeyGenParams): Promise<webcrypto.CryptoKeyPair> {
  let jwk: webcrypto.JsonWebKey | undefined;
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as webcrypto.JsonWebKey;
  } catch {
    const generated = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    jwk = await webcrypto.subtle.exportKey('jwk', generated.privateKey);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Written aside and renamed, so parallel workers never read half a file.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(jwk), { mode: 0o600 });
    renameSync(temporary, file);
    return generated;
  }
  const privateKey = await webcrypto.subtle.importKey('jwk', jwk, algorithm, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e, alg: jwk.alg, ext: true }, algorithm, true, [
    'verify',
  ]);
  return { privateKey, publicKey };
}

export function defaultKeyPoolDir(): string {
  return process.env.IBCM_LAB_KEY_POOL ?? join(tmpdir(), `ibcm-lab-keys-${userInfo().uid}`);
}
