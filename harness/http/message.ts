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
