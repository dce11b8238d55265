/**
 * Strict, pull-based HTTP/1.1 message reader over any Duplex (net.Socket,
 * tls.TLSSocket, PassThrough in tests).
 *
 * Hand-written on purpose: Configuration Manager site roles receive the
 * methods CCM_POST, BITS_POST and PROPFIND; Node's own parser (llhttp) answers
 * CCM_POST / BITS_POST with 400, and no maintained library offers a strict
 * HTTP/1.1 parser that accepts arbitrary method tokens and also keeps the
 * message byte-exact for the lab's journal. So this is a small RFC 9110 /
 * RFC 9112 implementation with the smuggling defences spelled out below.
 *
 * One reader serves both directions of the reverse proxy: readRequest() for
 * what clients send, readResponse() for what upstream servers send. Requests
 * are parsed strictly (the lab is judging them); responses a little more
 * leniently where real servers are known to differ (bare LF line endings, a
 * Content-Length list of identical values).
 *
 * Text is decoded as latin1 throughout so every byte maps to one char and
 * re-serialising with latin1 reproduces the input exactly.
 */
import type { Duplex } from 'node:stream';
import {
  defaultLimits,
  HttpParseError,
  headerValues,
  type HeaderField,
  type HttpErrorStatus,
  type HttpLimits,
  type HttpRequestMessage,
  type HttpResponseMessage,
  type RequestFraming,
  type RequestHead,
} from './message.js';

/** RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** request-target: non-empty visible ASCII; everything else (incl. SP, obs-text) is refused. */
const TARGET = /^[\x21-\x7e]+$/;
const HTTP_VERSION = /^HTTP\/(\d)\.(\d)$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/;
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]+)[ \t]*(;.*)?$/;
/** Request field values: RFC 9110 §5.5 MUST reject CR/LF/NUL; we also refuse the other CTLs (HTAB allowed). */
const STRICT_BAD_VALUE_CHAR = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Response field values: only what RFC 9110 says MUST be rejected. */
const LENIENT_BAD_VALUE_CHAR = /[\x00\r\n]/;

/** Chunk-size lines are not covered by maxHeaderBytes; bound them separately. */
const MAX_CHUNK_LINE_BYTES = 4096;
/** Stop pulling from the socket once this much is buffered and nobody is reading. */
const HIGH_WATER_MARK = 1024 * 1024;

const CR = 0x0d;
const LF = 0x0a;

export interface ReadRequestOptions {
  /**
   * Called after a request head has been validated and before its body is
   * read, only when the request has a body. The site server uses it to send
   * `100 Continue` for `Expect: 100-continue`.
   */
  beforeBody?: (head: RequestHead) => void | Promise<void>;
  /** How conflicting framing headers are resolved (default `strict`: refused); see RequestFraming. */
  framing?: RequestFraming;
}

function fail(status: HttpErrorStatus, message: string): never {
  throw new HttpParseError(message, status);
}

function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return value.slice(start, end);
}

/** Parse one field line (header or trailer). */
function parseFieldLine(line: string, strict: boolean): HeaderField {
  if (line.startsWith(' ') || line.startsWith('\t')) {
    fail(400, 'obsolete line folding (header line starts with whitespace)');
  }
  const colon = line.indexOf(':');
  if (colon < 0) fail(400, 'header line without a colon');
  const name = line.slice(0, colon);
  if (!TOKEN.test(name)) {
    if (/[ \t]$/.test(name)) fail(400, 'whitespace between header name and colon');
    fail(400, `header name is not a token: ${JSON.stringify(name.slice(0, 64))}`);
  }
  const value = trimOws(line.slice(colon + 1));
  if ((strict ? STRICT_BAD_VALUE_CHAR : LENIENT_BAD_VALUE_CHAR).test(value)) {
    fail(400, `header ${name} contains a forbidden control character`);
  }
  return { name, value };
}

/** Budget of the head being read, so start line, fields and CRLFs all count. */
interface HeadBudget {
  bytesLeft: number;
  fieldsLeft: number;
}

export class HttpReader {
  private readonly limits: HttpLimits;
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;
  private endCause: string | null = null;
  private wake: (() => void) | null = null;
  private busy = false;
  private released = false;

  private readonly onData = (data: Buffer | string): void => {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
    // Backpressure: a pipelining or flooding peer must not make us buffer without bound.
    if (this.length >= HIGH_WATER_MARK && this.wake === null) this.stream.pause();
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };
  private readonly onError = (error: Error): void => {
    this.endCause ??= (error as NodeJS.ErrnoException).code ?? error.message;
    this.ended = true;
    this.notify();
  };
  private readonly onClose = (): void => {
    this.ended = true;
    this.notify();
  };

  constructor(
    private readonly stream: Duplex,
    limits: Partial<HttpLimits> = {},
  ) {
    this.limits = { ...defaultLimits, ...limits };
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
  }

  /** Bytes received but not yet consumed by a read. */
  get bufferedLength(): number {
    return this.length;
  }

  /**
   * Stop reading: detach from the stream and hand back any bytes already
   * buffered (e.g. the start of a tunnel after CONNECT). The stream is left
   * paused or flowing as it was; the caller owns it from now on.
   */
  release(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.off('close', this.onClose);
    this.released = true;
    const rest = Buffer.concat(this.chunks, this.length);
    this.chunks = [];
    this.length = 0;
    this.notify();
    return rest;
  }

  /**
   * Treat the stream as ended from now on (e.g. an idle timeout): a pending
   * read finishes with null between messages, or HttpParseError mid-message
   * mentioning `reason`. The stream itself is not touched.
   */
  abort(reason: string): void {
    this.endCause ??= reason;
    this.ended = true;
    this.notify();
  }

  /**
   * Read one complete request (head and decoded body).
   * Resolves null on a clean end of stream between messages; rejects with
   * HttpParseError (its `head` holds what was parsed) on malformed input,
   * including a stream that ends mid-message.
   */
  async readRequest(options: ReadRequestOptions = {}): Promise<HttpRequestMessage | null> {
    const partial: Partial<RequestHead> = {};
    return this.exclusive(async () => {
      try {
        return await this.parseRequest(partial, options);
      } catch (error) {
        if (error instanceof HttpParseError) error.head = { ...partial, ...error.head };
        throw error;
      }
    });
  }

  /**
   * Read one complete response to a request made with `requestMethod`.
   * HEAD, 1xx, 204 and 304 responses (and 2xx to CONNECT) have no body;
   * otherwise chunked, Content-Length, or everything until the stream ends.
   * A 1xx response is returned as is; call again for the final response.
   */
  async readResponse(requestMethod: string): Promise<HttpResponseMessage | null> {
    return this.exclusive(() => this.parseResponse(requestMethod));
  }

  // ---------------------------------------------------------------- requests

  private async parseRequest(partial: Partial<RequestHead>, options: ReadRequestOptions): Promise<HttpRequestMessage | null> {
    const budget: HeadBudget = { bytesLeft: this.limits.maxHeaderBytes, fieldsLeft: this.limits.maxHeaderCount };
    const requestLine = await this.readStartLine(budget, false);
    if (requestLine === null) return null;
    partial.requestLine = requestLine;

    const parts = requestLine.split(' ');
    if (parts.length !== 3 || parts.some((part) => part === '')) {
      fail(400, 'request line must be "method SP target SP version" with single spaces');
    }
    const [method, target, version] = parts;
    if (!TOKEN.test(method)) fail(400, 'method is not a token');
    partial.method = method;
    if (!TARGET.test(target)) fail(400, 'request target contains characters outside visible ASCII');
    partial.target = target;
    const versionMatch = HTTP_VERSION.exec(version);
    if (!versionMatch) fail(400, `malformed HTTP version ${JSON.stringify(version.slice(0, 32))}`);
    if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') fail(505, `HTTP version ${version} not supported`);
    partial.version = version;

    const headers: HeaderField[] = [];
    partial.headers = headers;
    await this.readFields(budget, headers, true, false);

    const hosts = headerValues(headers, 'host');
    if (version === 'HTTP/1.1' && hosts.length !== 1) {
      fail(400, hosts.length === 0 ? 'HTTP/1.1 request without Host' : 'more than one Host header');
    }
    if (hosts.length > 1) fail(400, 'more than one Host header');

    const head: RequestHead = { requestLine, method, target, version, headers };
    const framing = options.framing ?? 'strict';
    let transferEncodings = framing === 'ignore-transfer-encoding' ? [] : headerValues(headers, 'transfer-encoding');
    let contentLengths = headerValues(headers, 'content-length');
    const trailers: HeaderField[] = [];

    if (transferEncodings.length > 0 && contentLengths.length > 0) {
      // Request smuggling defence (RFC 9112 §6.1): strictly, never pick one framing over the other.
      if (framing === 'strict') fail(400, 'both Transfer-Encoding and Content-Length');
      // The lenient policies pick one, each its own way (see RequestFraming).
      if (framing === 'transfer-encoding-wins') contentLengths = [];
      else transferEncodings = [];
    }
    if (contentLengths.length > 1) {
      if (framing === 'transfer-encoding-wins') contentLengths = [contentLengths[contentLengths.length - 1]];
      else if (framing === 'content-length-wins') contentLengths = [contentLengths[0]];
      else fail(400, 'more than one Content-Length header');
    }

    if (transferEncodings.length > 0) {
      if (version === 'HTTP/1.0') fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
      if (transferEncodings.length !== 1 || transferEncodings[0].toLowerCase() !== 'chunked') {
        fail(501, `Transfer-Encoding ${JSON.stringify(transferEncodings.join(', '))} not implemented`);
      }
      await options.beforeBody?.(head);
      const body = await this.readChunkedBody(true, trailers);
      return { ...head, body, framing: 'chunked', trailers };
    }

    if (contentLengths.length > 0) {
      const length = this.parseContentLength(contentLengths[0]);
      if (length === 0) return { ...head, body: Buffer.alloc(0), framing: 'content-length', trailers };
      await options.beforeBody?.(head);
      const body = await this.readExact(length, 'connection closed before the request body was complete');
      return { ...head, body, framing: 'content-length', trailers };
    }

    return { ...head, body: Buffer.alloc(0), framing: 'none', trailers };
  }

  /** Content-Length = 1*DIGIT, exactly (no sign, no hex, no list, no OWS inside). */
  private parseContentLength(value: string): number {
    if (!/^\d+$/.test(value)) fail(400, `invalid Content-Length ${JSON.stringify(value.slice(0, 32))}`);
    const digits = value.replace(/^0+(?=\d)/, '');
    const length = digits.length > 15 ? Number.POSITIVE_INFINITY : Number(digits);
    if (length > this.limits.maxBodyBytes) fail(413, `body of ${value} bytes exceeds the limit`);
    return length;
  }

  // --------------------------------------------------------------- responses

  private async parseResponse(requestMethod: string): Promise<HttpResponseMessage | null> {
    const budget: HeadBudget = { bytesLeft: this.limits.maxHeaderBytes, fieldsLeft: this.limits.maxHeaderCount };
    const statusLine = await this.readStartLine(budget, true);
    if (statusLine === null) return null;
    const match = STATUS_LINE.exec(statusLine);
    if (!match) fail(400, 'malformed status line');
    if (match[1] !== '1') fail(505, `HTTP version ${match[1]}.${match[2]} not supported`);
    const version = `HTTP/${match[1]}.${match[2]}`;
    const status = Number(match[3]);
    if (status < 100) fail(400, `status code ${match[3]} out of range`);
    const reason = match[4] ?? '';
    if (LENIENT_BAD_VALUE_CHAR.test(reason)) fail(400, 'reason phrase contains a forbidden character');

    const headers: HeaderField[] = [];
    await this.readFields(budget, headers, false, true);
    const head = { statusLine, version, status, reason, headers };
    const trailers: HeaderField[] = [];

    const method = requestMethod.toUpperCase();
    const noBody =
      method === 'HEAD' ||
      (status >= 100 && status < 200) ||
      status === 204 ||
      status === 304 ||
      (method === 'CONNECT' && status >= 200 && status < 300);
    if (noBody) return { ...head, body: Buffer.alloc(0), framing: 'none', trailers };

    const transferEncodings = headerValues(headers, 'transfer-encoding');
    if (transferEncodings.length > 0) {
      // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length; if chunked is not
      // the final coding the body runs until the connection closes.
      const codings = transferEncodings
        .join(',')
        .split(',')
        .map((coding) => trimOws(coding).toLowerCase())
        .filter((coding) => coding !== '');
      if (codings[codings.length - 1] === 'chunked') {
        const body = await this.readChunkedBody(false, trailers);
        return { ...head, body, framing: 'chunked', trailers };
      }
      const body = await this.readUntilEnd();
      return { ...head, body, framing: 'close', trailers };
    }

    const contentLengths = headerValues(headers, 'content-length');
    if (contentLengths.length > 0) {
      // Lenient: some servers repeat Content-Length; accept only if every value agrees.
      const values = contentLengths.join(',').split(',').map(trimOws);
      if (values.some((value) => value !== values[0])) fail(400, 'conflicting Content-Length values');
      const length = this.parseContentLength(values[0]);
      const body = await this.readExact(length, 'connection closed before the response body was complete');
      return { ...head, body, framing: 'content-length', trailers };
    }

    const body = await this.readUntilEnd();
    return { ...head, body, framing: 'close', trailers };
  }

  // ----------------------------------------------------------- shared pieces

  /**
   * Read the start line, skipping empty lines before it (RFC 9112 §2.2 lets a
   * server ignore a CRLF left over after a previous body). Null means the
   * stream ended before any byte of a new message.
   */
  private async readStartLine(budget: HeadBudget, lenient: boolean): Promise<string | null> {
    for (;;) {
      const line = await this.readLine(budget.bytesLeft, lenient, true, 431, 'connection closed inside the start line');
      if (line === null) return null;
      budget.bytesLeft -= line.bytes;
      if (line.text !== '') return line.text;
    }
  }

  /** Read field lines up to and including the empty line that ends the section. */
  private async readFields(budget: HeadBudget, into: HeaderField[], strict: boolean, lenient: boolean): Promise<void> {
    for (;;) {
      const line = await this.readLine(budget.bytesLeft, lenient, false, 431, 'connection closed before the header section was complete');
      if (line === null) fail(400, 'connection closed before the header section was complete');
      budget.bytesLeft -= line.bytes;
      if (line.text === '') return;
      if (--budget.fieldsLeft < 0) fail(431, `more than ${this.limits.maxHeaderCount} header fields`);
      into.push(parseFieldLine(line.text, strict));
    }
  }

  private async readChunkedBody(strict: boolean, trailers: HeaderField[]): Promise<Buffer> {
    const pieces: Buffer[] = [];
    let total = 0;
    for (;;) {
      const sizeLine = await this.readLine(MAX_CHUNK_LINE_BYTES, !strict, false, 400, 'connection closed inside a chunked body');
      if (sizeLine === null) fail(400, 'connection closed inside a chunked body');
      const match = CHUNK_SIZE_LINE.exec(sizeLine.text);
      if (!match) fail(400, `invalid chunk size line ${JSON.stringify(sizeLine.text.slice(0, 32))}`);
      if (match[2] !== undefined && LENIENT_BAD_VALUE_CHAR.test(match[2])) fail(400, 'invalid chunk extension');
      const hex = match[1].replace(/^0+(?=[0-9A-Fa-f])/, '');
      const size = hex.length > 12 ? Number.POSITIVE_INFINITY : parseInt(hex, 16);
      if (total + size > this.limits.maxBodyBytes) fail(413, 'chunked body exceeds the limit');

      if (size === 0) {
        const budget: HeadBudget = { bytesLeft: this.limits.maxHeaderBytes, fieldsLeft: this.limits.maxHeaderCount };
        await this.readFields(budget, trailers, strict, !strict);
        return Buffer.concat(pieces, total);
      }

      pieces.push(await this.readExact(size, 'connection closed inside a chunk'));
      total += size;
      await this.expectChunkTerminator(strict);
    }
  }

  /** chunk-data must be followed by CRLF (a bare LF is tolerated from servers only). */
  private async expectChunkTerminator(strict: boolean): Promise<void> {
    while (this.length < 2 && !this.ended) await this.waitForData();
    const head = this.peek(Math.min(this.length, 2));
    if (head.length >= 1 && head[0] === LF && !strict) {
      this.take(1);
      return;
    }
    if (head.length === 2 && head[0] === CR && head[1] === LF) {
      this.take(2);
      return;
    }
    fail(400, head.length < 2 ? 'connection closed inside a chunked body' : 'chunk data not followed by CRLF');
  }

  /**
   * Read one line. Returns the text without its terminator and the number of
   * bytes consumed, or null if the stream ended with nothing buffered and
   * `nullOnEof` is set. A line longer than `limit` bytes fails with
   * `tooLongStatus` as soon as that is known (not when the line finally ends);
   * a stream ending mid-line fails with 400 `eofMessage`.
   */
  private async readLine(
    limit: number,
    allowBareLf: boolean,
    nullOnEof: boolean,
    tooLongStatus: HttpErrorStatus,
    eofMessage: string,
  ): Promise<{ text: string; bytes: number } | null> {
    let scanned = 0;
    for (;;) {
      const buffer = this.compact();
      const lf = buffer.indexOf(LF, scanned);
      if (lf >= 0) {
        if (lf + 1 > limit) fail(tooLongStatus, tooLongMessage(tooLongStatus));
        const hasCr = lf > 0 && buffer[lf - 1] === CR;
        if (!hasCr && !allowBareLf) fail(400, 'line terminated by a bare LF');
        const content = buffer.subarray(0, hasCr ? lf - 1 : lf);
        if (content.includes(CR)) fail(400, 'bare CR inside a line');
        this.take(lf + 1);
        return { text: content.toString('latin1'), bytes: lf + 1 };
      }
      if (buffer.length >= limit) fail(tooLongStatus, tooLongMessage(tooLongStatus));
      scanned = buffer.length;
      if (this.ended) {
        if (buffer.length === 0 && nullOnEof) return null;
        fail(400, `${eofMessage}${this.endCause ? ` (${this.endCause})` : ''}`);
      }
      await this.waitForData();
    }
  }

  private async readExact(length: number, eofMessage: string): Promise<Buffer> {
    const pieces: Buffer[] = [];
    let remaining = length;
    while (remaining > 0) {
      if (this.length === 0) {
        if (this.ended) fail(400, `${eofMessage}${this.endCause ? ` (${this.endCause})` : ''}`);
        await this.waitForData();
        continue;
      }
      const piece = this.take(Math.min(remaining, this.length));
      pieces.push(piece);
      remaining -= piece.length;
    }
    return Buffer.concat(pieces, length);
  }

  private async readUntilEnd(): Promise<Buffer> {
    while (!this.ended) {
      if (this.length > this.limits.maxBodyBytes) fail(413, 'body exceeds the limit');
      await this.waitForData();
    }
    if (this.length > this.limits.maxBodyBytes) fail(413, 'body exceeds the limit');
    return this.take(this.length);
  }

  // --------------------------------------------------------- buffer plumbing

  private async exclusive<T>(read: () => Promise<T>): Promise<T> {
    if (this.released) throw new Error('HttpReader: reader has been released');
    if (this.busy) throw new Error('HttpReader: a read is already in progress');
    this.busy = true;
    try {
      return await read();
    } finally {
      this.busy = false;
    }
  }

  /** Resolve when more data, the end, or an error arrives. */
  private waitForData(): Promise<void> {
    if (this.released) return Promise.reject(new Error('HttpReader: reader has been released'));
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.stream.resume();
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Merge buffered chunks into one so a line can be searched contiguously. */
  private compact(): Buffer {
    if (this.chunks.length === 0) return Buffer.alloc(0);
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0];
  }

  private peek(count: number): Buffer {
    return this.compact().subarray(0, count);
  }

  /** Remove and return up to `count` bytes (fewer only if fewer are buffered). */
  private take(count: number): Buffer {
    const out: Buffer[] = [];
    let wanted = Math.min(count, this.length);
    const total = wanted;
    while (wanted > 0) {
      const first = this.chunks[0];
      if (first.length <= wanted) {
        out.push(first);
        this.chunks.shift();
        wanted -= first.length;
      } else {
        out.push(first.subarray(0, wanted));
        this.chunks[0] = first.subarray(wanted);
        wanted = 0;
      }
    }
    this.length -= total;
    return out.length === 1 ? out[0] : Buffer.concat(out, total);
  }
}

function tooLongMessage(status: HttpErrorStatus): string {
  return status === 431 ? 'header section exceeds the size limit' : 'line exceeds the size limit';
}
