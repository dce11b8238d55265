// Reverse proxying that understands HTTP: SSL bridging (seed 000, "SSL bridging to SSL") for https
// listeners — terminate the client's TLS after checking its certificate against the lab CA and CRL,
// then open a new TLS connection to the site system with the proxy's own client certificate, checking
// the site system's chain against the contract's upstream CRL — and
// plain HTTP publishing for http listeners (the fallback status point). One upstream connection per
// client connection, never shared, which keeps connection-oriented Windows authentication working.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import tls from 'node:tls';
import { x509 as peculiar } from '../../pki/x509.js';
import {
  HttpParseError,
  HttpReader,
  encodeResponse,
  serializeRequestHead,
  serializeResponseHead,
  type HeaderField,
  type HttpRequestMessage,
  type HttpResponseMessage,
} from '../../http/index.js';
import type { ProxyContract, ProxyListener } from '../contract/schema.js';
import type { NodeProxyFaults } from './faults.js';
import { listen, type Listening } from './listen.js';
import type { ProxyLog } from './log.js';

const HOP_BY_HOP = new Set(['transfer-encoding', 'content-length', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

export async function startBridge(
  contract: ProxyContract,
  listener: ProxyListener,
  log: ProxyLog,
  faults: NodeProxyFaults,
): Promise<Listening> {
  const upstream = new UpstreamConnector(contract, listener, faults);
  if (listener.scheme === 'http') {
    const server = net.createServer((socket) => serve(socket, listener, log, faults, upstream));
    return listen(server, listener.bind, `node proxy (bridge) ${listener.name}`);
  }
  if (!listener.tls) throw new Error(`bridge listener ${listener.name} has no server certificate in the contract`);
  const auth = contract.clientAuthentication;
  const checkClients = Boolean(auth) && !faults.skipClientAuthentication;
  // Faulty: the client's own serial checked against the CRLs, its issuing CA's not at all.
  const leafOnly = checkClients && !faults.skipRevocationCheck && faults.leafOnlyRevocationCheck ? revokedSerials(auth!.crl) : undefined;
  const optional = checkClients && Boolean(faults.optionalClientCertificate?.(listener));
  const server = tls.createServer({
    key: readFileSync(listener.tls.key),
    cert: readFileSync(listener.tls.chain),
    ca: checkClients ? readFileSync(auth!.caBundle) : undefined,
    crl: checkClients && !faults.skipRevocationCheck && !leafOnly ? pemBlocks(readFileSync(auth!.crl, 'utf8')) : undefined,
    requestCert: checkClients,
    rejectUnauthorized: checkClients && auth!.required && !optional,
  });
  server.on('tlsClientError', (error, socket) =>
    log.write(`${listener.name}: client ${socket.remoteAddress} rejected during TLS: ${error.message}`),
  );
  server.on('secureConnection', (socket) => {
    const peer = socket.getPeerCertificate();
    const x509 = socket.getPeerX509Certificate();
    if (leafOnly && x509 && leafOnly.has(normalizeSerial(x509.serialNumber))) {
      log.write(
        `${listener.name}: client ${socket.remoteAddress}:${socket.remotePort} CN=${peer?.subject?.CN ?? '(none)'} refused: certificate revoked (serial ${x509.serialNumber})`,
      );
      socket.destroy();
      return;
    }
    if (optional && !socket.authorized) {
      // Optional verification: a certificate that fails is refused, a client without one is let in.
      if (x509) {
        log.write(`${listener.name}: client ${socket.remoteAddress}:${socket.remotePort} refused: ${String(socket.authorizationError)}`);
        socket.destroy();
        return;
      }
      log.write(
        `${listener.name}: client ${socket.remoteAddress}:${socket.remotePort} accepted without a client certificate (verification optional)`,
      );
      serve(socket, listener, log, faults, upstream);
      return;
    }
    if (checkClients && faults.admitClient && (!x509 || !faults.admitClient(x509))) {
      log.write(
        `${listener.name}: client ${socket.remoteAddress}:${socket.remotePort} CN=${peer?.subject?.CN ?? '(none)'} refused: no account mapping admits this certificate`,
      );
      socket.destroy();
      return;
    }
    log.write(
      `${listener.name}: client ${socket.remoteAddress}:${socket.remotePort} ${checkClients ? `authenticated as CN=${peer?.subject?.CN ?? '(none)'} serial ${peer?.serialNumber ?? '-'}` : 'accepted without client authentication'}`,
    );
    serve(socket, listener, log, faults, upstream);
  });
  return listen(server, listener.bind, `node proxy (bridge) ${listener.name}`);
}

function serve(client: net.Socket, listener: ProxyListener, log: ProxyLog, faults: NodeProxyFaults, upstream: UpstreamConnector): void {
  bridgeConnection(client, listener, log, faults, upstream).catch((error: Error) => {
    log.write(`${listener.name}: connection failed: ${error.message}`);
    client.destroy();
  });
}

async function bridgeConnection(
  client: net.Socket,
  listener: ProxyListener,
  log: ProxyLog,
  faults: NodeProxyFaults,
  upstream: UpstreamConnector,
): Promise<void> {
  const fromClient = new HttpReader(faults.rawClientFilter ? filtered(client, faults.rawClientFilter) : client);
  const session = upstream.session(`${client.remoteAddress}:${client.remotePort}`, log);
  client.on('close', () => session.close());
  try {
    for (;;) {
      let request: HttpRequestMessage | null;
      try {
        request = await fromClient.readRequest({ framing: faults.requestFraming });
      } catch (error) {
        if (error instanceof HttpParseError) {
          log.write(`${listener.name}: malformed request from client: ${error.message}`);
          client.end(encodeResponse({ status: error.status, headers: [['Connection', 'close']], body: `${error.message}\n` }));
        }
        return;
      }
      if (!request) return;
      const rewritten = faults.rewriteRequest
        ? faults.rewriteRequest(request, listener, (client as tls.TLSSocket).getPeerX509Certificate?.() ?? undefined)
        : request;
      if ('reject' in rewritten) {
        log.write(`${listener.name}: refused ${request.method} ${request.target}: ${rewritten.reason}`);
        client.write(
          encodeResponse({ status: rewritten.reject, headers: [['Content-Type', 'text/plain']], body: `${rewritten.reason}\n` }),
        );
        continue;
      }
      let response: HttpResponseMessage | null = faults.answerLocally?.(rewritten) ?? null;
      try {
        response ??= await session.exchange(rewritten);
      } catch (error) {
        log.write(`${listener.name}: upstream failed for ${rewritten.method} ${rewritten.target}: ${(error as Error).message}`);
        client.end(
          encodeResponse({
            status: 502,
            headers: [
              ['Connection', 'close'],
              ['Content-Type', 'text/plain'],
            ],
            body: `upstream failed: ${(error as Error).message}\n`,
          }),
        );
        return;
      }
      if (!response) {
        log.write(`${listener.name}: upstream closed before answering ${rewritten.method} ${rewritten.target}`);
        client.end(encodeResponse({ status: 502, headers: [['Connection', 'close']], body: 'upstream closed\n' }));
        return;
      }
      if (faults.rewriteResponse) response = faults.rewriteResponse(response, rewritten);
      log.write(`${listener.name}: ${rewritten.method} ${rewritten.target} -> ${response.status} (${response.body.length} bytes)`);
      const noBody =
        rewritten.method === 'HEAD' ||
        response.status === 204 ||
        response.status === 304 ||
        (response.status >= 100 && response.status < 200);
      const responseHeaders = noBody ? response.headers : forwardHeaders(response.headers);
      if (!noBody) responseHeaders.push({ name: 'Content-Length', value: String(response.body.length) });
      if (faults.closeClientAfterResponse) responseHeaders.push({ name: 'Connection', value: 'close' });
      client.write(
        Buffer.concat([
          serializeResponseHead({ status: response.status, reason: response.reason, headers: responseHeaders }),
          noBody ? Buffer.alloc(0) : response.body,
        ]),
      );
      if (faults.closeClientAfterResponse || /\bclose\b/i.test(headerOf(rewritten.headers, 'connection') ?? '')) {
        client.end();
        return;
      }
    }
  } finally {
    session.close();
  }
}

/**
 * Upstream connections. Normally a session owns one connection for one client connection. The
 * faulty variants share one connection among all clients, open one per request in HTTP/1.0, or
 * hand a disconnected client's connection to the next client (a pool).
 */
class UpstreamConnector {
  private shared?: Promise<{ socket: Duplex; reader: HttpReader }>;
  private queue: Promise<unknown> = Promise.resolve();
  /** upstreamPool: idle connections, the last one back on top. */
  private readonly idle: { socket: Duplex; reader: HttpReader; label: string }[] = [];

  constructor(
    private readonly contract: ProxyContract,
    private readonly listener: ProxyListener,
    private readonly faults: NodeProxyFaults,
  ) {}

  session(clientLabel: string, log: ProxyLog) {
    let own: { socket: Duplex; reader: HttpReader; label?: string } | undefined;
    let busy = false;
    /** The connection carried Windows authentication: never handed to another client. */
    let privateConnection = false;
    return {
      // Arrow functions, so `this` stays the connector.
      exchange: async (request: HttpRequestMessage): Promise<HttpResponseMessage | null> => {
        if (this.faults.sharedUpstream) {
          const run = this.queue.then(async () => {
            this.shared ??= this.connect(log, 'shared by every client');
            const connection = await this.shared;
            return this.send(connection, request);
          });
          this.queue = run.catch(() => undefined);
          return run;
        }
        if (this.faults.http10Upstream) {
          const connection = await this.connect(log, `for one HTTP/1.0 request of ${clientLabel}`);
          try {
            return await this.send(connection, request);
          } finally {
            connection.socket.destroy();
          }
        }
        if (!own || own.socket.destroyed) own = this.fromPool(log, clientLabel) ?? (await this.connect(log, `for client ${clientLabel}`));
        busy = true;
        let response: HttpResponseMessage | null;
        try {
          response = await this.send(own, request);
        } finally {
          busy = false;
        }
        if (carriesWindowsAuthentication(request, response)) privateConnection = true;
        if (response && (response.framing === 'close' || /\bclose\b/i.test(headerOf(response.headers, 'connection') ?? ''))) {
          own.socket.destroy();
          own = undefined;
        }
        return response;
      },
      close: (): void => {
        if (this.faults.upstreamPool && own && !own.socket.destroyed && !busy && !privateConnection) {
          const label = own.label ?? 'an upstream connection';
          this.idle.push({ ...own, label });
          log.write(`${this.listener.name}: ${label} back in the pool after client ${clientLabel} left`);
        } else {
          own?.socket.destroy();
        }
        own = undefined;
      },
    };
  }

  /** upstreamPool: the most recently returned idle connection that is still open. */
  private fromPool(log: ProxyLog, clientLabel: string): { socket: Duplex; reader: HttpReader; label: string } | undefined {
    if (!this.faults.upstreamPool) return undefined;
    for (let pooled = this.idle.pop(); pooled; pooled = this.idle.pop()) {
      if (pooled.socket.destroyed) continue;
      log.write(`${this.listener.name}: ${pooled.label} taken from the pool for client ${clientLabel}`);
      return pooled;
    }
    return undefined;
  }

  private async send(connection: { socket: Duplex; reader: HttpReader }, request: HttpRequestMessage): Promise<HttpResponseMessage | null> {
    const version = this.faults.http10Upstream ? 'HTTP/1.0' : 'HTTP/1.1';
    if (this.faults.forwardFramingVerbatim && request.framing === 'content-length') {
      // The head as received, framing fields and all, and the body bytes as this proxy framed them.
      connection.socket.write(
        Buffer.concat([
          serializeRequestHead({ method: request.method, target: request.target, version, headers: request.headers }),
          request.body,
        ]),
      );
      return connection.reader.readResponse(request.method);
    }
    const headers = forwardHeaders(request.headers);
    if (request.body.length > 0 || request.framing !== 'none') headers.push({ name: 'Content-Length', value: String(request.body.length) });
    if (this.faults.http10Upstream) headers.push({ name: 'Connection', value: 'close' });
    connection.socket.write(
      Buffer.concat([serializeRequestHead({ method: request.method, target: request.target, version, headers }), request.body]),
    );
    return connection.reader.readResponse(request.method);
  }

  private connect(log: ProxyLog, purpose: string): Promise<{ socket: Duplex; reader: HttpReader; label: string }> {
    const upstream = this.listener.upstream;
    // Only the MP serves plain HTTP in the lab (for intranet clients), so that is where it downgrades.
    const downgrade = this.faults.downgradeUpstream && upstream.scheme === 'https' && this.listener.role === 'management-point';
    const port = downgrade ? upstream.port - 443 + 80 : upstream.port;
    const secure = upstream.scheme === 'https' && !downgrade;
    return new Promise((resolve, reject) => {
      // The TCP leg is made first so it can leave from the proxy's DMZ-side address.
      const tcp = net.connect({ host: upstream.host, port, localAddress: this.contract.egress.host });
      tcp.once('error', reject);
      const ready = (socket: Duplex) => {
        log.write(
          `${this.listener.name}: upstream ${secure ? 'https' : 'http'}://${upstream.host}:${port} connected from ${tcp.localAddress}:${tcp.localPort} ${purpose}`,
        );
        resolve({ socket, reader: new HttpReader(socket), label: `upstream connection from ${tcp.localAddress}:${tcp.localPort}` });
      };
      if (!secure) {
        tcp.once('connect', () => ready(tcp));
        return;
      }
      const identity = upstream.clientCertificate;
      const verify = !this.faults.skipUpstreamVerification;
      // The whole chain against the upstream CRL (read per connection: the lab rewrites it on a revocation).
      const checkCrl = verify && upstream.crl !== undefined && !this.faults.skipUpstreamRevocationCheck;
      const leafOnly = checkCrl && this.faults.leafOnlyRevocationCheck ? revokedSerials(upstream.crl!) : undefined;
      const serverName = this.faults.upstreamServerName ? this.faults.upstreamServerName(this.listener) : upstream.serverName;
      const socket = tls.connect({
        socket: tcp,
        servername: serverName ?? undefined,
        // The site system's certificate is checked against the contract's name whatever SNI is sent.
        checkServerIdentity: (_host, certificate) => tls.checkServerIdentity(upstream.serverName, certificate),
        ca: readFileSync(upstream.caBundle),
        crl: checkCrl && !leafOnly ? pemBlocks(readFileSync(upstream.crl!, 'utf8')) : undefined,
        key: identity ? readFileSync(identity.key) : undefined,
        cert: identity ? readFileSync(identity.chain) : undefined,
        rejectUnauthorized: verify,
      });
      socket.once('secureConnect', () => {
        const serial = socket.getPeerX509Certificate()?.serialNumber;
        if (leafOnly && serial && leafOnly.has(normalizeSerial(serial))) {
          socket.destroy();
          reject(new Error(`certificate revoked (site system serial ${serial})`));
          return;
        }
        ready(socket);
      });
      socket.once('error', reject);
    });
  }
}

function filtered(socket: net.Socket, filter: (chunk: Buffer) => Buffer): Duplex {
  const through = new PassThrough();
  socket.on('data', (chunk: Buffer) => through.write(filter(chunk)));
  socket.on('end', () => through.end());
  socket.on('close', () => through.destroy());
  return through;
}

/** Faulty (leafOnlyRevocationCheck): every serial listed on the CRLs of `file`, normalised. */
function revokedSerials(file: string): Set<string> {
  return new Set(
    pemBlocks(readFileSync(file, 'utf8')).flatMap((pem) =>
      new peculiar.X509Crl(pem).entries.map((entry) => normalizeSerial(entry.serialNumber)),
    ),
  );
}

function normalizeSerial(serial: string): string {
  return serial
    .replace(/[:\s]/g, '')
    .replace(/^0+(?=.)/, '')
    .toLowerCase();
}

/** Node's `crl` option reads only the first CRL of a string; give it one entry per CRL. */
function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? [];
}

/** NTLM / Negotiate on this exchange: the connection is bound to whoever authenticated on it. */
function carriesWindowsAuthentication(request: HttpRequestMessage, response: HttpResponseMessage | null): boolean {
  const windows = /^(ntlm|negotiate)\b/i;
  return (
    windows.test(headerOf(request.headers, 'authorization') ?? '') ||
    (response?.headers ?? []).some((header) => header.name.toLowerCase() === 'www-authenticate' && windows.test(header.value))
  );
}

function headerOf(headers: HeaderField[], name: string): string | undefined {
  return headers.find((header) => header.name.toLowerCase() === name)?.value;
}

/** Everything end to end is passed as received; framing is re-made for the new connection. */
function forwardHeaders(headers: HeaderField[]): HeaderField[] {
  return headers.filter((header) => !HOP_BY_HOP.has(header.name.toLowerCase()));
}
