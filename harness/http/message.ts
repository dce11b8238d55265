/**
 * HTTP/1.1 message model shared by the reader, the serialisers, the site
 * servers and the reverse proxy.
 *
 * Header fields are kept exactly as received (name case, order, duplicates)
 * because the journal built from them is evidence in conformance verdicts: a
 * verdict such as "the proxy forwarded CCM_POST with the client's headers
 * unchanged" can only be judged against byte-exact input.
 */

/** One header line as received: case and order preserved, value trimmed of OWS (SP / HTAB) only. */
export interface HeaderField {
  name: string;
  value: string;
}

export interface RequestHead {
  /** The request line without its CRLF, byte-exact (latin1 decoded). */
  requestLine: string;
  method: string;
  target: string;
  /** 'HTTP/1.1' | 'HTTP/1.0' */
  version: string;
  headers: HeaderField[];
}

export interface ResponseHead {
  /** The status line without its line terminator, byte-exact (latin1 decoded). */
  statusLine: string;
  version: string;
  status: number;
  reason: string;
  headers: HeaderField[];
}

export interface HttpRequestMessage extends RequestHead {
  body: Buffer;
  framing: 'none' | 'content-length' | 'chunked';
  trailers: HeaderField[];
}

export interface HttpResponseMessage extends ResponseHead {
  body: Buffer;
  framing: 'none' | 'content-length' | 'chunked' | 'close';
  /** Trailer fields of a chunked response (empty otherwise); kept so a proxy can forward them. */
  trailers: HeaderField[];
}

/** First header with this name (case-insensitive), or undefined. */
export function headerValue(headers: readonly HeaderField[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const field of headers) {
    if (field.name.toLowerCase() === wanted) return field.value;
  }
  return undefined;
}

/** All values of headers with this name (case-insensitive), in received order. */
export function headerValues(headers: readonly HeaderField[], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter((field) => field.name.toLowerCase() === wanted).map((field) => field.value);
}

/**
 * How a request parser decides where a request body ends when its framing headers disagree
 * (RFC 9112 §6.1, §6.3). The lab's site systems and the reference bridge are `strict`; the other
 * policies exist so PX-SMUGGLE can put two parsers that disagree on either side of a proxy:
 *  - `strict`: both Transfer-Encoding and Content-Length, or more than one Content-Length → 400.
 *  - `transfer-encoding-wins`: a lenient back end. RFC 9112 §6.1 lets a server "process such a
 *    request in accordance with the Transfer-Encoding alone" (Content-Length ignored); repeated
 *    Content-Length fields are accepted and the LAST one counts (§6.3 calls differing values an
 *    unrecoverable error — this is the lenience of servers that keep the last value of a field).
 *    Unlike §6.1 demands, the server keeps the connection open afterwards: that is the lenience
 *    that lets a front end that disagrees desynchronise it.
 *  - `content-length-wins`: a faulty front end: Content-Length wins over Transfer-Encoding and the
 *    FIRST of repeated Content-Length fields counts.
 *  - `ignore-transfer-encoding`: a faulty front end that frames as if Transfer-Encoding were absent
 *    (a sanitiser that deleted it from the copy it parses); repeated Content-Length → 400.
 */
export type RequestFraming = 'strict' | 'transfer-encoding-wins' | 'content-length-wins' | 'ignore-transfer-encoding';

export type HttpErrorStatus = 400 | 413 | 431 | 501 | 505;

/**
 * Malformed or refused input. `status` is what a server should answer with.
 * `head` carries whatever of the request/status line and headers had been
 * parsed before the failure, so the journal can still record it.
 */
export class HttpParseError extends Error {
  override readonly name = 'HttpParseError';
  head: Partial<RequestHead> = {};

  constructor(
    message: string,
    readonly status: HttpErrorStatus,
  ) {
    super(message);
  }
}

export interface HttpLimits {
  /** Whole head (start line + header lines + CRLFs); default 16384. Exceeding it gives 431. */
  maxHeaderBytes: number;
  /** Number of header (or trailer) fields; default 100. Exceeding it gives 431. */
  maxHeaderCount: number;
  /** Decoded body size; default 64 MiB. Exceeding it gives 413. */
  maxBodyBytes: number;
}

export const defaultLimits: HttpLimits = Object.freeze({
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  maxBodyBytes: 64 * 1024 * 1024,
});
