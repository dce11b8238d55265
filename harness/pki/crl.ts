/**
 * Signed X.509 v2 CRLs: AKI + CRL Number extensions, reasonCode per entry.
 */
import { webcrypto } from 'node:crypto';
import { SIGNING_ALGORITHM, ensureTrailingNewline, x509 } from './crypto.js';
import type { PublishedCrl, RevocationReason } from './types.js';

export interface RevocationEntry {
  /** Lower-case hex, no leading zeros. */
  serialNumber: string;
  revocationDate: Date;
  reason: RevocationReason;
}

export interface CrlSigner {
  /** The CA certificate (its subject becomes the CRL issuer, byte for byte). */
  cert: x509.X509Certificate;
  signingKey: webcrypto.CryptoKey;
  /** The CA's subject key identifier (hex) — becomes the CRL's AKI. */
  keyId: string;
}

const OID_CRL_NUMBER = '2.5.29.20';

/** DER encoding of a non-negative INTEGER. */
function derInteger(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`CRL number out of range: ${value}`);
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return Uint8Array.from([0x02, bytes.length, ...bytes]);
}

export function crlNumberExtension(crlNumber: number): x509.Extension {
  return new x509.Extension(OID_CRL_NUMBER, false, derInteger(crlNumber));
}

export interface SignCrlParams {
  signer: CrlSigner;
  entries: readonly RevocationEntry[];
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number;
}

export async function signCrl(params: SignCrlParams): Promise<x509.X509Crl> {
  const { signer } = params;
  return x509.X509CrlGenerator.create({
    issuer: signer.cert.subjectName,
    thisUpdate: params.thisUpdate,
    nextUpdate: params.nextUpdate,
    signingKey: signer.signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [new x509.AuthorityKeyIdentifierExtension(signer.keyId), crlNumberExtension(params.crlNumber)],
    entries: params.entries.map((e) => ({
      serialNumber: e.serialNumber,
      revocationDate: e.revocationDate,
      // 'unspecified' is expressed by leaving reasonCode out (RFC 5280 5.3.1).
      reason: e.reason === 'keyCompromise' ? x509.X509CrlReason.keyCompromise : undefined,
    })),
  });
}

export function toPublishedCrl(
  crl: x509.X509Crl,
  meta: { url: string; crlNumber: number; revokedSerials: string[]; filePath: string },
): PublishedCrl {
  const url = new URL(meta.url);
  return {
    issuer: crl.issuer,
    url: meta.url,
    path: url.pathname,
    der: Buffer.from(crl.rawData),
    // RFC 7468 / OpenSSL label is "X509 CRL"; @peculiar/x509's toString('pem') writes "CRL",
    // which OpenSSL (and so Node's tls `crl` option) refuses to parse.
    pem: ensureTrailingNewline(x509.PemConverter.encode(crl.rawData, 'X509 CRL')),
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate ?? crl.thisUpdate,
    crlNumber: meta.crlNumber,
    revokedSerials: [...meta.revokedSerials],
    filePath: meta.filePath,
  };
}
