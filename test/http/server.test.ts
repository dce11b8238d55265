/** Site server over plain TCP: ConfigMgr methods, byte-exact journal, keep-alive, framing, lifecycle. */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { Client } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Journal, startSiteServer, type SiteRequest, type SiteResponse, type StartedSiteServer } from '../../harness/http/index.js';
import { canConnect, exchange, parseResponses } from './helpers.js';

const DP_TARGET = '/SMS_DP_SMSPKG$/Content_1.1/sccm?/a%7Bb%7D.msi';

describe('site server over TCP', () => {
  const journal = new Journal();
  const seen: SiteRequest[] = [];
  let respond: (request: SiteRequest) => SiteResponse | Promise<SiteResponse>;
  let server: StartedSiteServer;

  beforeAll(async () => {
    server = await startSiteServer({
      name: 'management-point',
      host: '127.0.0.1',
      port: 0,
      journal,
      handler: (request) => {
        seen.push(request);
        return respond(request);
      },
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    journal.clear();
    seen.length = 0;
    respond = (request) => ({ status: 200, headers: [['Content-Type', 'text/plain']], body: `${request.method} ${request.body.length}` });
  });

  it.each(['CCM_POST', 'BITS_POST', 'PROPFIND'])('accepts %s and journals it byte-exact', async (method) => {
    const body = Buffer.from([0x3c, 0x00, 0xff, 0x0d, 0x0a, 0x41]);
    const head =
      `${method} ${DP_TARGET} HTTP/1.1\r\n` +
      'Host: mp.ibcm.lab\r\nuser-agent: SMS CCM 5.0\r\nBITS-Packet-Type: Create-Session\r\nx-ODD-case:  Keep\tMe \r\n' +
      `Content-Length: ${body.length}\r\n\r\n`;
    const result = await exchange(server.port, [head, body]);
    const [response] = await parseResponses(result.bytes);
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe(`${method} 6`);

    expect(seen).toHaveLength(1);
    expect(seen[0].target).toBe(DP_TARGET);
    expect(seen[0].body.equals(body)).toBe(true);
    const [entry] = journal.entries();
    expect(entry).toMatchObject({
      server: 'management-point',
      listener: `127.0.0.1:${server.port}`,
      remoteAddress: '127.0.0.1',
      tls: null,
      requestLine: `${method} ${DP_TARGET} HTTP/1.1`,
      method,
      target: DP_TARGET,
      version: 'HTTP/1.1',
      bodyLength: 6,
      bodySha256: createHash('sha256').update(body).digest('hex'),
      bodyPreview: body.toString('base64'),
      response: { status: 200, bodyLength: `${method} 6`.length },
    });
    expect(entry.headers).toEqual([
      ['Host', 'mp.ibcm.lab'],
      ['user-agent', 'SMS CCM 5.0'],
      ['BITS-Packet-Type', 'Create-Session'],
      ['x-ODD-case', 'Keep\tMe'],
      ['Content-Length', '6'],
    ]);
    expect(entry.error).toBeUndefined();
    expect(entry.response.headers.map(([name]) => name)).toEqual(['Content-Type', 'Content-Length', 'Date']);
  });

  it('keeps the connection alive for sequential requests (undici, same connectionId)', async () => {
    const client = new Client(`http://127.0.0.1:${server.port}`);
    try {
      for (const method of ['CCM_POST', 'BITS_POST', 'PROPFIND']) {
        // undici closes a connection after a body sent with a method other than POST/PUT/PATCH unless reset: false.
        const { statusCode, body } = await client.request({ method, path: DP_TARGET, body: 'payload', reset: false });
        expect(statusCode).toBe(200);
        expect(await body.text()).toBe(`${method} 7`);
      }
    } finally {
      await client.close();
    }
    const entries = journal.entries();
    expect(entries.map((entry) => entry.method)).toEqual(['CCM_POST', 'BITS_POST', 'PROPFIND']);
    expect(entries.every((entry) => entry.target === DP_TARGET)).toBe(true);
    expect(new Set(entries.map((entry) => entry.connectionId)).size).toBe(1);
    expect(seen.map((request) => request.connection.id)).toEqual(entries.map((entry) => entry.connectionId));
  });

  it('answers pipelined requests one at a time, in order', async () => {
    let active = 0;
    respond = async (request) => {
      active++;
      expect(active).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      return { status: 200, body: request.target };
    };
    const result = await exchange(server.port, ['/1', '/2', '/3'].map((target) => `GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`).join(''));
    const responses = await parseResponses(result.bytes);
    expect(responses.map((response) => response.body.toString())).toEqual(['/1', '/2', '/3']);
    expect(new Set(journal.entries().map((entry) => entry.connectionId)).size).toBe(1);
  });

  it('decodes a chunked request body', async () => {
    const result = await exchange(
      server.port,
      `BITS_POST /BITS/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n`,
    );
    expect((await parseResponses(result.bytes))[0].status).toBe(200);
    expect(seen[0].body.toString()).toBe('hello world');
    expect(journal.entries()[0]).toMatchObject({ bodyLength: 11, bodyPreview: Buffer.from('hello world').toString('base64') });
  });

  it('sends headers but no body for HEAD, and the connection stays usable', async () => {
    respond = () => ({ status: 200, headers: [['Content-Type', 'application/octet-stream']], body: Buffer.alloc(1234, 1) });
    const result = await exchange(server.port, `HEAD ${DP_TARGET} HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n`);
    const [head, next] = await parseResponses(result.bytes, ['HEAD', 'GET']);
    expect(head.status).toBe(200);
    expect(head.headers).toContainEqual({ name: 'Content-Length', value: '1234' });
    expect(head.body.length).toBe(0);
    expect(next.body.length).toBe(1234);
    expect(journal.entries()[0].response.bodyLength).toBe(0);
  });

  it('closes after Connection: close, HTTP/1.0, or a handler asking for it', async () => {
    for (const request of [
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      'GET / HTTP/1.0\r\n\r\n',
      'GET /handler-close HTTP/1.1\r\nHost: a\r\n\r\n',
    ]) {
      respond = (r) => ({ status: 200, body: 'x', close: r.target === '/handler-close' });
      const result = await exchange(server.port, request, { halfClose: false });
      expect(result.closed).toBe(true);
      const [response] = await parseResponses(result.bytes);
      expect(response.headers).toContainEqual({ name: 'Connection', value: 'close' });
    }
    const keptAlive = await exchange(server.port, 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', { halfClose: false, timeoutMs: 300 });
    expect(keptAlive.closed).toBe(false);
    expect((await parseResponses(keptAlive.bytes))[0].headers).toContainEqual({ name: 'Connection', value: 'keep-alive' });
  });

  it('answers 100 Continue before reading a body when asked to', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    socket.write('CCM_POST /ccm_system/request HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
    await new Promise((resolve) => socket.once('data', resolve));
    expect(Buffer.concat(received).toString()).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    socket.end('body');
    await new Promise((resolve) => socket.once('close', resolve));
    const [interim, final] = await parseResponses(Buffer.concat(received), ['CCM_POST']);
    expect([interim.status, final.status]).toEqual([100, 200]);
  });

  it('turns handler failures into 500 with a journal error and keeps serving', async () => {
    respond = (request) => {
      if (request.target === '/throw') throw new Error('boom');
      if (request.target === '/bad-header') return { status: 200, headers: [['X', 'a\r\nInjected: 1']] };
      return { status: 200, body: 'fine' };
    };
    const result = await exchange(
      server.port,
      ['/throw', '/bad-header', '/ok'].map((t) => `GET ${t} HTTP/1.1\r\nHost: a\r\n\r\n`).join(''),
    );
    const responses = await parseResponses(result.bytes);
    expect(responses.map((response) => response.status)).toEqual([500, 500, 200]);
    expect(result.text).not.toContain('Injected');
    const entries = journal.entries();
    expect(entries[0].error).toBe('handler failed: boom');
    expect(entries[1].error).toMatch(/unsendable response/);
    expect(entries[2].error).toBeUndefined();
  });

  it('journals each request before its response reaches the client', async () => {
    const client = new Client(`http://127.0.0.1:${server.port}`);
    try {
      for (let i = 0; i < 5; i++) {
        const mark = journal.mark();
        const { body } = await client.request({ method: 'CCM_POST', path: `/ccm_system/request?i=${i}`, body: 'x' });
        await body.dump();
        expect(journal.since(mark).map((entry) => entry.target)).toEqual([`/ccm_system/request?i=${i}`]);
      }
    } finally {
      await client.close();
    }
  });
});

describe('site server lifecycle', () => {
  it('names server, address and code when it cannot listen', async () => {
    const first = await startSiteServer({
      name: 'management-point',
      host: '127.0.0.1',
      port: 0,
      journal: new Journal(),
      handler: () => ({ status: 200 }),
    });
    try {
      await expect(
        startSiteServer({
          name: 'distribution-point',
          host: '127.0.0.1',
          port: first.port,
          journal: new Journal(),
          handler: () => ({ status: 200 }),
        }),
      ).rejects.toThrow(`distribution-point could not listen on 127.0.0.1:${first.port}: address already in use (EADDRINUSE)`);
    } finally {
      await first.close();
    }
  });

  it('close() drops open connections and leaves nothing listening', async () => {
    const server = await startSiteServer({
      name: 'mp',
      host: '127.0.0.1',
      port: 0,
      journal: new Journal(),
      handler: () => ({ status: 200 }),
    });
    const idle = net.connect(server.port, '127.0.0.1');
    await new Promise((resolve) => idle.once('connect', resolve));
    const idleClosed = new Promise((resolve) => idle.once('close', resolve));
    idle.on('error', () => {});
    await server.close();
    await idleClosed;
    expect(await canConnect(server.port)).toBe(false);
    await server.close(); // idempotent
  });

  it('closes idle connections and journals a stalled partial head', async () => {
    const journal = new Journal();
    const server = await startSiteServer({
      name: 'mp',
      host: '127.0.0.1',
      port: 0,
      journal,
      idleTimeoutMs: 150,
      handler: () => ({ status: 200 }),
    });
    try {
      const result = await exchange(server.port, 'GET /slow HTTP/1.1\r\nHo', { halfClose: false });
      expect(result.closed).toBe(true);
      expect((await parseResponses(result.bytes))[0].status).toBe(408);
      const [entry] = journal.entries();
      expect(entry.requestLine).toBe('GET /slow HTTP/1.1');
      expect(entry.error).toBe('idle timeout after 150 ms with an incomplete request');
      expect(entry.response.status).toBe(408);
      // An idle keep-alive connection with nothing pending is closed without a response or entry.
      const quiet = await exchange(server.port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', { halfClose: false });
      expect(quiet.closed).toBe(true);
      expect((await parseResponses(quiet.bytes)).map((response) => response.status)).toEqual([200]);
      expect(journal.entries()).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});
