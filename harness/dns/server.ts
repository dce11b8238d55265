// One authoritative DNS listener (UDP + TCP on the same host:port) serving one
// segment's view. Authoritative-only by design: no recursion, no forwarding,
// so nothing a lab client asks can ever leave the machine.
import dgram from 'node:dgram';
import net from 'node:net';
import { validateRecords, type DnsRecord, type DnsView } from './records.js';
import { encodeResponse, parseQuery, udpLimit, type Question, type Rcode, type ResponseSpec } from './wire.js';
import { QTYPE, typeName, Zone } from './zone.js';

export interface DnsQueryLogEntry {
  at: string;
  transport: 'udp' | 'tcp';
  /** `address:port` of the client. */
  from: string;
  /** Normalized (lower-case, no trailing dot); `''` when the packet had no readable question. */
  name: string;
  type: string;
  rcode: Rcode;
  answers: string[];
  /** Set when the UDP answer did not fit and was sent with TC (answers then is empty). */
  truncated?: boolean;
}

export interface StartedDnsServer {
  view: string;
  host: string;
  port: number;
  queries(): DnsQueryLogEntry[];
  /** Position in the query log; pass to `since` to get what happened afterwards. */
  mark(): number;
  since(mark: number): DnsQueryLogEntry[];
  /** Replace the view's records (a client moved, a role was added). Validated; throws on bad input. */
  setRecords(records: DnsRecord[]): void;
  close(): Promise<void>;
}

export interface StartDnsServerOptions {
  view: DnsView;
  host: string;
  /** 0 picks a free port that is free for both UDP and TCP. */
  port: number;
  /** Sees every query log entry as it is recorded (a container host appends it to a file). */
  onQuery?: (entry: DnsQueryLogEntry) => void;
}

/** Bounded so a long soak run cannot grow memory without limit; marks stay valid. */
const LOG_LIMIT = 50_000;
/** Idle TCP connections are dropped (RFC 7766 suggests seconds, not minutes). */
const TCP_IDLE_MS = 10_000;
const TCP_MAX_CONNECTIONS = 256;
const PORT_ATTEMPTS = 20;

function hostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function listenError(view: string, host: string, port: number, proto: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException)?.code ?? 'UNKNOWN';
  const e = new Error(`dns (${view}): cannot listen on ${hostPort(host, port)}/${proto}: ${code}`, { cause: err }) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
    const onError = (err: Error): void => {
      try {
        sock.close();
      } catch {
        /* never bound: nothing to close */
      }
      reject(err);
    };
    sock.once('error', onError);
    sock.bind({ address: host, port, exclusive: true }, () => {
      sock.off('error', onError);
      resolve(sock);
    });
  });
}

function listenTcp(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export async function startDnsServer(options: StartDnsServerOptions): Promise<StartedDnsServer> {
  const { view, host } = options;
  let zone = new Zone(validateRecords(view.name, view.records));
  const log: DnsQueryLogEntry[] = [];
  let logBase = 0; // sequence number of log[0]
  const connections = new Set<net.Socket>();

  function record(entry: Omit<DnsQueryLogEntry, 'at'>): void {
    const stored = { at: new Date().toISOString(), ...entry };
    log.push(stored);
    options.onQuery?.(stored);
    if (log.length > LOG_LIMIT) {
      const drop = log.length - LOG_LIMIT;
      log.splice(0, drop);
      logBase += drop;
    }
  }

  /** Build the answer to one message; undefined means stay silent. */
  function handle(msg: Buffer, transport: 'udp' | 'tcp', from: string): Buffer | undefined {
    const parsed = parseQuery(msg);
    if (parsed.kind === 'ignore') return undefined;
    const q: Question | undefined = parsed.question;
    const base = { transport, from, name: q ? q.name.toLowerCase() : '', type: q ? typeName(q.type) : '' };
    if (parsed.kind !== 'query') {
      const rcode: Rcode = parsed.kind === 'notimp' ? 'NOTIMP' : 'FORMERR';
      record({ ...base, rcode, answers: [] });
      return encodeResponse({ header: parsed.header, question: q, rcode, authoritative: false, answers: [], edns: false });
    }
    const question = parsed.question;
    const edns = parsed.ednsPayload !== undefined;
    // Only class IN (or ANY) exists here; zone transfers would dump the view.
    if ((question.cls !== 1 && question.cls !== 255) || question.type === QTYPE.AXFR || question.type === QTYPE.IXFR) {
      record({ ...base, rcode: 'REFUSED', answers: [] });
      return encodeResponse({ header: parsed.header, question, rcode: 'REFUSED', authoritative: false, answers: [], edns });
    }
    const result = zone.answer(question.name, question.type);
    const spec: ResponseSpec = { header: parsed.header, question, rcode: result.rcode, authoritative: true, answers: result.answers, edns };
    let out = encodeResponse(spec);
    const limit = transport === 'udp' ? udpLimit(parsed.ednsPayload) : 0xffff;
    if (out.length > limit) {
      // Too big: send the question with TC and no answers; the client retries over TCP.
      out = encodeResponse({ ...spec, answers: [], truncated: true });
      record({ ...base, rcode: result.rcode, answers: [], truncated: true });
      return out;
    }
    record({ ...base, rcode: result.rcode, answers: result.text });
    return out;
  }

  function safeHandle(msg: Buffer, transport: 'udp' | 'tcp', from: string): Buffer | undefined {
    try {
      return handle(msg, transport, from);
    } catch {
      return undefined; // never let one odd packet take the listener down
    }
  }

  function onTcpConnection(sock: net.Socket): void {
    if (connections.size >= TCP_MAX_CONNECTIONS) {
      sock.destroy();
      return;
    }
    connections.add(sock);
    const from = hostPort(sock.remoteAddress ?? '?', sock.remotePort ?? 0);
    let pending: Buffer = Buffer.alloc(0);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => connections.delete(sock));
    sock.on('data', (chunk: Buffer) => {
      // RFC 1035 4.2.2 / RFC 7766: each message has a 2-byte length prefix;
      // messages may be pipelined and may arrive split across reads.
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        const reply = safeHandle(msg, 'tcp', from);
        if (reply !== undefined && !sock.destroyed) {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([prefix, reply]));
        }
      }
    });
  }

  // Bind UDP first (port 0 → kernel picks), then TCP on the same number; if
  // that TCP port is taken, start over with a new UDP port.
  let udp: dgram.Socket | undefined;
  let tcp: net.Server | undefined;
  for (let attempt = 1; ; attempt++) {
    let u: dgram.Socket;
    try {
      u = await bindUdp(host, options.port);
    } catch (err) {
      throw listenError(view.name, host, options.port, 'udp', err);
    }
    const port = u.address().port;
    const t = net.createServer(onTcpConnection);
    try {
      await listenTcp(t, host, port);
      udp = u;
      tcp = t;
      break;
    } catch (err) {
      u.close();
      const code = (err as NodeJS.ErrnoException).code;
      if (options.port !== 0 || code !== 'EADDRINUSE' || attempt >= PORT_ATTEMPTS) {
        throw listenError(view.name, host, port, 'tcp', err);
      }
    }
  }
  const udpSocket = udp;
  const tcpServer = tcp;
  const port = udpSocket.address().port;

  udpSocket.on('error', () => {
    /* e.g. ICMP-induced errors; the socket stays usable, never crash */
  });
  tcpServer.on('error', () => {
    /* accept errors (EMFILE...) must not crash the lab */
  });
  udpSocket.on('message', (msg, rinfo) => {
    const reply = safeHandle(msg, 'udp', hostPort(rinfo.address, rinfo.port));
    if (reply !== undefined) udpSocket.send(reply, rinfo.port, rinfo.address, () => undefined);
  });

  let closing: Promise<void> | undefined;
  return {
    view: view.name,
    host,
    port,
    queries: () => log.slice(),
    mark: () => logBase + log.length,
    since: (mark) => log.slice(Math.max(0, mark - logBase)),
    setRecords(records) {
      zone = new Zone(validateRecords(view.name, records)); // swap atomically; old zone keeps serving on error
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        let left = 2;
        const done = (): void => {
          if (--left === 0) resolve();
        };
        for (const sock of connections) sock.destroy();
        connections.clear();
        tcpServer.close(() => done());
        udpSocket.close(() => done());
      });
      return closing;
    },
  };
}
