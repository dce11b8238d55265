/**
 * Site-system role server (management point, distribution point, …) on a raw
 * net/tls listener with the lab's own HTTP/1.1 reader — Node's http module
 * cannot be used because llhttp rejects CCM_POST and BITS_POST.
 *
 * This file owns listening, TLS client-certificate policy and shutdown; the
 * request loop of each connection lives in connection.ts.
 */
import net from 'node:net';
import tls from 'node:tls';
import { defaultLimits, type HeaderField, type HttpLimits, type RequestFraming } from './message.js';
import type { Journal, SiteDecision, TlsFacts } from './journal.js';
import { serveConnection, type ConnectionContext } from './connection.js';
import { tlsFactsOf } from './tls-facts.js';

export interface SiteRequest {
  method: string;
  target: string;
  version: string;
  requestLine: string;
  headers: HeaderField[];
  body: Buffer;
  connection: {
    id: number;
    remoteAddress: string;
    remotePort: number;
    tls: TlsFacts | null;
    /** Per-connection scratch map for connection-oriented auth such as NTLM. */
    state: Map<string, unknown>;
  };
  /** First header with this name, case-insensitive. */
  header(name: string): string | undefined;
}

export interface SiteResponse {
  status: number;
  reason?: string;
  headers?: [string, string][];
  body?: Buffer | string;
  /** Close the connection after this response. */
  close?: boolean;
  /** What the role decided, journaled with the entry and never sent (see JournalEntry.decided). */
  decided?: SiteDecision;
}

export type SiteHandler = (request: SiteRequest) => SiteResponse | Promise<SiteResponse>;

export interface SiteServerOptions {
  /** Journal 'server' field, and named in listen errors. */
  name: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  handler: SiteHandler;
  journal: Journal;
  tls?: {
    key: string;
    /** Leaf + chain PEM. */
    cert: string;
    /** PEM bundle trusted for client certificates. */
    ca: string;
    /** PEM CRLs checked against client certificates. */
    crl?: string | string[];
    clientCertificate: 'require' | 'request' | 'none';
  };
  limits?: Partial<HttpLimits>;
  /** Default 30000. Also the TLS handshake timeout. */
  idleTimeoutMs?: number;
  /** How conflicting request framing is resolved (default `strict`); PX-SMUGGLE's MP lets Transfer-Encoding win. */
  requestFraming?: RequestFraming;
}

export interface StartedSiteServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /**
   * From the next request on (also on connections already open): how conflicting framing is resolved.
   * PX-SMUGGLE against an appliance makes the running lab's MP lenient for the check's length.
   */
  setRequestFraming(framing: RequestFraming): void;
  close(): Promise<void>;
}

const LISTEN_ERROR_TEXT: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available',
};

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Client-certificate refusal modelled on IIS: 403.7 (no certificate),
 * 403.13 (revoked), 403.17 (expired / not yet valid), 403.16 (untrusted or invalid).
 * The journal error is Node's verification code, or NO_CLIENT_CERTIFICATE when
 * the client sent none (Node then reports the misleading UNABLE_TO_GET_ISSUER_CERT).
 */
export function clientCertificateRejection(facts: TlsFacts): { error: string; body: string } | null {
  if (facts.authorized) return null;
  const code = facts.authorizationError ?? 'UNKNOWN';
  let error = code;
  let status: string;
  if (facts.peerCertificate === null) {
    error = 'NO_CLIENT_CERTIFICATE';
    status = '403.7 Forbidden: client certificate required';
  } else if (code === 'CERT_REVOKED') {
    status = '403.13 Forbidden: client certificate revoked';
  } else if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    status = '403.17 Forbidden: client certificate has expired or is not yet valid';
  } else {
    status = '403.16 Forbidden: client certificate is untrusted or invalid';
  }
  return { error, body: `${status} (${code})\r\n` };
}

export async function startSiteServer(options: SiteServerOptions): Promise<StartedSiteServer> {
  const limits: HttpLimits = { ...defaultLimits, ...options.limits };
  const idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
  const sockets = new Set<net.Socket>();
  let nextConnectionId = 1;
  let listener = hostPort(options.host, options.port);

  let requestFraming: RequestFraming = options.requestFraming ?? 'strict';
  const baseContext = (tlsFacts: TlsFacts | null): ConnectionContext => ({
    server: options.name,
    listener,
    journal: options.journal,
    handler: options.handler,
    limits,
    idleTimeoutMs,
    // Read at every request: a framing change reaches connections already open (a proxy's pooled ones).
    get requestFraming() {
      return requestFraming;
    },
    id: nextConnectionId++,
    tls: tlsFacts,
    rejection: tlsFacts && options.tls?.clientCertificate === 'require' ? clientCertificateRejection(tlsFacts) : null,
  });

  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {}); // a peer reset must never become an uncaught exception
    socket.once('close', () => sockets.delete(socket));
  };

  // allowHalfOpen: a client that sends its request and then half-closes still gets the answer.
  let server: net.Server;
  if (options.tls) {
    const policy = options.tls.clientCertificate;
    const tlsServer = tls.createServer({
      key: options.tls.key,
      cert: options.tls.cert,
      ca: options.tls.ca,
      crl: options.tls.crl,
      requestCert: policy !== 'none',
      // Verification failures are answered with a 403 naming the reason (like IIS), not a handshake abort.
      rejectUnauthorized: false,
      allowHalfOpen: true,
      handshakeTimeout: idleTimeoutMs,
    });
    tlsServer.on('connection', track);
    tlsServer.on('secureConnection', (socket: tls.TLSSocket) => {
      track(socket);
      void serveConnection(socket, baseContext(tlsFactsOf(socket)));
    });
    tlsServer.on('tlsClientError', (_error, socket) => socket.destroy());
    server = tlsServer;
  } else {
    server = net.createServer({ allowHalfOpen: true }, (socket) => {
      track(socket);
      void serveConnection(socket, baseContext(null));
    });
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const code = error.code ?? 'UNKNOWN';
      const text = LISTEN_ERROR_TEXT[code] ?? error.message;
      reject(new Error(`${options.name} could not listen on ${listener}: ${text} (${code})`, { cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: options.host, port: options.port });
  });
  server.on('error', () => {}); // post-listen server errors are per-connection and already handled

  const address = server.address() as net.AddressInfo;
  listener = hostPort(options.host, address.port);

  let closing: Promise<void> | null = null;
  return {
    name: options.name,
    host: options.host,
    port: address.port,
    setRequestFraming(framing) {
      requestFraming = framing;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
