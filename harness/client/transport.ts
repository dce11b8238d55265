// The client's HTTP stack: undici 7 with the client certificate, the lab CA, and names resolved
// through the lab DNS view of the client's segment (undici `connect.lookup`). One keep-alive
// connection pool per origin, as the ConfigMgr client keeps one per site system.
import net, { type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { Client, buildConnector } from 'undici';
import { labLookup } from '../dns/resolver.js';
import { sha256Hex, type Exchange, type TlsPeerFacts } from './exchange.js';
import type { ClientProfile } from './profile.js';

export interface RequestSpec {
  method: string;
  /** Request target exactly as it must go on the wire (`/SMS_MP/.sms_aut?MPLIST`). */
  target: string;
  headers?: [string, string][];
  body?: Buffer | string;
}

export interface TransportOptions {
  /** Present the PKI client certificate (CCMSetup /UsePKICert). */
  presentCertificate?: boolean;
  timeoutMs?: number;
}

export class ClientTransport {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly profile: ClientProfile, private readonly options: TransportOptions = {}) {}

  async exchange(origin: string, spec: RequestSpec): Promise<Exchange> {
    const started = Date.now();
    const body = spec.body === undefined ? undefined : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
    const exchange: Exchange = {
      at: new Date(started).toISOString(),
      origin,
      method: spec.method,
      target: spec.target,
      requestHeaders: spec.headers ?? [],
      requestBodyLength: body?.length ?? 0,
      requestBodySha256: sha256Hex(body ?? Buffer.alloc(0)),
      durationMs: 0,
    };
    const pool = this.pool(origin);
    try {
      const response = await pool.client.request({
        method: spec.method,
        // Through a web proxy, plain HTTP goes in absolute form; HTTPS is tunnelled with CONNECT.
        path: pool.absoluteForm ? `${origin}${spec.target}` : spec.target,
        headers: (spec.headers ?? []).flat(),
        body,
        // undici closes the connection after a body-carrying request whose method is not POST, PUT
        // or PATCH unless told otherwise; ConfigMgr keeps it open for CCM_POST, BITS_POST and PROPFIND.
        reset: false,
        headersTimeout: this.options.timeoutMs ?? 10_000,
        bodyTimeout: this.options.timeoutMs ?? 10_000,
      });
      const responseBody = Buffer.from(await response.body.arrayBuffer());
      exchange.status = response.statusCode;
      exchange.responseHeaders = Object.entries(response.headers).flatMap(([name, value]) => (Array.isArray(value) ? value.map((v): [string, string] => [name, v]) : [[name, String(value)] as [string, string]]));
      exchange.responseBody = responseBody;
      exchange.responseBodyLength = responseBody.length;
      exchange.responseBodySha256 = sha256Hex(responseBody);
    } catch (error) {
      const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
      const err = (cause && cause.code ? cause : error) as NodeJS.ErrnoException;
      exchange.error = { code: err.code ?? err.name, message: err.message };
    }
    exchange.tls = pool.lastTls;
    exchange.durationMs = Date.now() - started;
    return exchange;
  }

  /**
   * Raw bytes on a fresh connection to an origin (through the web proxy if there is one), for
   * hostile-input checks: writes `bytes`, collects what comes back until the peer closes or stays
   * quiet for `idleMs`.
   */
  async raw(origin: string, bytes: Buffer, idleMs = 1500): Promise<{ response: Buffer; error?: string }> {
    const url = new URL(origin);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const certificate = this.options.presentCertificate !== false && this.profile.install.UsePKICert ? this.profile.certificate : null;
    const timeout = this.options.timeoutMs ?? 10_000;
    let socket: Socket;
    try {
      const tcp = this.profile.webProxy
        ? await connectThroughProxy(this.profile.webProxy, this.profile.localAddress, url.hostname, port, timeout)
        : await new Promise<Socket>((resolve, reject) => {
            const plain = net.connect({ host: url.hostname, port, localAddress: this.profile.localAddress, lookup: labLookup(this.profile.dns) as never });
            plain.once('connect', () => resolve(plain));
            plain.once('error', reject);
          });
      socket =
        url.protocol === 'https:'
          ? await new Promise<Socket>((resolve, reject) => {
              const secure = tls.connect({ socket: tcp, servername: url.hostname, ca: this.profile.trustedRootsPem, cert: certificate?.chainPem, key: certificate?.keyPem, rejectUnauthorized: true });
              secure.once('secureConnect', () => resolve(secure));
              secure.once('error', reject);
            })
          : tcp;
    } catch (error) {
      return { response: Buffer.alloc(0), error: (error as Error).message };
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let timer: NodeJS.Timeout;
      const finish = (error?: string) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ response: Buffer.concat(chunks), error });
      };
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(), idleMs);
      };
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        arm();
      });
      socket.once('end', () => finish());
      socket.once('error', (error) => finish(error.message));
      socket.write(bytes);
      arm();
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.client.destroy().catch(() => undefined)));
    this.pools.clear();
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool) return pool;
    const url = new URL(origin);
    const certificate = this.options.presentCertificate !== false && this.profile.install.UsePKICert ? this.profile.certificate : null;
    const tlsOptions = { ca: this.profile.trustedRootsPem, cert: certificate?.chainPem, key: certificate?.keyPem, rejectUnauthorized: true };
    const timeout = this.options.timeoutMs ?? 10_000;
    const proxy = this.profile.webProxy;
    const entry: Pool = { client: undefined as unknown as Client, absoluteForm: Boolean(proxy) && url.protocol === 'http:' };
    const record = (socket: Socket) => {
      if (url.protocol === 'https:') entry.lastTls = tlsFacts(socket as TLSSocket);
    };
    let connect: buildConnector.connector;
    if (proxy && url.protocol === 'https:') {
      connect = (options, callback) => {
        connectThroughProxy(proxy, this.profile.localAddress, options.hostname, Number(options.port || 443), timeout)
          .then((tunnel) => {
            const socket = tls.connect({ ...tlsOptions, socket: tunnel, servername: options.servername ?? options.hostname });
            socket.once('secureConnect', () => {
              record(socket);
              callback(null, socket as never);
            });
            socket.once('error', (error) => callback(error, null));
          })
          .catch((error: Error) => callback(error, null));
      };
    } else {
      const connector = buildConnector({ ...tlsOptions, lookup: labLookup(this.profile.dns) as never, timeout });
      connect = (options, callback) =>
        connector(options, (error, socket) => {
          if (!error && socket) record(socket as Socket);
          callback(error, socket as never);
        });
    }
    entry.client = new Client(entry.absoluteForm ? `http://${proxy!.host}:${proxy!.port}` : url.origin, {
      localAddress: this.profile.localAddress,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect,
    });
    this.pools.set(origin, entry);
    return entry;
  }
}

interface Pool {
  client: Client;
  lastTls?: TlsPeerFacts;
  /** Plain HTTP through a web proxy: requests go to the proxy with an absolute URL. */
  absoluteForm: boolean;
}

/** HTTP CONNECT through the client's web proxy (the proxy resolves the name). */
function connectThroughProxy(proxy: { host: string; port: number }, localAddress: string | undefined, host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port, localAddress });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`web proxy ${proxy.host}:${proxy.port} did not answer CONNECT ${host}:${port}`), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }, timeoutMs);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      clearTimeout(timer);
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1'))?.[1];
      if (status !== '200') {
        socket.destroy();
        reject(Object.assign(new Error(`web proxy refused CONNECT ${host}:${port}: ${head.subarray(0, head.indexOf('\r\n')).toString('latin1')}`), { code: 'PROXY_CONNECT_REFUSED' }));
        return;
      }
      if (end + 4 < head.length) socket.unshift(head.subarray(end + 4));
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('connect', () => socket.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`));
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function tlsFacts(socket: TLSSocket): TlsPeerFacts {
  const peer = socket.getPeerCertificate();
  return {
    protocol: socket.getProtocol(),
    subject: peer?.subject ? Object.entries(peer.subject).map(([k, v]) => `${k}=${v}`).join(', ') : '',
    issuer: peer?.issuer ? Object.entries(peer.issuer).map(([k, v]) => `${k}=${v}`).join(', ') : '',
    serialNumber: peer?.serialNumber ?? '',
    subjectAltName: peer?.subjectaltname ?? '',
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
  };
}
