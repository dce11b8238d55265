// The client's HTTP stack: undici 7 with the client certificate, the lab CA, and names resolved
// through the lab DNS view of the client's segment (undici `connect.lookup`). One keep-alive
// connection pool per origin, as the ConfigMgr client keeps one per site system.
import type { TLSSocket } from 'node:tls';
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
  private readonly pools = new Map<string, { client: Client; lastTls?: TlsPeerFacts }>();

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
        path: spec.target,
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

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.client.destroy().catch(() => undefined)));
    this.pools.clear();
  }

  private pool(origin: string) {
    let pool = this.pools.get(origin);
    if (pool) return pool;
    const url = new URL(origin);
    const certificate = this.options.presentCertificate !== false && this.profile.install.UsePKICert ? this.profile.certificate : null;
    const connector = buildConnector({
      ca: this.profile.trustedRootsPem,
      cert: certificate?.chainPem,
      key: certificate?.keyPem,
      rejectUnauthorized: true,
      lookup: labLookup(this.profile.dns) as never,
      timeout: this.options.timeoutMs ?? 10_000,
    });
    const entry: { client: Client; lastTls?: TlsPeerFacts } = { client: undefined as unknown as Client };
    entry.client = new Client(url.origin, {
      localAddress: this.profile.localAddress,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: (options, callback) =>
        connector(options, (error, socket) => {
          if (!error && url.protocol === 'https:') entry.lastTls = tlsFacts(socket as TLSSocket);
          callback(error, socket as never);
        }),
    });
    this.pools.set(origin, entry);
    return entry;
  }
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
