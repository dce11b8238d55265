/** Raw-socket client helpers for the HTTP tests: send exact bytes, collect exact bytes. */
import net from 'node:net';
import tls from 'node:tls';
import { PassThrough } from 'node:stream';
import { HttpReader, type HttpResponseMessage } from '../../harness/http/index.js';
import { seededRandom } from '../../harness/client/random.js';

export interface Exchange {
  bytes: Buffer;
  text: string;
  /** The server closed the connection before the timeout. */
  closed: boolean;
  error?: string;
}

export interface ExchangeOptions {
  host?: string;
  /** Half-close after writing so the server sees EOF (default true). */
  halfClose?: boolean;
  timeoutMs?: number;
  tls?: tls.ConnectionOptions;
}

/** Connect, write `data` (pieces written in order), then collect everything until the server closes. */
export function exchange(port: number, data: string | Buffer | (string | Buffer)[], options: ExchangeOptions = {}): Promise<Exchange> {
  const host = options.host ?? '127.0.0.1';
  const pieces = (Array.isArray(data) ? data : [data]).map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let settled = false;
    const onConnect = (): void => {
      for (const piece of pieces) socket.write(piece);
      if (options.halfClose ?? true) socket.end();
    };
    const socket: net.Socket = options.tls
      ? tls.connect({ host, port, ...options.tls }, onConnect)
      : net.connect({ host, port }, onConnect);
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      resolve({ bytes, text: bytes.toString('latin1'), closed, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 2000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => finish(true));
  });
}

/** Status code of the first response in `text`, or null. */
export function firstStatus(text: string): number | null {
  const match = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
  return match ? Number(match[1]) : null;
}

/** Parse every response in `bytes`, one per entry of `methods` (the last method repeats). Throws on malformed output. */
export async function parseResponses(bytes: Buffer, methods: string[] = ['GET']): Promise<HttpResponseMessage[]> {
  const stream = new PassThrough();
  stream.end(bytes);
  const reader = new HttpReader(stream);
  const responses: HttpResponseMessage[] = [];
  for (;;) {
    const method = methods[Math.min(responses.length, methods.length - 1)];
    const response = await reader.readResponse(method);
    if (response === null) return responses;
    responses.push(response);
  }
}

/** Reproducible PRNG (the client's mulberry32) so a failing fuzz case can be replayed from its seed. */
export const prng = seededRandom;

/** Connect and return once the server has accepted (for "is anything listening?" checks). */
export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Poll `check` until it returns true (or fail after `timeoutMs`); for effects that follow a peer's close. */
export async function waitFor(check: () => boolean, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
