/**
 * Throwaway PKI for the TLS tests, built with the openssl CLI at test time
 * (Node can make keys but not certificates): a lab root CA, a server leaf for
 * localhost/127.0.0.1, a good client, a revoked client plus the CA's CRL
 * listing it, and a client from an unrelated CA. EC P-256 keeps it fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPairPem {
  key: string;
  cert: string;
}

export interface TlsMaterial {
  ca: string;
  crl: string;
  server: KeyPairPem;
  client: KeyPairPem;
  revokedClient: KeyPairPem;
  /** Issued by a CA the server does not trust. */
  rogueClient: KeyPairPem;
  /** Remove the temp directory. */
  cleanup(): void;
}

const EXTENSIONS = `
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1

[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
`;

/** Minimal `openssl ca` configuration: only revocation and CRL generation use it. */
function caConfig(dir: string): string {
  return `
[ca]
default_ca = lab

[lab]
dir = ${dir}
database = $dir/index.txt
crlnumber = $dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/ca.key
new_certs_dir = $dir
default_md = sha256
default_crl_days = 2
policy = any

[any]
commonName = supplied
`;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function createTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'ibcm-http-tls-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  try {
    writeFileSync(file('ext.cnf'), EXTENSIONS);
    writeFileSync(file('ca.cnf'), caConfig(dir));
    writeFileSync(file('index.txt'), '');
    writeFileSync(file('crlnumber'), '1000\n');

    const makeCa = (name: string, subject: string): void => {
      openssl(
        'req',
        '-x509',
        ...EC,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-subj',
        subject,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      );
    };
    const makeLeaf = (name: string, subject: string, issuer: string, serial: string, profile: 'server' | 'client'): void => {
      openssl('req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      openssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${issuer}.crt`,
        '-CAkey',
        `${issuer}.key`,
        '-set_serial',
        serial,
        '-days',
        '2',
        '-sha256',
        '-extfile',
        'ext.cnf',
        '-extensions',
        profile,
        '-out',
        `${name}.crt`,
      );
    };

    makeCa('ca', '/O=IBCM Lab/CN=IBCM Lab Test Root CA');
    makeCa('rogue-ca', '/O=Elsewhere/CN=Rogue CA');
    makeLeaf('server', '/O=IBCM Lab/CN=localhost', 'ca', '0x1001', 'server');
    makeLeaf('client', '/O=IBCM Lab/CN=client-good.lab', 'ca', '0x2001', 'client');
    makeLeaf('revoked', '/O=IBCM Lab/CN=client-revoked.lab', 'ca', '0x2002', 'client');
    makeLeaf('rogue', '/O=Elsewhere/CN=client-rogue.lab', 'rogue-ca', '0x3001', 'client');
    openssl('ca', '-config', 'ca.cnf', '-revoke', 'revoked.crt', '-crl_reason', 'keyCompromise');
    openssl('ca', '-config', 'ca.cnf', '-gencrl', '-out', 'crl.pem');

    const read = (name: string): string => readFileSync(file(name), 'utf8');
    const pair = (name: string): KeyPairPem => ({ key: read(`${name}.key`), cert: read(`${name}.crt`) });
    return {
      ca: read('ca.crt'),
      crl: read('crl.pem'),
      server: pair('server'),
      client: pair('client'),
      revokedClient: pair('revoked'),
      rogueClient: pair('rogue'),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`could not build TLS test material with openssl: ${(error as Error).message}\n${stderr}`);
  }
}
