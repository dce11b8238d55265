/**
 * On-disk layout of one PKI hierarchy under the per-run directory:
 *
 *   <dir>/                 0700
 *     trust-bundle.pem     root + issuing CA (written by LabPki)
 *     certs/<stem>.pem     certificate (CA certificates too)
 *     certs/<stem>-chain.pem  leaf + issuing CA (no root)
 *     keys/<stem>.key      PKCS#8 private key, 0600 (dir 0700)
 *     crl/<ca-stem>.crl    DER CRL (the file the CDP serves)
 *     crl/<ca-stem>.crl.pem PEM of the same CRL
 *     untrusted/...        the same layout for the untrusted hierarchy
 */
import { chmod, mkdir, open } from 'node:fs/promises';
import path from 'node:path';

const DIR_MODE = 0o700;
const KEY_MODE = 0o600;
const PUBLIC_MODE = 0o644;

/** File stems become file names: keep them to a safe, portable alphabet. */
export function assertFileStem(stem: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(stem) || stem.includes('..')) {
    throw new Error(`invalid certificate name ${JSON.stringify(stem)}: use letters, digits, ".", "_" and "-" (file stem, no path)`);
  }
}

export class PkiStore {
  readonly certsDir: string;
  readonly keysDir: string;
  readonly crlDir: string;

  private constructor(readonly dir: string) {
    this.certsDir = path.join(dir, 'certs');
    this.keysDir = path.join(dir, 'keys');
    this.crlDir = path.join(dir, 'crl');
  }

  /** Creates (or reuses) `dir` and its sub-folders, all mode 0700. */
  static async open(dir: string): Promise<PkiStore> {
    const store = new PkiStore(path.resolve(dir));
    await makePrivateDir(store.dir);
    await Promise.all([store.certsDir, store.keysDir, store.crlDir].map(makePrivateDir));
    return store;
  }

  certPath(stem: string): string {
    return path.join(this.certsDir, `${stem}.pem`);
  }
  chainPath(stem: string): string {
    return path.join(this.certsDir, `${stem}-chain.pem`);
  }
  keyPath(stem: string): string {
    return path.join(this.keysDir, `${stem}.key`);
  }
  crlDerPath(caStem: string): string {
    return path.join(this.crlDir, `${caStem}.crl`);
  }
  crlPemPath(caStem: string): string {
    return path.join(this.crlDir, `${caStem}.crl.pem`);
  }

  writePublic(file: string, data: string | Buffer): Promise<void> {
    return writeWithMode(file, data, PUBLIC_MODE);
  }
  writeSecret(file: string, data: string | Buffer): Promise<void> {
    return writeWithMode(file, data, KEY_MODE);
  }
}

async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE); // mkdir's mode is filtered by umask and ignored for existing dirs
}

/** Writes a file and forces its mode (open()'s mode only applies on creation and is umask-filtered). */
async function writeWithMode(file: string, data: string | Buffer, mode: number): Promise<void> {
  const handle = await open(file, 'w', mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}
