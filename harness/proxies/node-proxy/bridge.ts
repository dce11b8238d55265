// Reverse proxying that understands HTTP: SSL bridging (seed 000, "SSL bridging to SSL") for https
// listeners — terminate the client's TLS after checking its certificate against the lab CA and CRL,
// then open a new TLS connection to the site system with the proxy's own client certificate — and
// plain HTTP publishing for http listeners (the fallback status point). One upstream connection per
// client connection, never shared, which keeps connection-oriented Windows authentication working.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import tls from 'node:tls';
import { HttpParseError, HttpReader, encodeResponse, serializeRequestHead, serializeResponseHead, type HeaderField, type HttpRequestMessage, type HttpResponseMessage } from '../../http/index.js';
import type { ProxyContract, ProxyListener } from '../contract/schema.js';
import type { NodeProxyFaults } from './faults.js';
import { listen, type Listening } from './listen.js';
import type { ProxyLog } from './log.js';

const HOP_BY_HOP = new Set(['transfer-encoding', 'content-length', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

export async function startBridge(contract: ProxyContract, listener: ProxyListener, log: ProxyLog, faults: NodeProxyFaults): Promise<Listening> {
  const upstream = new UpstreamConnector(contract, listener, faults);
  if (listener.scheme === 'http') {
    const server = net.createServer((socket) => serve(socket, listener, log, faults, upstream));
    return listen(server, listener.bind, `node proxy (bridge) ${listener.name}`);
  }
  if (!listener.tls) throw new Error(`bridge listener ${listener.name} has no server certificate in the contract`);
  const auth = contract.clientAuthentication;
  const checkClients = Boolean(auth) && !faults.skipClientAuthentication;
  const server = tls.createServer({
    key: readFileSync(listener.tls.key),
    cert: readFileSync(listener.tls.chain),
    ca: checkClients ? readFileSync(auth!.caBundle) : undefined,
    crl: checkClients && !faults.skipRevocationCheck ? pemBlocks(readFileSync(auth!.crl, 'utf8')) : undefined,
    requestCert: checkClients,
    rejectUnauthorized: checkClients && auth!.required,
  });
  server.on('tlsClientError', (error, socket) => log.write(`${listener.name}: client ${socket.remoteAddress} rejected during TLS: ${error.message}`));
  server.on('secureConnection', (socket) => {
    const peer = socket.getPeerCertificate();
    const x509 = socket.getPeerX509Certificate();
    if (checkClients && faults.admitClient && (!x509 || !faults.admitClient(x509))) {
      log.write(`${listener.name}: client ${socket.remoteAddress}:${socket.remotePort} CN=${peer?.subject?.CN ?? '(none)'} refused: no account mapping admits this certificate`);
      socket.destroy();
      return;
    }
    log.write(`${listener.name}: client ${socket.remoteAddress}:${socket.remotePort} ${checkClients ? `authenticated as CN=${peer?.subject?.CN ?? '(none)'} serial ${peer?.serialNumber ?? '-'}` : 'accepted without client authentication'}`);
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

async function bridgeConnection(client: net.Socket, listener: ProxyListener, log: ProxyLog, faults: NodeProxyFaults, upstream: UpstreamConnector): Promise<void> {
  const fromClient = new HttpReader(faults.rawClientFilter ? filtered(client, faults.rawClientFilter) : client);
  const session = upstream.session(`${client.remoteAddress}:${client.remotePort}`, log);
  client.on('close', () => session.close());
  try {
    for (;;) {
      let request: HttpRequestMessage | null;
      try {
        request = await fromClient.readRequest();
      } catch (error) {
        if (error instanceof HttpParseError) {
          log.write(`${listener.name}: malformed request from client: ${error.message}`);
          client.end(encodeResponse({ status: error.status, headers: [['Connection', 'close']], body: `${error.message}\n` }));
        }
        return;
      }
      if (!request) return;
      const rewritten = faults.rewriteRequest ? faults.rewriteRequest(request) : request;
      if ('reject' in rewritten) {
        log.write(`${listener.name}: refused ${request.method} ${request.target}: ${rewritten.reason}`);
        client.write(encodeResponse({ status: rewritten.reject, headers: [['Content-Type', 'text/plain']], body: `${rewritten.reason}\n` }));
        continue;
      }
      let response: HttpResponseMessage | null = faults.answerLocally?.(rewritten) ?? null;
      try {
        response ??= await session.exchange(rewritten);
      } catch (error) {
        log.write(`${listener.name}: upstream failed for ${rewritten.method} ${rewritten.target}: ${(error as Error).message}`);
        client.end(encodeResponse({ status: 502, headers: [['Connection', 'close'], ['Content-Type', 'text/plain']], body: `upstream failed: ${(error as Error).message}\n` }));
        return;
      }
      if (!response) {
        log.write(`${listener.name}: upstream closed before answering ${rewritten.method} ${rewritten.target}`);
        client.end(encodeResponse({ status: 502, headers: [['Connection', 'close']], body: 'upstream closed\n' }));
        return;
      }
      if (faults.rewriteResponse) response = faults.rewriteResponse(response, rewritten);
      log.write(`${listener.name}: ${rewritten.method} ${rewritten.target} -> ${response.status} (${response.body.length} bytes)`);
      const noBody = rewritten.method === 'HEAD' || response.status === 204 || response.status === 304 || (response.status >= 100 && response.status < 200);
      const responseHeaders = noBody ? response.headers : forwardHeaders(response.headers);
      if (!noBody) responseHeaders.push({ name: 'Content-Length', value: String(response.body.length) });
      if (faults.closeClientAfterResponse) responseHeaders.push({ name: 'Connection', value: 'close' });
      client.write(Buffer.concat([serializeResponseHead({ status: response.status, reason: response.reason, headers: responseHeaders }), noBody ? Buffer.alloc(0) : response.body]));
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
 * faulty variants share one connection among all clients, or open one per request in HTTP/1.0.
 */
class UpstreamConnector {
  private shared?: Promise<{ socket: Duplex; reader: HttpReader }>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly contract: ProxyContract, private readonly listener: ProxyListener, private readonly faults: NodeProxyFaults) {}

  session(clientLabel: string, log: ProxyLog) {
    let own: { socket: Duplex; reader: HttpReader } | undefined;
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
        if (!own || own.socket.destroyed) own = await this.connect(log, `for client ${clientLabel}`);
        const response = await this.send(own, request);
        if (response && (response.framing === 'close' || /\bclose\b/i.test(headerOf(response.headers, 'connection') ?? ''))) {
          own.socket.destroy();
          own = undefined;
        }
        return response;
      },
      close: (): void => {
        own?.socket.destroy();
      },
    };
  }

  private async send(connection: { socket: Duplex; reader: HttpReader }, request: HttpRequestMessage): Promise<HttpResponseMessage | null> {
    const version = this.faults.http10Upstream ? 'HTTP/1.0' : 'HTTP/1.1';
    const headers = forwardHeaders(request.headers);
    if (request.body.length > 0 || request.framing !== 'none') headers.push({ name: 'Content-Length', value: String(request.body.length) });
    if (this.faults.http10Upstream) headers.push({ name: 'Connection', value: 'close' });
    connection.socket.write(Buffer.concat([serializeRequestHead({ method: request.method, target: request.target, version, headers }), request.body]));
    return connection.reader.readResponse(request.method);
  }

  private connect(log: ProxyLog, purpose: string): Promise<{ socket: Duplex; reader: HttpReader }> {
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
        log.write(`${this.listener.name}: upstream ${secure ? 'https' : 'http'}://${upstream.host}:${port} connected from ${tcp.localAddress}:${tcp.localPort} ${purpose}`);
        resolve({ socket, reader: new HttpReader(socket) });
      };
      if (!secure) {
        tcp.once('connect', () => ready(tcp));
        return;
      }
      const identity = upstream.clientCertificate;
      const socket = tls.connect({
        socket: tcp,
        servername: upstream.serverName,
        ca: readFileSync(upstream.caBundle),
        key: identity ? readFileSync(identity.key) : undefined,
        cert: identity ? readFileSync(identity.chain) : undefined,
        rejectUnauthorized: !this.faults.skipUpstreamVerification,
      });
      socket.once('secureConnect', () => ready(socket));
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

/** Node's `crl` option reads only the first CRL of a string; give it one entry per CRL. */
function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? [];
}

function headerOf(headers: HeaderField[], name: string): string | undefined {
  return headers.find((header) => header.name.toLowerCase() === name)?.value;
}

/** Everything end to end is passed as received; framing is re-made for the new connection. */
function forwardHeaders(headers: HeaderField[]): HeaderField[] {
  return headers.filter((header) => !HOP_BY_HOP.has(header.name.toLowerCase()));
}
