/**
 * What the journal records about a TLS connection: negotiated protocol and
 * cipher, SNI, the client certificate and whether it chained to the trusted
 * CA bundle (and passed the CRL). Verdicts about client-certificate handling
 * (IBCM requires PKI client authentication) are judged from these facts.
 */
import type { TLSSocket } from 'node:tls';
import type { TlsFacts } from './journal.js';

/** Node reports authorizationError as a code string at runtime although typed as Error. */
function errorCode(error: unknown): string | null {
  if (error === null || error === undefined) return null;
  if (typeof error === 'string') return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  return typeof message === 'string' ? message : String(error);
}

/** X509Certificate names are newline-separated RDNs; one line reads better in a journal. */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

export function tlsFactsOf(socket: TLSSocket): TlsFacts {
  const certificate = socket.getPeerX509Certificate();
  return {
    protocol: socket.getProtocol() ?? null,
    cipher: socket.getCipher()?.name ?? null,
    servername: typeof socket.servername === 'string' ? socket.servername : null,
    peerCertificate: certificate
      ? {
          subject: oneLine(certificate.subject),
          issuer: oneLine(certificate.issuer),
          serialNumber: certificate.serialNumber,
          fingerprint256: certificate.fingerprint256,
          validTo: certificate.validTo,
        }
      : null,
    authorized: socket.authorized === true,
    authorizationError: errorCode(socket.authorizationError),
  };
}
