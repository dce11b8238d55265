// One HTTP exchange as the client saw it: what it sent and what came back (or how it failed).
// This is the client half of every verdict's evidence; the role journals are the other half.
import { createHash } from 'node:crypto';
import type { CheckedCertificate, CrlAttempt, RevocationFinding } from './revocation.js';

export interface TlsPeerFacts {
  protocol: string | null;
  subject: string;
  issuer: string;
  serialNumber: string;
  subjectAltName: string;
  validFrom?: string;
  validTo?: string;
  authorized: boolean;
  authorizationError: string | null;
  /** The client's revocation check of the server chain (W:50): off with /NoCRLCheck. */
  revocation?: RevocationFacts;
}

export interface RevocationFacts {
  checked: boolean;
  /** Each certificate of the chain and the CRL that decided its status. */
  certificates: CheckedCertificate[];
  /** Every CRL URL the client tried, with what it saw. */
  attempts: CrlAttempt[];
  /** Passed into the TLS context as `crl` too (CRLs fetched earlier for this site system). */
  crlInTlsContext: boolean;
  /** Why the chain was refused (CERT_REVOKED, CERT_REV_FAILED): the certificate, its CRL URLs, what the client saw. */
  finding?: RevocationFinding;
}

export interface Exchange {
  at: string;
  origin: string;
  method: string;
  target: string;
  requestHeaders: [string, string][];
  requestBodyLength: number;
  requestBodySha256: string;
  status?: number;
  responseHeaders?: [string, string][];
  responseBodyLength?: number;
  responseBodySha256?: string;
  /** The response body itself; omitted from JSON evidence beyond a preview. */
  responseBody?: Buffer;
  error?: { code: string; message: string };
  tls?: TlsPeerFacts;
  /**
   * The client connection the exchange went on: connections to one origin are numbered in the order
   * the client opened them (the same number twice: the connection was kept alive between them).
   */
  connection?: number;
  durationMs: number;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A JSON-friendly copy: body as a short preview only. */
export function exchangeEvidence(exchange: Exchange): Omit<Exchange, 'responseBody'> & { responseBodyPreview?: string } {
  const { responseBody, ...rest } = exchange;
  return responseBody === undefined ? rest : { ...rest, responseBodyPreview: previewOf(responseBody) };
}

function previewOf(body: Buffer): string {
  const slice = body.subarray(0, 256);
  const printable = slice.every((byte) => byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127));
  return printable ? slice.toString('latin1') : `base64:${slice.toString('base64')}`;
}
