/** HttpReader, serialisers and Journal on in-memory streams (no sockets). */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  encodeResponse,
  HttpParseError,
  HttpReader,
  Journal,
  headerValue,
  headerValues,
  prepareResponse,
  serializeRequestHead,
  serializeResponseHead,
  type HttpLimits,
} from '../../harness/http/index.js';

function readerOf(input: string | Buffer, limits?: Partial<HttpLimits>, end = true): HttpReader {
  const stream = new PassThrough();
  if (end) stream.end(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  else stream.write(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  return new HttpReader(stream, limits);
}

async function requestError(input: string, limits?: Partial<HttpLimits>): Promise<HttpParseError> {
  const error = await readerOf(input, limits)
    .readRequest()
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(HttpParseError);
  return error as HttpParseError;
}

describe('HttpReader.readRequest', () => {
  it('keeps method, target, header case/order and values byte-exact', async () => {
    const raw =
      'CCM_POST /SMS_DP_SMSPKG$/Content_1.1/sccm?/a%7Bb%7D.msi HTTP/1.1\r\n' +
      'Host: mp.lab\r\nuser-AGENT:  ConfigMgr Messaging HTTP Sender \t\r\nX-Dup: 1\r\nx-dup: 2\r\nX-Latin: caf\xe9\r\nContent-Length: 3\r\n\r\nabc';
    const request = await readerOf(raw).readRequest();
    expect(request).not.toBeNull();
    expect(request!.requestLine).toBe('CCM_POST /SMS_DP_SMSPKG$/Content_1.1/sccm?/a%7Bb%7D.msi HTTP/1.1');
    expect(request!.method).toBe('CCM_POST');
    expect(request!.target).toBe('/SMS_DP_SMSPKG$/Content_1.1/sccm?/a%7Bb%7D.msi');
    expect(request!.headers).toEqual([
      { name: 'Host', value: 'mp.lab' },
      { name: 'user-AGENT', value: 'ConfigMgr Messaging HTTP Sender' },
      { name: 'X-Dup', value: '1' },
      { name: 'x-dup', value: '2' },
      { name: 'X-Latin', value: 'caf\xe9' },
      { name: 'Content-Length', value: '3' },
    ]);
    expect(headerValue(request!.headers, 'USER-agent')).toBe('ConfigMgr Messaging HTTP Sender');
    expect(headerValues(request!.headers, 'x-dup')).toEqual(['1', '2']);
    expect(request!.body.toString()).toBe('abc');
    expect(request!.framing).toBe('content-length');
    // Re-serialising the head reproduces the received bytes (latin1 in, latin1 out), modulo OWS trimming.
    const again = serializeRequestHead(request!).toString('latin1');
    expect(again).toBe(raw.replace(':  ConfigMgr Messaging HTTP Sender \t', ': ConfigMgr Messaging HTTP Sender').replace(/abc$/, ''));
  });

  it('decodes chunked bodies with extensions and trailers', async () => {
    const request = await readerOf(
      'BITS_POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n',
    ).readRequest();
    expect(request!.body.toString()).toBe('hello world');
    expect(request!.framing).toBe('chunked');
    expect(request!.trailers).toEqual([{ name: 'X-Checksum', value: '1' }]);
  });

  it('reads pipelined requests in order and returns null at a clean end', async () => {
    const reader = readerOf('GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\r\nPROPFIND /2 HTTP/1.0\r\n\r\n');
    expect((await reader.readRequest())!.target).toBe('/1');
    const second = await reader.readRequest();
    expect(second!.method).toBe('PROPFIND');
    expect(second!.version).toBe('HTTP/1.0');
    expect(await reader.readRequest()).toBeNull();
  });

  it('reports what was parsed before the failure', async () => {
    const error = await requestError('GET /x HTTP/1.1\r\nHost: a\r\nBad Header: 1\r\n\r\n');
    expect(error.status).toBe(400);
    expect(error.name).toBe('HttpParseError');
    expect(error.head.requestLine).toBe('GET /x HTTP/1.1');
    expect(error.head.headers).toEqual([{ name: 'Host', value: 'a' }]);
  });

  it('maps limit violations to 431 and 413', async () => {
    expect((await requestError(`GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(200)}\r\n\r\n`, { maxHeaderBytes: 128 })).status).toBe(431);
    expect((await requestError(`GET / HTTP/1.1\r\nHost: a\r\n${'X: 1\r\n'.repeat(5)}\r\n`, { maxHeaderCount: 5 })).status).toBe(431);
    expect((await requestError('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world', { maxBodyBytes: 10 })).status).toBe(
      413,
    );
    expect(
      (
        await requestError('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n', {
          maxBodyBytes: 10,
        })
      ).status,
    ).toBe(413);
  });

  it('fails fast on an endless line instead of buffering it', async () => {
    const reader = readerOf(`GET /${'a'.repeat(20000)}`, {}, false);
    await expect(reader.readRequest()).rejects.toMatchObject({ status: 431 });
  });

  it('calls beforeBody only for requests with a body', async () => {
    const seen: string[] = [];
    const reader = readerOf('POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nxGET /b HTTP/1.1\r\nHost: a\r\n\r\n');
    const options = { beforeBody: (head: { target: string }) => void seen.push(head.target) };
    await reader.readRequest(options);
    await reader.readRequest(options);
    expect(seen).toEqual(['/a']);
  });

  it('hands back buffered bytes on release', async () => {
    const reader = readerOf('CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n\x16\x03\x01', {}, false);
    await reader.readRequest();
    expect(reader.release().toString('latin1')).toBe('\x16\x03\x01');
  });
});

describe('HttpReader.readResponse', () => {
  it('frames by Content-Length, chunked, and close', async () => {
    const reader = readerOf(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' +
        'HTTP/1.1 207 Multi-Status\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n' +
        'HTTP/1.0 200\r\n\r\nuntil the end',
    );
    const first = await reader.readResponse('GET');
    expect([first!.status, first!.reason, first!.body.toString(), first!.framing]).toEqual([200, 'OK', 'ok', 'content-length']);
    const second = await reader.readResponse('PROPFIND');
    expect([second!.status, second!.body.toString(), second!.framing]).toEqual([207, 'abc', 'chunked']);
    expect(second!.trailers).toEqual([{ name: 'X-T', value: '1' }]);
    const third = await reader.readResponse('GET');
    expect([third!.version, third!.reason, third!.body.toString(), third!.framing]).toEqual(['HTTP/1.0', '', 'until the end', 'close']);
    expect(await reader.readResponse('GET')).toBeNull();
  });

  it('knows which responses have no body', async () => {
    const reader = readerOf(
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n' +
        'HTTP/1.1 100 Continue\r\n\r\n' +
        'HTTP/1.1 204 No Content\r\n\r\n' +
        'HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n' +
        'HTTP/1.1 200 Connection established\r\n\r\n',
    );
    for (const method of ['HEAD', 'POST', 'DELETE', 'GET', 'CONNECT']) {
      const response = await reader.readResponse(method);
      expect(response!.framing).toBe('none');
      expect(response!.body.length).toBe(0);
    }
  });

  it('is lenient where servers differ, strict where framing is ambiguous', async () => {
    const ok = await readerOf('HTTP/1.1 200 OK\nContent-Length: 2, 2\nContent-Length: 2\n\nok').readResponse('GET');
    expect(ok!.body.toString()).toBe('ok');
    await expect(
      readerOf('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc').readResponse('GET'),
    ).rejects.toBeInstanceOf(HttpParseError);
    await expect(readerOf('HTTP/2.0 200 OK\r\n\r\n').readResponse('GET')).rejects.toMatchObject({ status: 505 });
    await expect(readerOf('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort').readResponse('GET')).rejects.toMatchObject({ status: 400 });
  });
});

describe('wire', () => {
  it('adds Content-Length and Date, and omits the body for HEAD', () => {
    const text = encodeResponse({ status: 200, headers: [['Content-Type', 'text/plain']], body: 'hello' }).toString();
    expect(text).toMatch(
      /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain\r\nContent-Length: 5\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n\r\nhello$/,
    );
    const head = encodeResponse({ status: 200, headers: [], body: 'hello', head: true }).toString();
    expect(head).toContain('Content-Length: 5\r\n');
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect(encodeResponse({ status: 204, headers: [] }).toString()).not.toContain('Content-Length');
    const chunked = prepareResponse({ status: 200, headers: [{ name: 'Transfer-Encoding', value: 'chunked' }], body: '0\r\n\r\n' });
    expect(chunked.headers.map(([name]) => name)).toEqual(['Transfer-Encoding', 'Date']);
  });

  it('refuses response splitting and contradictory lengths', () => {
    expect(() => encodeResponse({ status: 200, headers: [['X', 'a\r\nSet-Cookie: x']] })).toThrow(TypeError);
    expect(() => encodeResponse({ status: 200, headers: [['Bad Name', 'a']] })).toThrow(TypeError);
    expect(() => encodeResponse({ status: 200, headers: [['Content-Length', '3']], body: 'hello' })).toThrow(TypeError);
    expect(serializeResponseHead({ status: 431, headers: [] }).toString()).toBe('HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n');
  });
});

describe('Journal', () => {
  it('numbers entries, freezes them, and supports mark/since', () => {
    const journal = new Journal();
    const base = {
      server: 'management-point',
      listener: '127.0.0.1:1',
      connectionId: 1,
      remoteAddress: '127.0.0.1',
      remotePort: 2,
      tls: null,
      requestLine: 'GET / HTTP/1.1',
      method: 'GET',
      target: '/',
      version: 'HTTP/1.1',
      headers: [['Host', 'a']] as [string, string][],
      bodyLength: 0,
      bodySha256: '',
      bodyPreview: '',
      response: { status: 200, headers: [], bodyLength: 0, bodySha256: '' },
    };
    const first = journal.record(base);
    expect(first.seq).toBe(1);
    expect(new Date(first.at).toISOString()).toBe(first.at);
    const mark = journal.mark();
    journal.record({ ...base, target: '/2' });
    expect(journal.since(mark).map((entry) => entry.target)).toEqual(['/2']);
    // Entries are frozen as recorded: a reader cannot change what the next one reads.
    expect(() => journal.entries()[0].headers.push(['X', 'y'])).toThrow(TypeError);
    expect(() => ((journal.entries()[0].response as { status: number }).status = 500)).toThrow(TypeError);
    base.headers.push(['X', 'y']);
    expect(journal.entries()[0].headers).toEqual([['Host', 'a']]);
    journal.clear();
    expect(journal.entries()).toEqual([]);
    expect(journal.mark()).toBe(0);
  });
});
