// SSL bridging (seed 000, "SSL bridging to SSL"): terminate the client's TLS after checking its
// certificate against the lab CA and CRL, then open a new TLS connection to the site system with
// the proxy's own client certificate. One upstream connection per client connection — never
// shared — which also keeps connection-oriented Windows authentication (NTLM) working.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { HttpParseError, HttpReader, encodeResponse, serializeRequestHead, serializeResponseHead, type HeaderField, type HttpRequestMessage } from '../../http/index.js';
import type { ProxyContract, ProxyListener } from '../contract/schema.js';
import type { NodeProxyFaults } from './faults.js';
import type { ProxyLog } from './log.js';
import { listen, type Listening } from './listen.js';

const HOP_BY_HOP = new Set(['transfer-encoding', 'content-length', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

export async function startBridge(contract: ProxyContract, listener: ProxyListener, log: ProxyLog, faults: NodeProxyFaults): Promise<Listening> {
  if (!listener.tls) throw new Error(`bridge listener ${listener.name} has no server certificate in the contract`);
  const auth = contract.clientAuthentication;
  const server = tls.createServer({
    key: readFileSync(listener.tls.key),
    cert: readFileSync(listener.tls.chain),
    ca: auth ? readFileSync(auth.caBundle) : undefined,
    crl: auth ? pemBlocks(readFileSync(auth.crl, 'utf8')) : undefined,
    requestCert: Boolean(auth),
    rejectUnauthorized: Boolean(auth?.required),
  });
  server.on('tlsClientError', (error, socket) => log.write(`${listener.name}: client ${socket.remoteAddress} rejected during TLS: ${error.message}`));
  server.on('secureConnection', (socket) => {
    const peer = socket.getPeerCertificate();
    log.write(`${listener.name}: client ${socket.remoteAddress}:${socket.remotePort} authenticated as CN=${peer?.subject?.CN ?? '(none)'} serial ${peer?.serialNumber ?? '-'}`);
    bridgeConnection(socket, contract, listener, log, faults).catch((error: Error) => {
      log.write(`${listener.name}: connection failed: ${error.message}`);
      socket.destroy();
    });
  });
  return listen(server, listener.bind, `node proxy (bridge) ${listener.name}`);
}

async function bridgeConnection(client: TLSSocket, contract: ProxyContract, listener: ProxyListener, log: ProxyLog, faults: NodeProxyFaults): Promise<void> {
  const fromClient = new HttpReader(client);
  let upstream: TLSSocket | undefined;
  let fromUpstream: HttpReader | undefined;
  client.on('close', () => upstream?.destroy());
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
      if (!upstream || upstream.destroyed) {
        upstream = await connectUpstream(contract, listener);
        fromUpstream = new HttpReader(upstream);
        log.write(`${listener.name}: upstream ${listener.upstream.host}:${listener.upstream.port} connected from ${upstream.localAddress}:${upstream.localPort} for client ${client.remoteAddress}:${client.remotePort}`);
      }
      const headers = forwardHeaders(rewritten.headers);
      if (rewritten.body.length > 0 || rewritten.framing !== 'none') headers.push({ name: 'Content-Length', value: String(rewritten.body.length) });
      upstream.write(Buffer.concat([serializeRequestHead({ method: rewritten.method, target: rewritten.target, version: 'HTTP/1.1', headers }), rewritten.body]));
      const response = await fromUpstream!.readResponse(rewritten.method);
      if (!response) {
        log.write(`${listener.name}: upstream closed before answering ${rewritten.method} ${rewritten.target}`);
        client.end(encodeResponse({ status: 502, headers: [['Connection', 'close']], body: 'upstream closed\n' }));
        return;
      }
      log.write(`${listener.name}: ${rewritten.method} ${rewritten.target} -> ${response.status} (${response.body.length} bytes)`);
      const noBody = rewritten.method === 'HEAD' || response.status === 204 || response.status === 304;
      const responseHeaders = noBody ? response.headers : forwardHeaders(response.headers);
      if (!noBody) responseHeaders.push({ name: 'Content-Length', value: String(response.body.length) });
      client.write(Buffer.concat([serializeResponseHead({ status: response.status, reason: response.reason, headers: responseHeaders }), noBody ? Buffer.alloc(0) : response.body]));
      if (response.framing === 'close' || /\bclose\b/i.test(headerOf(response.headers, 'connection') ?? '')) {
        upstream.destroy();
        upstream = undefined;
      }
      if (/\bclose\b/i.test(headerOf(rewritten.headers, 'connection') ?? '')) {
        client.end();
        return;
      }
    }
  } finally {
    upstream?.destroy();
  }
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

function connectUpstream(contract: ProxyContract, listener: ProxyListener): Promise<TLSSocket> {
  const upstream = listener.upstream;
  const identity = upstream.clientCertificate;
  return new Promise((resolve, reject) => {
    // The TCP leg is made first so it can leave from the proxy's DMZ-side address.
    const tcp = net.connect({ host: upstream.host, port: upstream.port, localAddress: contract.egress?.host });
    tcp.once('error', reject);
    const socket = tls.connect({
      socket: tcp,
      servername: upstream.serverName,
      ca: readFileSync(upstream.caBundle),
      key: identity ? readFileSync(identity.key) : undefined,
      cert: identity ? readFileSync(identity.chain) : undefined,
      rejectUnauthorized: true,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}
