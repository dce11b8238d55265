// A client-side forward proxy (seed 000: internet clients may sit behind a web proxy): HTTP CONNECT
// for HTTPS, absolute-form requests for plain HTTP. Names resolve through the contract's resolver.
import net from 'node:net';
import { labLookup } from '../../dns/resolver.js';
import {
  HttpParseError,
  HttpReader,
  encodeResponse,
  serializeRequestHead,
  serializeResponseHead,
  type HttpRequestMessage,
} from '../../http/index.js';
import type { ProxyContract } from '../contract/schema.js';
import type { NodeProxyFaults } from './faults.js';
import { listen, type Listening } from './listen.js';
import type { ProxyLog } from './log.js';

export function startForward(contract: ProxyContract, log: ProxyLog, faults: NodeProxyFaults = {}): Promise<Listening> {
  const forward = contract.forwardProxy!;
  const lookup = labLookup({ host: contract.resolver.host, port: contract.resolver.port });
  const server = net.createServer((client) => {
    handle(client).catch((error: Error) => {
      log.write(`forward: client ${client.remoteAddress} failed: ${error.message}`);
      client.destroy();
    });
  });

  async function handle(client: net.Socket): Promise<void> {
    const reader = new HttpReader(client);
    for (;;) {
      let request: HttpRequestMessage | null;
      try {
        request = await reader.readRequest();
      } catch (error) {
        if (error instanceof HttpParseError)
          client.end(encodeResponse({ status: error.status, headers: [['Connection', 'close']], body: `${error.message}\n` }));
        return;
      }
      if (!request) return;
      if (request.method === 'CONNECT') return tunnel(client, reader, request);
      if (!(await plainHttp(client, request))) return;
    }
  }

  async function tunnel(client: net.Socket, reader: HttpReader, request: HttpRequestMessage): Promise<void> {
    const match = /^([^:]+):(\d+)$/.exec(request.target);
    const port = Number(match?.[2]);
    if (!match || !forward.allowedPorts.includes(port) || faults.forwardRefuseConnect?.(match[1]!, port)) {
      log.write(`forward: refused CONNECT ${request.target} (port not allowed)`);
      client.end(encodeResponse({ status: 403, headers: [['Connection', 'close']], body: 'CONNECT to this port is not allowed\n' }));
      return;
    }
    if (faults.forwardBlockHost?.(match[1]!)) {
      log.write(`forward: dropped CONNECT ${request.target} (blocked host)`);
      client.destroy();
      return;
    }
    let upstream: net.Socket;
    try {
      upstream = await connect(match[1]!, port);
    } catch (error) {
      // As Squid does: the client hears why its tunnel was not made (502), not a bare hang-up.
      log.write(`forward: CONNECT ${request.target} failed: ${(error as Error).message}`);
      client.end(encodeResponse({ status: 502, headers: [['Connection', 'close']], body: `${(error as Error).message}\n` }));
      return;
    }
    log.write(
      `forward: CONNECT ${request.target} from ${client.remoteAddress}:${client.remotePort} via ${upstream.localAddress}:${upstream.localPort}`,
    );
    const early = reader.release();
    client.write(serializeResponseHead({ status: 200, reason: 'Connection Established', headers: [] }));
    if (early.length) upstream.write(early);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  }

  /** Absolute-form (`POST http://fsp.example/SMS_FSP/.sms_fsp`): one upstream request per request. */
  async function plainHttp(client: net.Socket, request: HttpRequestMessage): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(request.target);
      if (url.protocol !== 'http:') throw new Error('not http');
    } catch {
      client.end(
        encodeResponse({
          status: 400,
          headers: [['Connection', 'close']],
          body: 'a forward proxy needs an absolute http:// target or CONNECT\n',
        }),
      );
      return false;
    }
    const port = Number(url.port || 80);
    if (!forward.allowedPorts.includes(port)) {
      client.write(encodeResponse({ status: 403, headers: [], body: 'port not allowed\n' }));
      return true;
    }
    if (faults.forwardBlockHost?.(url.hostname)) {
      log.write(`forward: dropped ${request.method} ${request.target} (blocked host)`);
      client.destroy();
      return false;
    }
    const answer = faults.forwardAnswer?.(request, url);
    if (answer) {
      log.write(`forward: answered ${request.method} ${request.target} itself -> ${answer.status}`);
      const headers = [
        ...answer.headers.filter((header) => header.name.toLowerCase() !== 'content-length'),
        { name: 'Content-Length', value: String(answer.body.length) },
      ];
      client.write(
        Buffer.concat([
          serializeResponseHead({ status: answer.status, reason: answer.reason, headers }),
          request.method === 'HEAD' ? Buffer.alloc(0) : answer.body,
        ]),
      );
      return true;
    }
    let upstream: net.Socket;
    try {
      upstream = await connect(url.hostname, port);
    } catch (error) {
      log.write(`forward: ${request.method} ${request.target} failed: ${(error as Error).message}`);
      client.end(encodeResponse({ status: 502, headers: [['Connection', 'close']], body: `${(error as Error).message}\n` }));
      return false;
    }
    const upstreamReader = new HttpReader(upstream);
    const target = request.target.slice(request.target.indexOf('/', url.protocol.length + 2)) || '/';
    // RFC 9112 §3.2.2: a proxy that receives absolute form replaces Host with the target's authority.
    const headers = request.headers
      .map((header) => (header.name.toLowerCase() === 'host' ? { name: header.name, value: url.host } : header))
      .filter((header) => !['proxy-connection', 'content-length', 'transfer-encoding'].includes(header.name.toLowerCase()));
    if (!headers.some((header) => header.name.toLowerCase() === 'host')) headers.unshift({ name: 'Host', value: url.host });
    if (request.body.length || request.framing !== 'none') headers.push({ name: 'Content-Length', value: String(request.body.length) });
    upstream.write(Buffer.concat([serializeRequestHead({ method: request.method, target, version: 'HTTP/1.1', headers }), request.body]));
    const response = await upstreamReader.readResponse(request.method);
    upstream.destroy();
    log.write(`forward: ${request.method} ${request.target} -> ${response?.status ?? 'no response'}`);
    if (!response) {
      client.end(encodeResponse({ status: 502, headers: [['Connection', 'close']], body: 'upstream closed\n' }));
      return false;
    }
    const noBody = request.method === 'HEAD' || response.status === 204 || response.status === 304;
    // A HEAD answer's Content-Length is the size of the resource (BITS and Windows Update read it): keep it.
    const responseHeaders = response.headers.filter(
      (header) =>
        !['transfer-encoding', 'connection'].includes(header.name.toLowerCase()) &&
        (noBody || header.name.toLowerCase() !== 'content-length'),
    );
    if (!noBody) responseHeaders.push({ name: 'Content-Length', value: String(response.body.length) });
    client.write(
      Buffer.concat([
        serializeResponseHead({ status: response.status, reason: response.reason, headers: responseHeaders }),
        noBody ? Buffer.alloc(0) : response.body,
      ]),
    );
    return true;
  }

  function connect(host: string, port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, localAddress: contract.egress.host, lookup: lookup as never });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  return listen(server, forward.bind, 'node proxy (forward)');
}
