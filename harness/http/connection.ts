/**
 * One site-server connection: read requests one at a time (pipelined bytes
 * wait in the reader's buffer), hand them to the role's handler, journal,
 * answer, and decide whether to keep the connection open.
 *
 * Invariants the rest of the lab relies on:
 *  - every request that produced a response has a journal entry, recorded
 *    *before* the response is written (a test reading the journal after it
 *    got the response always finds it);
 *  - malformed input gets the parse error's status, `Connection: close`, a
 *    journal entry with `error`, and the connection is closed — bytes after a
 *    rejected head (e.g. a smuggled request) are never parsed;
 *  - nothing here throws past serveConnection(): socket errors, parse errors
 *    and handler exceptions all end in a response and/or a destroyed socket.
 */
import type { Duplex } from 'node:stream';
import { HttpParseError, headerValue, type HttpLimits, type HttpRequestMessage, type RequestFraming, type RequestHead } from './message.js';
import { HttpReader } from './reader.js';
import { prepareResponse, type PreparedResponse } from './wire.js';
import { bodyFacts, sha256Hex, type Journal, type JournalInput, type SiteDecision, type TlsFacts } from './journal.js';
import type { SiteHandler, SiteRequest, SiteResponse } from './server.js';

/** How long to keep draining a peer after we ended our side, so our last response is not lost to a TCP RST. */
const LINGER_MS = 2000;

export interface ConnectionContext {
  server: string;
  listener: string;
  journal: Journal;
  handler: SiteHandler;
  limits: HttpLimits;
  idleTimeoutMs: number;
  requestFraming: RequestFraming;
  id: number;
  /** Set when client certificates are required and this peer's was not accepted: the 403 to send instead of calling the handler. */
  rejection: { error: string; body: string } | null;
  tls: TlsFacts | null;
}

interface SocketLike extends Duplex {
  remoteAddress?: string;
  remotePort?: number;
  setTimeout(ms: number, callback?: () => void): this;
}

function connectionTokens(headers: RequestHead['headers'] | [string, string][]): string[] {
  const values = (headers as (RequestHead['headers'][number] | [string, string])[])
    .filter((header) => (Array.isArray(header) ? header[0] : header.name).toLowerCase() === 'connection')
    .map((header) => (Array.isArray(header) ? header[1] : header.value));
  return values
    .join(',')
    .split(',')
    .map((token) => token.trim().toLowerCase());
}

/** HTTP/1.1 persists unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`. */
function clientWantsKeepAlive(request: RequestHead): boolean {
  const tokens = connectionTokens(request.headers);
  if (tokens.includes('close')) return false;
  return request.version === 'HTTP/1.1' || tokens.includes('keep-alive');
}

function write(socket: Duplex, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed || !socket.writable) return resolve();
    if (socket.write(data)) return resolve();
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** End our side, then discard whatever the peer still sends until it closes (or LINGER_MS passes). */
function closeGracefully(socket: SocketLike, reader: HttpReader): void {
  reader.release();
  socket.on('data', () => {});
  socket.resume();
  socket.setTimeout(0);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  if (!socket.writableEnded) socket.end();
}

export async function serveConnection(socket: SocketLike, context: ConnectionContext): Promise<void> {
  const reader = new HttpReader(socket, context.limits);
  const connection: SiteRequest['connection'] = {
    id: context.id,
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    tls: context.tls,
    state: new Map(),
  };
  let timedOut = false;
  // End the read instead of destroying the socket, so a stalled partial request is journaled and
  // answered (408) like any other refused input before we hang up. The listener is added once;
  // re-arming per request only resets the timer (a callback per call would pile up listeners).
  socket.on('timeout', () => {
    timedOut = true;
    reader.abort('idle timeout');
  });
  const armIdleTimer = (): void => {
    socket.setTimeout(context.idleTimeoutMs);
  };
  armIdleTimer();

  const journalBase = (): Pick<JournalInput, 'server' | 'listener' | 'connectionId' | 'remoteAddress' | 'remotePort' | 'tls'> => ({
    server: context.server,
    listener: context.listener,
    connectionId: connection.id,
    remoteAddress: connection.remoteAddress,
    remotePort: connection.remotePort,
    tls: context.tls,
  });

  const journalAndSend = async (
    head: Partial<RequestHead>,
    body: Buffer,
    prepared: PreparedResponse,
    error: string | undefined,
    decided?: SiteDecision,
  ): Promise<void> => {
    context.journal.record({
      ...journalBase(),
      requestLine: head.requestLine ?? '',
      method: head.method ?? '',
      target: head.target ?? '',
      version: head.version ?? '',
      headers: (head.headers ?? []).map((field) => [field.name, field.value]),
      ...bodyFacts(body),
      response: {
        status: prepared.status,
        headers: prepared.headers,
        bodyLength: prepared.body.length,
        bodySha256: sha256Hex(prepared.body),
      },
      ...(error === undefined ? {} : { error }),
      ...(decided === undefined ? {} : { decided }),
    });
    await write(socket, Buffer.concat([prepared.headBytes, prepared.body]));
  };

  try {
    for (;;) {
      let request: HttpRequestMessage | null;
      try {
        request = await reader.readRequest({
          framing: context.requestFraming,
          beforeBody: (head) => {
            // Clients that wait for 100 Continue before sending a body (e.g. .NET, curl) would otherwise stall.
            const expect = headerValue(head.headers, 'expect');
            if (head.version === 'HTTP/1.1' && expect?.toLowerCase() === '100-continue' && socket.writable) {
              socket.write('HTTP/1.1 100 Continue\r\n\r\n');
            }
          },
        });
      } catch (error) {
        if (!(error instanceof HttpParseError)) throw error;
        const reason = timedOut ? `idle timeout after ${context.idleTimeoutMs} ms with an incomplete request` : error.message;
        const status = timedOut ? 408 : error.status;
        const prepared = prepareResponse({
          status,
          headers: [
            ['Content-Type', 'text/plain; charset=utf-8'],
            ['Connection', 'close'],
          ],
          body: `${status} ${timedOut ? reason : error.message}\r\n`,
        });
        await journalAndSend(error.head, Buffer.alloc(0), prepared, reason);
        closeGracefully(socket, reader);
        return;
      }

      if (request === null) {
        // Peer finished sending (or idled out) between messages: finish our side too.
        closeGracefully(socket, reader);
        return;
      }

      socket.setTimeout(0); // a slow handler (e.g. one waiting on another role) is not an idle client
      const { response, error } = await respond(request, connection, context);
      const keepAlive = clientWantsKeepAlive(request) && !response.close;
      const headers = [...(response.headers ?? [])];
      const handlerCloses = connectionTokens(headers).includes('close');
      if (!keepAlive && !handlerCloses) headers.push(['Connection', 'close']);
      if (keepAlive && !handlerCloses && request.version === 'HTTP/1.0') headers.push(['Connection', 'keep-alive']);

      let prepared: PreparedResponse;
      let failure = error;
      try {
        prepared = prepareResponse({
          status: response.status,
          reason: response.reason,
          headers,
          body: response.body,
          head: request.method === 'HEAD',
        });
      } catch (encodeError) {
        failure = `handler returned an unsendable response: ${(encodeError as Error).message}`;
        prepared = internalError(request.method === 'HEAD', !keepAlive || handlerCloses);
      }
      await journalAndSend(request, request.body, prepared, failure, response.decided);

      if (!keepAlive || handlerCloses) {
        closeGracefully(socket, reader);
        return;
      }
      armIdleTimer();
    }
  } catch {
    socket.destroy();
  }
}

function internalError(head: boolean, close: boolean): PreparedResponse {
  return prepareResponse({
    status: 500,
    headers: [['Content-Type', 'text/plain; charset=utf-8'], ...(close ? [['Connection', 'close'] as [string, string]] : [])],
    body: '500 Internal Server Error\r\n',
    head,
  });
}

/** Call the handler, or refuse without calling it; never throws. */
async function respond(
  request: HttpRequestMessage,
  connection: SiteRequest['connection'],
  context: ConnectionContext,
): Promise<{ response: SiteResponse; error?: string }> {
  if (context.rejection) {
    return {
      response: { status: 403, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: context.rejection.body },
      error: context.rejection.error,
    };
  }
  const siteRequest: SiteRequest = {
    method: request.method,
    target: request.target,
    version: request.version,
    requestLine: request.requestLine,
    headers: request.headers,
    body: request.body,
    connection,
    header: (name) => headerValue(request.headers, name),
  };
  try {
    const response = await context.handler(siteRequest);
    if (!response || typeof response.status !== 'number') throw new Error('handler returned no response');
    return { response };
  } catch (error) {
    return {
      response: { status: 500, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: '500 Internal Server Error\r\n' },
      error: `handler failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
