// The client's HTTP stack: undici 7 with the client certificate, the lab CA, and names resolved
// through the lab DNS view of the client's segment. One keep-alive connection pool per origin, as
// the ConfigMgr client keeps one per site system. Every HTTPS connection is opened here: TLS to the
// site system (directly or through a CONNECT tunnel of the web proxy), the server chain verified
// against the trusted roots and the name, then — unless /NoCRLCheck — every certificate of the chain
// checked against its CRL, fetched over HTTP from the CDP it names (W:50), before a request is sent.
import { X509Certificate } from 'node:crypto';
import net, { type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { Client, type buildConnector } from 'undici';
import { labLookup } from '../dns/resolver.js';
import { selectClientCertificate, type CertificateSelection } from './certificate-selection.js';
import { sha256Hex, type Exchange, type TlsPeerFacts } from './exchange.js';
import type { ClientCertificate, ClientProfile } from './profile.js';
import { CertificateRevocationError, RevocationChecker, type RevocationFinding } from './revocation.js';

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
  /**
   * `documented` (default): choose the certificate from the store by the documented rules (W:49).
   * `present-as-is`: present the store's first certificate whatever it is — a misconfigured or
   * hostile client, for checks that the site side refuses it.
   */
  certificateSelection?: 'documented' | 'present-as-is';
  /** Connect, TLS handshake, response head, and each quiet spell in the body (default 10 s). */
  timeoutMs?: number;
  /** The whole exchange, head and body, however the bytes trickle in (default 2 × timeoutMs; longer while the body flows at MIN_BODY_RATE). */
  deadlineMs?: number;
  /**
   * A header every request carries to mark the check it belongs to (appliance mode: the way go-ftw
   * marks WAF tests, so an appliance's own log lines can be told apart by check).
   */
  checkMarker?: [string, string];
}

/**
 * Bounds on what a peer (a hostile proxy) can make the client hold: a response head over
 * MAX_RESPONSE_HEADER_BYTES or a body over MAX_RESPONSE_BODY_BYTES (above the largest content file
 * a topology may publish, 256 MiB) ends the exchange with an error instead of filling memory.
 */
export const MAX_RESPONSE_HEADER_BYTES = 64 * 1024;
export const MAX_RESPONSE_BODY_BYTES = 300 * 1024 * 1024;
/** What `raw()` keeps of an answer to hostile input before it stops reading. */
export const MAX_RAW_RESPONSE_BYTES = 4 * 1024 * 1024;
/** A body still arriving at this rate (bytes per second, averaged over the exchange) outlives the exchange's deadline. */
export const MIN_BODY_RATE = 64 * 1024;

/** The User-Agent Windows' CryptoAPI sends when it fetches a CRL (the client runs as LOCAL SYSTEM). */
export const CRYPTOAPI_USER_AGENT = 'Microsoft-CryptoAPI/10.0';

export class ClientTransport {
  private readonly pools = new Map<string, Pool>();
  private readonly revocation: RevocationChecker;
  /** Which certificate the client presents, and why (evidence). */
  readonly certificateSelection: CertificateSelection;
  /** Every CRL download the client made (evidence). */
  readonly crlFetches: Exchange[] = [];
  /** Every time the client could not learn a server chain's revocation status and so refused it (CERT_REV_FAILED). */
  readonly revocationFailures: RevocationFinding[] = [];
  /** Origin → the CRL URLs its chain needed last time (so the next connection can carry them in its TLS context). */
  private readonly crlUrlsByOrigin = new Map<string, string[]>();

  constructor(
    private readonly profile: ClientProfile,
    private readonly options: TransportOptions = {},
  ) {
    this.revocation = new RevocationChecker((url) => this.fetchCrl(url));
    const store = [...(profile.certificate ? [profile.certificate] : []), ...(profile.otherCertificates ?? [])];
    if (options.presentCertificate === false || !profile.install.UsePKICert) {
      this.certificateSelection = {
        selected: null,
        considered: [],
        failure: options.presentCertificate === false ? 'the client presents no certificate' : 'installed without /UsePKICert',
      };
    } else if (options.certificateSelection === 'present-as-is') {
      this.certificateSelection = {
        selected: store[0] ?? null,
        considered: [],
        failure: store.length ? undefined : 'the Personal store holds no certificate',
      };
    } else {
      this.certificateSelection = selectClientCertificate(store, {
        computerName: profile.computerName,
        certificateIssuers: profile.install.CCMCERTISSUERS,
      });
    }
  }

  /** The certificate the client presents in TLS (null: none). */
  get certificate(): ClientCertificate | null {
    return this.certificateSelection.selected;
  }

  async exchange(origin: string, spec: RequestSpec): Promise<Exchange> {
    const started = Date.now();
    const marker = this.options.checkMarker;
    if (marker) spec = { ...spec, headers: [...(spec.headers ?? []), marker] };
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
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const deadlineMs = this.options.deadlineMs ?? 2 * timeoutMs;
    // However slowly the answer trickles in (undici's bodyTimeout restarts with every byte), the
    // exchange ends by its deadline — unless its body is still flowing at MIN_BODY_RATE or better (a
    // large download on a busy machine), checked again every second.
    const deadline = new AbortController();
    let bodyBytes = 0;
    let headReceived = false;
    const expire = () => {
      const elapsed = (Date.now() - started) / 1000;
      if (headReceived && bodyBytes >= MIN_BODY_RATE * elapsed) {
        deadlineTimer = setTimeout(expire, 1000);
        return;
      }
      deadline.abort(
        Object.assign(
          new Error(
            `the answer was not complete within ${seconds(Date.now() - started)} (${headReceived ? `${bodyBytes} bytes of body` : 'not even its head'}: it trickled in slower than ${MIN_BODY_RATE / 1024} KiB/s)`,
          ),
          { code: 'RESPONSE_DEADLINE' },
        ),
      );
    };
    let deadlineTimer = setTimeout(expire, deadlineMs);
    try {
      const response = await pool.client.request({
        method: spec.method,
        // Through a web proxy, plain HTTP goes in absolute form; HTTPS is tunnelled with CONNECT.
        path: pool.absoluteForm ? `${origin}${spec.target}` : spec.target,
        // RFC 9110 §7.2: Host names the target's authority — also in absolute form, where undici
        // would otherwise name the web proxy it is connected to.
        headers: [
          ...(pool.absoluteForm && !(spec.headers ?? []).some(([name]) => name.toLowerCase() === 'host')
            ? [['Host', new URL(origin).host]]
            : []),
          ...(spec.headers ?? []),
        ].flat(),
        body,
        // undici closes the connection after a body-carrying request whose method is not POST, PUT
        // or PATCH unless told otherwise; ConfigMgr keeps it open for CCM_POST, BITS_POST and PROPFIND.
        reset: false,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: deadline.signal,
      });
      headReceived = true;
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        bodyBytes += chunk.length;
      }
      const responseBody = Buffer.concat(chunks, bodyBytes);
      exchange.status = response.statusCode;
      exchange.responseHeaders = Object.entries(response.headers).flatMap(([name, value]) =>
        Array.isArray(value) ? value.map((v): [string, string] => [name, v]) : [[name, String(value)] as [string, string]],
      );
      exchange.responseBody = responseBody;
      exchange.responseBodyLength = responseBody.length;
      exchange.responseBodySha256 = sha256Hex(responseBody);
    } catch (error) {
      exchange.error = describeTransportError(deadline.signal.aborted ? deadline.signal.reason : error, timeoutMs);
    } finally {
      clearTimeout(deadlineTimer);
    }
    exchange.tls = pool.lastTls;
    exchange.connection = pool.connections;
    exchange.durationMs = Date.now() - started;
    return exchange;
  }

  /**
   * Raw bytes on a fresh connection to an origin (through the web proxy if there is one), for
   * hostile-input checks: writes `bytes`, collects what comes back until the peer closes or stays
   * quiet for `idleMs` (once it has answered something: for `quietAfterReplyMs`, as a peer that
   * keeps the connection open has said what it will) — at most MAX_RAW_RESPONSE_BYTES, for at most
   * the exchange deadline.
   */
  async raw(origin: string, bytes: Buffer, idleMs = 1500, quietAfterReplyMs = idleMs): Promise<{ response: Buffer; error?: string }> {
    const url = new URL(origin);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    let socket: Socket;
    try {
      if (url.protocol === 'https:') socket = (await this.openTls(origin, url.hostname, port, url.hostname)).socket;
      else if (this.profile.webProxy)
        socket = await connectThroughProxy(
          this.profile.webProxy,
          this.profile.localAddress,
          url.hostname,
          port,
          this.options.timeoutMs ?? 10_000,
          this.profile.station,
        );
      else socket = await this.openTcp(url.hostname, port);
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
        timer = setTimeout(() => finish(), chunks.length ? quietAfterReplyMs : idleMs);
      };
      const deadlineMs = this.options.deadlineMs ?? 2 * (this.options.timeoutMs ?? 10_000);
      const deadline = setTimeout(() => finish(`the peer kept sending for ${seconds(deadlineMs)} without closing or pausing`), deadlineMs);
      socket.once('close', () => clearTimeout(deadline));
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received > MAX_RAW_RESPONSE_BYTES) {
          clearTimeout(deadline);
          finish(`the peer sent more than ${MAX_RAW_RESPONSE_BYTES} bytes`);
          return;
        }
        arm();
      });
      socket.once('end', () => finish());
      socket.once('error', (error) => finish(error.message));
      socket.write(bytes);
      arm();
    });
  }

  /** Can a TCP connection be opened to host:port from where the client stands (name through its DNS view)? */
  async probeTcp(host: string, port: number): Promise<{ reachable: boolean; error?: string }> {
    try {
      const socket = await this.openTcp(host, port);
      socket.destroy();
      return { reachable: true };
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      return { reachable: false, error: `${err.code ?? err.name}: ${err.message}` };
    }
  }

  async close(): Promise<void> {
    // The client's own connections are closed first, plainly: undici would destroy each with an
    // error, and Node formats that error's stack at once (under Playwright, through source maps —
    // a few percent of a run's CPU for nothing anyone reads).
    for (const pool of this.pools.values()) for (const socket of pool.sockets) socket.destroy();
    await Promise.all([...this.pools.values()].map((pool) => pool.client.destroy().catch(() => undefined)));
    this.pools.clear();
  }

  private pool(origin: string): Pool {
    const pool = this.pools.get(origin);
    if (pool) return pool;
    const url = new URL(origin);
    const proxy = this.profile.webProxy;
    const entry: Pool = {
      client: undefined as unknown as Client,
      absoluteForm: Boolean(proxy) && url.protocol === 'http:',
      connections: 0,
      sockets: new Set(),
    };
    const track = (socket: Socket) => {
      entry.sockets.add(socket);
      socket.once('close', () => entry.sockets.delete(socket));
      return socket;
    };
    let connect: buildConnector.connector;
    if (url.protocol === 'https:') {
      connect = (options, callback) => {
        entry.connections++;
        entry.lastTls = undefined;
        this.openTls(origin, options.hostname, Number(options.port || 443), options.servername || options.hostname).then(
          ({ socket, facts }) => {
            entry.lastTls = facts;
            callback(null, track(socket) as never);
          },
          (error: Error & { facts?: TlsPeerFacts }) => {
            entry.lastTls = error.facts;
            callback(error, null);
          },
        );
      };
    } else {
      // Plain HTTP: straight to the origin, or to the web proxy (absolute-form requests).
      connect = (options, callback) => {
        entry.connections++;
        (proxy ? this.openTcp(proxy.host, proxy.port, false) : this.openTcp(options.hostname, Number(options.port || 80))).then(
          (socket) => callback(null, track(socket) as never),
          (error: Error) => callback(error, null),
        );
      };
    }
    entry.client = new Client(entry.absoluteForm ? `http://${proxy!.host}:${proxy!.port}` : url.origin, {
      pipelining: 1,
      keepAliveTimeout: 30_000,
      maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
      maxResponseSize: MAX_RESPONSE_BODY_BYTES,
      connect,
    });
    this.pools.set(origin, entry);
    return entry;
  }

  /** A TCP connection from the client's address (or its station), names resolved through the lab DNS view. */
  private openTcp(host: string, port: number, resolve = true): Promise<Socket> {
    const timeout = this.options.timeoutMs ?? 10_000;
    if (this.profile.station)
      return connectThroughStation(this.profile.station, resolve ? this.profile.dns : undefined, host, port, timeout);
    return new Promise((done, fail) => {
      const socket = net.connect({
        host,
        port,
        localAddress: this.profile.localAddress,
        lookup: resolve ? (labLookup(this.profile.dns) as never) : undefined,
      });
      const timer = setTimeout(
        () =>
          socket.destroy(
            Object.assign(new Error(`connect to ${host}:${port} timed out after ${timeout} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
          ),
        timeout,
      );
      socket.once('connect', () => {
        clearTimeout(timer);
        done(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        fail(error);
      });
    });
  }

  /**
   * TLS to a site system, verified as the ConfigMgr client verifies it: the chain to a trusted
   * root, the name (`checkServerIdentity`), then revocation. On failure the error carries the facts
   * of what the server presented, so the evidence says what the client saw.
   */
  private async openTls(
    origin: string,
    host: string,
    port: number,
    servername: string,
  ): Promise<{ socket: TLSSocket; facts: TlsPeerFacts }> {
    const timeout = this.options.timeoutMs ?? 10_000;
    const checkCrl = !this.profile.install.NoCRLCheck;
    const knownUrls = this.crlUrlsByOrigin.get(origin);
    // CRLs already fetched for this site system's chain go into the TLS context too, so OpenSSL checks them as well.
    const crl = checkCrl && knownUrls ? this.revocation.currentCrlPems(knownUrls) : undefined;
    const tunnel = this.profile.webProxy
      ? await connectThroughProxy(this.profile.webProxy, this.profile.localAddress, host, port, timeout, this.profile.station)
      : await this.openTcp(host, port);
    const certificate = this.certificate;
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const secure = tls.connect({
        socket: tunnel,
        servername,
        secureContext: clientSecureContext(this.profile.trustedRootsPem, certificate?.chainPem, certificate?.keyPem, crl),
        // Verification is done below, after the handshake, so a refusal can say what the server presented.
        rejectUnauthorized: false,
        // Node's own check, as by default; the peer certificate it builds for it is kept, so the
        // checks below do not build it a second time (it is the costliest object of a handshake).
        checkServerIdentity: (hostname, peer) => {
          peerCertificates.set(secure, peer as tls.DetailedPeerCertificate);
          return tls.checkServerIdentity(hostname, peer);
        },
      });
      const timer = setTimeout(
        () =>
          secure.destroy(
            Object.assign(new Error(`TLS handshake with ${host}:${port} timed out after ${timeout} ms`), {
              code: 'UND_ERR_CONNECT_TIMEOUT',
            }),
          ),
        timeout,
      );
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve(secure);
      });
      secure.once('error', (error) => {
        clearTimeout(timer);
        tunnel.destroy();
        reject(error);
      });
    });
    const facts = tlsFacts(socket);
    const refuse = (error: Error & { code?: string }) => {
      socket.destroy();
      throw Object.assign(error, { facts });
    };
    if (!socket.authorized) {
      const code = String(socket.authorizationError ?? 'UNABLE_TO_VERIFY');
      refuse(
        Object.assign(
          new Error(
            `${code}: the server presented ${facts.subject || '(no certificate)'} (serial ${facts.serialNumber || '-'}, issued by ${facts.issuer || '-'}, valid ${facts.validFrom ?? '?'} – ${facts.validTo ?? '?'}) and the client does not accept it`,
          ),
          { code },
        ),
      );
    }
    const identity = tls.checkServerIdentity(servername, peerCertificateOf(socket)) as (Error & { code?: string }) | undefined;
    if (identity)
      refuse(
        Object.assign(
          new Error(
            `${identity.code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'}: the server certificate ${facts.subject} names ${facts.subjectAltName || 'no SAN'}, not ${servername}: ${identity.message}`,
          ),
          { code: identity.code ?? 'ERR_TLS_CERT_ALTNAME_INVALID' },
        ),
      );
    if (!checkCrl) {
      facts.revocation = { checked: false, certificates: [], attempts: [], crlInTlsContext: false };
      return { socket, facts };
    }
    const report = await this.revocation.check(peerChain(socket, this.profile.trustedRootsPem));
    facts.revocation = {
      checked: true,
      certificates: report.certificates,
      attempts: report.attempts,
      crlInTlsContext: Boolean(crl),
      finding: report.finding,
    };
    if (report.finding?.code === 'CERT_REV_FAILED') this.revocationFailures.push(report.finding);
    if (report.finding) refuse(new CertificateRevocationError(report.finding));
    // OpenSSL given a `crl` checks the whole chain (CRL_CHECK_ALL): every CRL the chain needed.
    this.crlUrlsByOrigin.set(origin, [...new Set(report.certificates.flatMap((checked) => (checked.crlUrl ? [checked.crlUrl] : [])))]);
    return { socket, facts };
  }

  /** GET a CRL as CryptoAPI does: plain HTTP through the lab DNS, through the web proxy if there is one. */
  private async fetchCrl(url: string): Promise<{ status?: number; body?: Buffer; error?: string }> {
    const parsed = new URL(url);
    const exchange = await this.exchange(parsed.origin, {
      method: 'GET',
      target: `${parsed.pathname}${parsed.search}`,
      headers: [
        ['User-Agent', CRYPTOAPI_USER_AGENT],
        ['Cache-Control', 'no-cache'],
      ],
    });
    this.crlFetches.push(exchange);
    const via = this.profile.webProxy ? ` (through the web proxy ${this.profile.webProxy.host}:${this.profile.webProxy.port})` : '';
    if (exchange.error) return { error: `${exchange.error.code} ${exchange.error.message}${via}` };
    return { status: exchange.status, body: exchange.responseBody };
  }
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * What went wrong in an exchange, said as what the peer did (the reason a check reports): undici's
 * and Node's error codes kept, their messages replaced where they name a parser state rather than
 * the peer's behaviour.
 */
export function describeTransportError(error: unknown, timeoutMs: number): { code: string; message: string } {
  const outer = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const err = (outer.cause && outer.cause.code ? outer.cause : outer) as NodeJS.ErrnoException & { data?: string };
  const code = err.code ?? err.name ?? 'Error';
  const message = err.message ?? String(error);
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return {
        code,
        message: `no answer within ${seconds(timeoutMs)}: the response head was not complete (the peer stayed silent or trickled it)`,
      };
    case 'UND_ERR_BODY_TIMEOUT':
      return { code, message: `the response body stalled: nothing more within ${seconds(timeoutMs)}` };
    case 'UND_ERR_HEADERS_OVERFLOW':
      return { code, message: `the response header exceeded ${MAX_RESPONSE_HEADER_BYTES} bytes` };
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return { code, message: `the response body exceeded ${MAX_RESPONSE_BODY_BYTES} bytes` };
    case 'ECONNRESET':
      return {
        code,
        message: /TLS|secure/i.test(message)
          ? `the connection was closed during the TLS handshake: ${message}`
          : `the connection was reset (TCP RST) before the answer was complete: ${message}`,
      };
    case 'UND_ERR_CONNECT_TIMEOUT':
      // Only the handshake's timeout: a TCP connect or a CONNECT that timed out says so already.
      if (/TLS handshake/.test(message))
        return {
          code,
          message: `no answer within ${seconds(timeoutMs)}: the TLS handshake was not complete (the peer stayed silent or trickled it)`,
        };
      break;
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_RECORD_LAYER_FAILURE':
      return {
        code,
        message: `the peer answered something that is not TLS (${message.replace(/^[0-9A-F]+:error:[0-9A-F]+:/, '').slice(0, 120)})`,
      };
    default:
      break;
  }
  // llhttp: a response that is not HTTP at all (HPE_INVALID_CONSTANT and friends).
  if (err.name === 'HTTPParserError' || /^HPE_/.test(code) || /does not match the HTTP\/1\.1 protocol|Expected HTTP/i.test(message)) {
    const seen = typeof err.data === 'string' && err.data ? `: ${JSON.stringify(err.data.slice(0, 80))}` : '';
    return {
      code: /^HPE_/.test(code) ? code : 'HPE_INVALID_CONSTANT',
      message: `the proxy answered a status line that is not HTTP (${message})${seen}`,
    };
  }
  if (code === 'UND_ERR_SOCKET' && /other side closed/i.test(message))
    return { code, message: `the peer closed the connection before the answer was complete (${message})` };
  return { code, message };
}

/**
 * A TLS client context is a pure function of its trust store, certificate, key and CRLs, and making
 * one parses them all (a few ms on every connection of every client). Contexts are kept per process
 * by those inputs and shared. A Node client context resumes no session unless given one, so every
 * connection still makes a full handshake, as before. Bounded, oldest first out.
 */
const secureContexts = new Map<string, tls.SecureContext>();

function clientSecureContext(
  ca: string | string[] | undefined,
  cert: string | undefined,
  key: string | undefined,
  crl: string[] | undefined,
): tls.SecureContext {
  const cacheKey = JSON.stringify([ca ?? null, cert ?? null, key ?? null, crl ?? null]);
  let context = secureContexts.get(cacheKey);
  if (!context) {
    context = tls.createSecureContext({ ca, cert, key, crl });
    if (secureContexts.size >= 128) secureContexts.delete(secureContexts.keys().next().value!);
    secureContexts.set(cacheKey, context);
  }
  return context;
}

interface Pool {
  client: Client;
  lastTls?: TlsPeerFacts;
  /** Plain HTTP through a web proxy: requests go to the proxy with an absolute URL. */
  absoluteForm: boolean;
  /** Connections opened so far (the latest is the one in use: one request at a time, pipelining 1). */
  connections: number;
  /** The pool's open connections. */
  sockets: Set<Socket>;
}

/** A connection's peer certificate with its chain, made once: Node builds the whole object anew on every call. */
const peerCertificates = new WeakMap<TLSSocket, tls.DetailedPeerCertificate>();
function peerCertificateOf(socket: TLSSocket): tls.DetailedPeerCertificate {
  let peer = peerCertificates.get(socket);
  if (!peer) {
    peer = socket.getPeerCertificate(true);
    peerCertificates.set(socket, peer);
  }
  return peer;
}

/** The client's trust anchors, parsed once per store (every connection of every client of a lab has the same). */
const anchorsByStore = new Map<string, X509Certificate[]>();
function anchorsOf(trustedRootsPem: string): X509Certificate[] {
  let anchors = anchorsByStore.get(trustedRootsPem);
  if (!anchors) {
    anchors = (trustedRootsPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
      (pem) => new X509Certificate(pem),
    );
    if (anchorsByStore.size > 64) anchorsByStore.clear();
    anchorsByStore.set(trustedRootsPem, anchors);
  }
  return anchors;
}

/**
 * The server chain as DER, leaf first, ending with the trust anchor from the client's store: the
 * path the client verified, whose every certificate it checks for revocation. Node's
 * `getPeerCertificate(true)` follows the certificates the server *sent* as far as they go, so a
 * server that also sends a cross-certificate (its root certified by another root) would have the
 * chain run past the client's own anchor; it ends at the first certificate a trusted root issued,
 * as OpenSSL (trusted first) and CryptoAPI build the path.
 */
export function peerChain(socket: TLSSocket, trustedRootsPem?: string): Buffer[] {
  const chain: Buffer[] = [];
  let current: tls.DetailedPeerCertificate | undefined = peerCertificateOf(socket);
  const seen = new Set<string>();
  while (current && current.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(current.raw);
    current = current.issuerCertificate;
  }
  return pathToTrustedRoot(chain, trustedRootsPem);
}

/** Paths already built, per trust store and chain (a lab's clients meet the same few chains on every connection). */
const pathsByStore = new Map<string, Map<string, Buffer[]>>();

/** `chain` cut after the first certificate one of `trustedRootsPem` issued (and signed), that root appended. */
export function pathToTrustedRoot(chain: Buffer[], trustedRootsPem?: string): Buffer[] {
  if (!trustedRootsPem) return chain;
  let paths = pathsByStore.get(trustedRootsPem);
  if (!paths) {
    if (pathsByStore.size > 64) pathsByStore.clear();
    paths = new Map();
    pathsByStore.set(trustedRootsPem, paths);
  }
  const key = chain.map((der) => der.toString('base64')).join('.');
  let path = paths.get(key);
  if (!path) {
    path = buildPathToTrustedRoot(chain, anchorsOf(trustedRootsPem));
    if (paths.size > 256) paths.clear();
    paths.set(key, path);
  }
  return [...path];
}

function buildPathToTrustedRoot(chain: Buffer[], anchors: X509Certificate[]): Buffer[] {
  if (anchors.length === 0) return chain;
  for (const [index, der] of chain.entries()) {
    const certificate = new X509Certificate(der);
    if (anchors.some((anchor) => anchor.raw.equals(der))) return chain.slice(0, index + 1);
    const anchor = anchors.find((candidate) => certificate.checkIssued(candidate) && certificate.verify(candidate.publicKey));
    if (anchor) return [...chain.slice(0, index + 1), anchor.raw];
  }
  return chain;
}

/**
 * HTTP CONNECT through the client's web proxy (the proxy resolves the name). With a station, the
 * connection to the proxy itself leaves from the station.
 */
export async function connectThroughProxy(
  proxy: { host: string; port: number },
  localAddress: string | undefined,
  host: string,
  port: number,
  timeoutMs: number,
  station?: { socketPath: string },
): Promise<Socket> {
  const toProxy = station
    ? await connectThroughStation(station, undefined, proxy.host, proxy.port, timeoutMs)
    : net.connect({ host: proxy.host, port: proxy.port, localAddress });
  return httpConnect(toProxy, `web proxy ${proxy.host}:${proxy.port}`, host, port, [], timeoutMs, (statusLine) =>
    Object.assign(new Error(`web proxy refused CONNECT ${host}:${port}: ${statusLine}`), { code: 'PROXY_CONNECT_REFUSED' }),
  );
}

/**
 * A TCP connection that leaves from the client's station (profile.station): CONNECT over its Unix
 * socket, the name resolved there through `dns`. A refusal carries the station's error code
 * (ENOTFOUND, ECONNREFUSED, ...), so the client reports what it would have met on that network.
 */
export function connectThroughStation(
  station: { socketPath: string },
  dns: { host: string; port: number } | undefined,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Socket> {
  const fields: [string, string][] = dns ? [['X-Ibcm-Dns', `${dns.host}:${dns.port}`]] : [];
  return httpConnect(
    net.connect({ path: station.socketPath }),
    `client station ${station.socketPath}`,
    host,
    port,
    fields,
    timeoutMs,
    (statusLine, head) => {
      const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim();
      return Object.assign(new Error(field('x-ibcm-error-message') ?? `the station could not reach ${host}:${port}: ${statusLine}`), {
        code: field('x-ibcm-error-code') ?? 'ECONNRESET',
      });
    },
  );
}

/** CONNECT host:port on `socket` (connecting or connected); resolves with the tunnel once the answer is 200. */
function httpConnect(
  socket: Socket,
  peer: string,
  host: string,
  port: number,
  fields: [string, string][],
  timeoutMs: number,
  refusal: (statusLine: string, head: string) => Error,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`${peer} did not answer CONNECT ${host}:${port}`), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }, timeoutMs);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        // An answer whose head never ends is not waited out (nor held) until the timeout.
        if (head.length > MAX_RESPONSE_HEADER_BYTES) {
          socket.off('data', onData);
          clearTimeout(timer);
          socket.destroy();
          reject(
            Object.assign(
              new Error(`${peer} answered CONNECT ${host}:${port} with a header that exceeded ${MAX_RESPONSE_HEADER_BYTES} bytes`),
              { code: 'UND_ERR_HEADERS_OVERFLOW' },
            ),
          );
        }
        return;
      }
      socket.off('data', onData);
      clearTimeout(timer);
      const headText = head.subarray(0, end).toString('latin1');
      const statusLine = headText.split('\r\n')[0]!;
      if (!/^HTTP\/1\.[01] 200\b/.test(statusLine)) {
        socket.destroy();
        reject(refusal(statusLine, headText));
        return;
      }
      if (end + 4 < head.length) socket.unshift(head.subarray(end + 4));
      resolve(socket);
    };
    socket.on('data', onData);
    const request = () =>
      socket.write(
        `CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n${fields.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`,
      );
    if (socket.connecting) socket.once('connect', request);
    else request();
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // A peer that hangs up before its answer is a failure now, not after the timeout (a settled
    // promise ignores this when the answer or an error came first).
    socket.once('close', () => {
      clearTimeout(timer);
      reject(
        Object.assign(new Error(`${peer} closed the connection without answering CONNECT ${host}:${port}`), { code: 'UND_ERR_SOCKET' }),
      );
    });
  });
}

function tlsFacts(socket: TLSSocket): TlsPeerFacts {
  const peer = peerCertificateOf(socket);
  const hasPeer = peer && Object.keys(peer).length > 0;
  return {
    protocol: socket.getProtocol(),
    subject:
      hasPeer && peer.subject
        ? Object.entries(peer.subject)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')
        : '',
    issuer:
      hasPeer && peer.issuer
        ? Object.entries(peer.issuer)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')
        : '',
    serialNumber: hasPeer ? (peer.serialNumber ?? '') : '',
    subjectAltName: hasPeer ? (peer.subjectaltname ?? '') : '',
    validFrom: hasPeer ? peer.valid_from : undefined,
    validTo: hasPeer ? peer.valid_to : undefined,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
  };
}
