// The lab's syslog receiver: in appliance mode the lab certifies a proxy appliance it does not
// start, so the appliance's own syslog is a third evidence channel beside the client's and the
// site systems' view. The receiver listens on UDP (RFC 5426), TCP (RFC 6587) and optionally TLS
// (RFC 5425), keeps what it hears in memory, bounded, and lets a suite find the lines of one test
// (marked(), between(), waitFor()).
//
// The sender is the device under test, so it is not trusted: garbage, a line that never ends, or a
// huge octet count must neither crash the receiver nor grow its memory without bound. Every stored
// line is capped at maxMessageBytes, the store at maxLines, and a connection's pending bytes at one
// frame.
//
// TLS gets its own port option (`tlsPort`), not `port + 1`: RFC 5425's registered port (6514) is
// not 514 + 1, `port + 1` means nothing when port is 0, and it may already be taken.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { parseSyslog, type SyslogMessage } from './parse.js';

export type SyslogTransport = 'udp' | 'tcp' | 'tls';

export interface ReceivedSyslogLine extends SyslogMessage {
  /** Date.now() when the message was complete at the receiver. */
  receivedAt: number;
  transport: SyslogTransport;
  /** The sender's address and source port as the socket saw them. */
  remoteAddress: string;
  remotePort: number;
  /** The message was longer than maxMessageBytes (or its connection ended mid-frame): raw holds only its start. */
  truncated: boolean;
}

export interface SyslogReceiverOptions {
  host: string;
  /** UDP and TCP port; 0 picks a free one (the same number for both when it can). */
  port: number;
  /** Listen on UDP (RFC 5426). Default true. */
  udp?: boolean;
  /** Listen on TCP (RFC 6587). Default true. */
  tcp?: boolean;
  /** Listen on TLS (RFC 5425) with this certificate, on `tlsPort`. */
  tls?: { certPem: string; keyPem: string };
  /** Port of the TLS listener; 0 (the default) picks a free one. Only used with `tls`. */
  tlsPort?: number;
  /** Lines kept in memory; the oldest are dropped beyond this. Default 50 000. */
  maxLines?: number;
  /** Largest message kept whole, in bytes; longer ones are truncated and marked. Default 64 KiB. */
  maxMessageBytes?: number;
  /** TCP + TLS connections accepted at once; each can hold up to one frame pending. Default 256. */
  maxConnections?: number;
}

export interface SyslogReceiver {
  host: string;
  udpPort?: number;
  tcpPort?: number;
  tlsPort?: number;
  /** Every line still kept, oldest first. */
  lines(): ReceivedSyslogLine[];
  /** Lines received with startMs <= receivedAt <= endMs. */
  between(startMs: number, endMs: number): ReceivedSyslogLine[];
  /** Lines whose raw text contains the marker (a test stamps its requests with one). */
  marked(marker: string): ReceivedSyslogLine[];
  /**
   * The first kept line matching the predicate — one already received, or the next to arrive —
   * or undefined after timeoutMs or when the receiver closes.
   */
  waitFor(predicate: (line: ReceivedSyslogLine) => boolean, timeoutMs: number): Promise<ReceivedSyslogLine | undefined>;
  /** Lines dropped because more than maxLines arrived: evidence that is no longer there. */
  dropped(): number;
  close(): Promise<void>;
}

const DEFAULT_MAX_LINES = 50_000;
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
const DEFAULT_MAX_CONNECTIONS = 256;

export async function startSyslogReceiver(options: SyslogReceiverOptions): Promise<SyslogReceiver> {
  const maxLines = positiveInteger(options.maxLines ?? DEFAULT_MAX_LINES, 'maxLines');
  const maxMessageBytes = positiveInteger(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, 'maxMessageBytes');
  const maxConnections = positiveInteger(options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 'maxConnections');
  const store = new LineStore(maxLines);
  const waiters = new Set<Waiter>();
  const connections = new Set<net.Socket>();
  let tcpServer: net.Server | undefined;
  let tlsServer: tls.Server | undefined;
  let udpSocket: dgram.Socket | undefined;
  let closing: Promise<void> | undefined;

  const record = (bytes: Buffer, truncated: boolean, transport: SyslogTransport, remoteAddress: string, remotePort: number) => {
    const line: ReceivedSyslogLine = {
      ...parseSyslog(bytes.toString('utf8')),
      receivedAt: Date.now(),
      transport,
      remoteAddress,
      remotePort,
      truncated,
    };
    store.add(line);
    for (const waiter of waiters) if (matches(waiter.predicate, line)) waiter.settle(line);
  };

  const serveStream = (socket: net.Socket, transport: SyslogTransport) => {
    const decoder = new SyslogFrameDecoder(maxMessageBytes);
    const remoteAddress = socket.remoteAddress ?? '';
    const remotePort = socket.remotePort ?? 0;
    const emit = (frames: SyslogFrame[]) => {
      for (const frame of frames) record(frame.bytes, frame.truncated, transport, remoteAddress, remotePort);
    };
    socket.on('data', (chunk: Buffer) => {
      const { frames, fatal } = decoder.push(chunk);
      emit(frames);
      // Past resynchronising (an octet count no real message has): drop the sender, keep the rest.
      if (fatal) socket.destroy();
    });
    socket.on('end', () => emit(decoder.end()));
    socket.on('error', () => socket.destroy());
  };

  // Track the raw TCP socket of every connection (for TLS, before its handshake) so close() can end them all.
  const track = (socket: net.Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  };

  const closeAll = async () => {
    const servers = [tcpServer, tlsServer].filter((server): server is net.Server => server !== undefined);
    const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const socket of connections) socket.destroy();
    if (udpSocket) closed.push(new Promise<void>((resolve) => udpSocket!.close(() => resolve())));
    await Promise.all(closed);
    for (const waiter of waiters) waiter.settle(undefined);
  };

  try {
    if (options.tcp ?? true) {
      tcpServer = net.createServer((socket) => serveStream(socket, 'tcp'));
      tcpServer.maxConnections = maxConnections;
      tcpServer.on('connection', track);
      await listen(tcpServer, options.host, options.port);
    }
    if (options.udp ?? true) {
      const tcpPort = tcpServer ? boundPort(tcpServer) : undefined;
      // Port 0: one free number for both transports makes the appliance's config simpler; fall back
      // to any free UDP port if that number is taken for UDP.
      const wanted = options.port === 0 && tcpPort !== undefined ? tcpPort : options.port;
      udpSocket = await bindUdp(options.host, wanted).catch((error: unknown) => {
        if (wanted === options.port) throw error;
        return bindUdp(options.host, 0);
      });
      udpSocket.on('message', (message, rinfo) => {
        // One message per datagram (RFC 5426 §3.1); a trailing LF/NUL some senders add is the parser's to drop.
        const truncated = message.length > maxMessageBytes;
        record(truncated ? message.subarray(0, maxMessageBytes) : message, truncated, 'udp', rinfo.address, rinfo.port);
      });
    }
    if (options.tls) {
      tlsServer = tls.createServer({ cert: options.tls.certPem, key: options.tls.keyPem, minVersion: 'TLSv1.2' }, (socket) =>
        serveStream(socket, 'tls'),
      );
      tlsServer.maxConnections = maxConnections;
      tlsServer.on('connection', track);
      // A failed handshake is the client's problem; without a listener it would only be logged, keep it quiet.
      tlsServer.on('tlsClientError', (_error, socket) => socket.destroy());
      await listen(tlsServer, options.host, options.tlsPort ?? 0);
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  return {
    host: options.host,
    ...(tcpServer && { tcpPort: boundPort(tcpServer) }),
    ...(udpSocket && { udpPort: udpSocket.address().port }),
    ...(tlsServer && { tlsPort: boundPort(tlsServer) }),
    lines: () => store.all(),
    between: (startMs, endMs) => store.all().filter((line) => line.receivedAt >= startMs && line.receivedAt <= endMs),
    marked: (marker) => store.all().filter((line) => line.raw.includes(marker)),
    waitFor: (predicate, timeoutMs) => {
      const already = store.all().find((line) => matches(predicate, line));
      if (already || closing) return Promise.resolve(already);
      return new Promise((resolve) => {
        const timer = setTimeout(() => waiter.settle(undefined), timeoutMs);
        const waiter: Waiter = {
          predicate,
          settle: (line) => {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(line);
          },
        };
        waiters.add(waiter);
      });
    },
    dropped: () => store.dropped,
    close: () => (closing ??= closeAll()),
  };
}

interface Waiter {
  predicate: (line: ReceivedSyslogLine) => boolean;
  settle(line: ReceivedSyslogLine | undefined): void;
}

/** A caller's predicate that throws is a non-match, not a crash inside a socket handler. */
function matches(predicate: (line: ReceivedSyslogLine) => boolean, line: ReceivedSyslogLine): boolean {
  try {
    return predicate(line);
  } catch {
    return false;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`startSyslogReceiver: ${name} must be a positive integer, got ${value}`);
  return value;
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      // Once listening, a server error must not become an uncaught exception in the lab.
      server.on('error', () => undefined);
      resolve();
    });
  });
}

function boundPort(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(port, host, () => {
      socket.removeAllListeners('error');
      // Once bound, a socket error (an ICMP echo of a send, say) must not become an uncaught exception.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

/** Fixed-size ring: adding beyond capacity overwrites the oldest line, so memory stays bounded. */
class LineStore {
  private readonly ring: ReceivedSyslogLine[] = [];
  private head = 0;
  dropped = 0;

  constructor(private readonly capacity: number) {}

  add(line: ReceivedSyslogLine): void {
    if (this.ring.length < this.capacity) {
      this.ring.push(line);
      return;
    }
    this.ring[this.head] = line;
    this.head = (this.head + 1) % this.capacity;
    this.dropped += 1;
  }

  all(): ReceivedSyslogLine[] {
    return [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }
}

export interface SyslogFrame {
  bytes: Buffer;
  truncated: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
/** Ten digits is ~10 GB: no real syslog message; a longer count is a broken or hostile sender. */
const MAX_COUNT_DIGITS = 10;

/**
 * RFC 6587 framing of one TCP/TLS stream. A frame starting with a digit is octet-counted
 * (`<len> <msg>`, the only framing RFC 5425 allows over TLS); otherwise it is non-transparent, ending
 * at LF (CRLF and NUL tolerated, as senders use them). Pending bytes never exceed one frame of
 * maxMessageBytes: a longer counted frame is cut there and its remaining octets skipped (the count
 * keeps the stream in sync), a longer LF-framed line is cut there and the rest discarded up to its
 * trailer. Only an octet count longer than any message could be is `fatal`: the connection is closed.
 */
export class SyslogFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  /** Octets of an oversized counted frame still to discard. */
  private skip = 0;
  /** An oversized LF-framed line was cut: discard up to its trailer. */
  private discardLine = false;
  /** Bytes at the start of `pending` known to hold no trailer (an LF-framed line still open). */
  private searched = 0;

  constructor(private readonly maxMessageBytes: number) {}

  push(chunk: Buffer): { frames: SyslogFrame[]; fatal: boolean } {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: SyslogFrame[] = [];
    const max = this.maxMessageBytes;
    let i = 0;
    let fatal = false;
    const searched = this.searched;
    this.searched = 0;
    while (i < buf.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      if (this.discardLine) {
        const end = trailerIndex(buf, i);
        if (end < 0) {
          i = buf.length;
          break;
        }
        this.discardLine = false;
        i = end + 1;
        continue;
      }
      // Between frames: stray trailers or spaces (a sender that adds LF after a counted frame).
      if (buf[i] === LF || buf[i] === CR || buf[i] === NUL || buf[i] === SP) {
        i += 1;
        continue;
      }
      if (isDigit(buf[i])) {
        let j = i;
        while (j < buf.length && j - i <= MAX_COUNT_DIGITS && isDigit(buf[j])) j += 1;
        if (j - i > MAX_COUNT_DIGITS) {
          fatal = true;
          i = buf.length;
          break;
        }
        if (j === buf.length) break; // the count may go on in the next chunk
        if (buf[j] === SP) {
          const count = Number(buf.toString('latin1', i, j));
          const start = j + 1;
          const kept = Math.min(count, max);
          if (buf.length - start < kept) break; // wait for the whole (kept part of the) frame
          if (kept > 0) frames.push({ bytes: Buffer.from(buf.subarray(start, start + kept)), truncated: count > max });
          this.skip = count - kept;
          i = start + kept;
          continue;
        }
        // Digits not followed by a space: a PRI-less message that starts with a number, LF-framed.
      }
      // A line still pending from the last chunk was already searched: do not rescan it byte by byte
      // for every new chunk (a sender dripping one byte at a time would make that quadratic).
      const end = trailerIndex(buf, i === 0 ? searched : i);
      if (end < 0) {
        if (buf.length - i <= max) {
          this.searched = buf.length - i;
          break; // the line may end in the next chunk
        }
        frames.push({ bytes: Buffer.from(buf.subarray(i, i + max)), truncated: true });
        this.discardLine = true;
        i += max;
        continue;
      }
      const lineEnd = end > i && buf[end - 1] === CR ? end - 1 : end;
      const length = lineEnd - i;
      frames.push({ bytes: Buffer.from(buf.subarray(i, i + Math.min(length, max))), truncated: length > max });
      i = end + 1;
    }
    // Copy: a subarray would keep the whole chunk (and everything before i) alive.
    this.pending = i < buf.length ? Buffer.from(buf.subarray(i)) : Buffer.alloc(0);
    return { frames, fatal };
  }

  /** The peer closed: what is left is a last line without its trailer, or a counted frame cut short. */
  end(): SyslogFrame[] {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    if (rest.length === 0 || this.skip > 0 || this.discardLine) return [];
    const counted = /^\d+ /.exec(rest.toString('latin1', 0, Math.min(rest.length, MAX_COUNT_DIGITS + 1)));
    if (counted) {
      const body = rest.subarray(counted[0].length);
      return body.length > 0 ? [{ bytes: body, truncated: true }] : [];
    }
    const trimmed = rest[rest.length - 1] === CR ? rest.subarray(0, rest.length - 1) : rest;
    return trimmed.length > 0 ? [{ bytes: trimmed, truncated: false }] : [];
  }
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/** Index of the first LF or NUL at or after `from`, or -1. One pass, not two indexOf scans. */
function trailerIndex(buf: Buffer, from: number): number {
  for (let k = from; k < buf.length; k += 1) if (buf[k] === LF || buf[k] === NUL) return k;
  return -1;
}
