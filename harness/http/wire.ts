/**
 * Serialisers for HTTP/1.1 heads and complete responses.
 *
 * Strings are written as latin1 so a head read by HttpReader (latin1 decoded)
 * re-serialises byte-exact — the proxy depends on that. Anything that could
 * split a message (CR, LF, NUL in a field, a non-token name) is refused with a
 * TypeError instead of being written: a lab handler bug must never turn into
 * response splitting on the wire.
 */
import type { HeaderField, RequestHead } from './message.js';

export const reasonPhrases: Readonly<Record<number, string>> = Object.freeze({
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Content Too Large',
  416: 'Range Not Satisfiable',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
});

export function reasonPhrase(status: number): string {
  return reasonPhrases[status] ?? '';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_FIELD_CHAR = /[\x00\r\n]/;

export type HeaderInput = readonly HeaderField[] | readonly (readonly [string, string])[];

/** Normalise either header shape to [name, value] pairs. */
export function headerPairs(headers: HeaderInput): [string, string][] {
  return (headers as readonly (HeaderField | readonly [string, string])[]).map((header) =>
    Array.isArray(header) ? [header[0], header[1]] : [(header as HeaderField).name, (header as HeaderField).value],
  );
}

function fieldLines(headers: readonly (readonly [string, string])[]): string {
  let out = '';
  for (const [name, value] of headers) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (BAD_FIELD_CHAR.test(value)) throw new TypeError(`header ${name} value contains CR, LF or NUL`);
    out += `${name}: ${value}\r\n`;
  }
  return out;
}

export function serializeRequestHead(head: Pick<RequestHead, 'method' | 'target' | 'version'> & { headers: HeaderInput }): Buffer {
  if (!TOKEN.test(head.method)) throw new TypeError(`invalid method ${JSON.stringify(head.method)}`);
  if (!/^[\x21-\x7e]+$/.test(head.target)) throw new TypeError(`invalid request target ${JSON.stringify(head.target)}`);
  if (!/^HTTP\/\d\.\d$/.test(head.version)) throw new TypeError(`invalid version ${JSON.stringify(head.version)}`);
  return Buffer.from(`${head.method} ${head.target} ${head.version}\r\n${fieldLines(headerPairs(head.headers))}\r\n`, 'latin1');
}

export interface ResponseHeadInput {
  /** Default 'HTTP/1.1'. */
  version?: string;
  status: number;
  /** Default: the standard phrase for the status (may be empty). */
  reason?: string;
  headers: HeaderInput;
}

export function serializeResponseHead(head: ResponseHeadInput): Buffer {
  const version = head.version ?? 'HTTP/1.1';
  if (!/^HTTP\/\d\.\d$/.test(version)) throw new TypeError(`invalid version ${JSON.stringify(version)}`);
  if (!Number.isInteger(head.status) || head.status < 100 || head.status > 999) {
    throw new TypeError(`invalid status ${head.status}`);
  }
  const reason = head.reason ?? reasonPhrase(head.status);
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(reason)) throw new TypeError('reason phrase contains a control character');
  return Buffer.from(`${version} ${head.status} ${reason}\r\n${fieldLines(headerPairs(head.headers))}\r\n`, 'latin1');
}

export interface ResponseInput {
  status: number;
  reason?: string;
  headers: HeaderInput;
  body?: Buffer | string;
  /** Response to HEAD: headers (incl. the Content-Length the body would have) but no body. */
  head?: boolean;
  version?: string;
}

export interface PreparedResponse {
  status: number;
  reason: string;
  /** Exactly the header lines that go on the wire, in order. */
  headers: [string, string][];
  headBytes: Buffer;
  /** Exactly the body bytes that go on the wire (empty for HEAD, 1xx, 204, 304). */
  body: Buffer;
}

/** Statuses that never carry content (RFC 9110 §6.4.1); 204 and 1xx must not send Content-Length either. */
function statusForbidsBody(status: number): boolean {
  return (status >= 100 && status < 200) || status === 204 || status === 304;
}

/**
 * Build a complete response: adds Content-Length when absent (unless the
 * caller set Transfer-Encoding, in which case the body is sent as given) and
 * a Date. A Content-Length that contradicts the body is refused, except for
 * HEAD where announcing a length without sending it is the point.
 */
export function prepareResponse(input: ResponseInput): PreparedResponse {
  const headers = headerPairs(input.headers);
  const has = (name: string): boolean => headers.some(([field]) => field.toLowerCase() === name);
  const reason = input.reason ?? reasonPhrase(input.status);
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : (input.body ?? Buffer.alloc(0));
  const noBody = statusForbidsBody(input.status);

  if (!noBody && !has('content-length') && !has('transfer-encoding')) {
    headers.push(['Content-Length', String(body.length)]);
  } else if (!noBody && !input.head && has('content-length')) {
    const declared = headers.filter(([field]) => field.toLowerCase() === 'content-length').map(([, value]) => value);
    if (declared.some((value) => value !== String(body.length))) {
      throw new TypeError(`Content-Length ${declared.join(', ')} does not match a body of ${body.length} bytes`);
    }
  }
  if (!has('date')) headers.push(['Date', new Date().toUTCString()]);

  const headBytes = serializeResponseHead({ version: input.version, status: input.status, reason, headers });
  return {
    status: input.status,
    reason,
    headers,
    headBytes,
    body: input.head || noBody ? Buffer.alloc(0) : body,
  };
}

/** prepareResponse() as one buffer ready for socket.write(). */
export function encodeResponse(input: ResponseInput): Buffer {
  const prepared = prepareResponse(input);
  return Buffer.concat([prepared.headBytes, prepared.body]);
}
