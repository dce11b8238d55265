/**
 * Request framing policies (RequestFraming): the strict default, the lenient back end PX-SMUGGLE
 * puts behind the proxy (Transfer-Encoding wins, last Content-Length counts, connection kept open),
 * and the faulty front ends' views (Content-Length wins; Transfer-Encoding ignored).
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpParseError,
  HttpReader,
  Journal,
  startSiteServer,
  type RequestFraming,
  type StartedSiteServer,
} from '../../harness/http/index.js';
import { exchange, parseResponses } from './helpers.js';

const HIDDEN = 'GET /hidden HTTP/1.1\r\nHost: a\r\n\r\n';
/** Content-Length covers the whole body; Transfer-Encoding ends it at the empty last chunk. */
const CL_TE = `POST /outer HTTP/1.1\r\nHost: a\r\nContent-Length: ${5 + HIDDEN.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${HIDDEN}`;
/** The first Content-Length covers the hidden request, the last says the body is empty. */
const DUP_CL = `POST /outer HTTP/1.1\r\nHost: a\r\nContent-Length: ${HIDDEN.length}\r\nContent-Length: 0\r\n\r\n${HIDDEN}`;

async function readAll(input: string, framing?: RequestFraming): Promise<{ targets: string[]; bodies: string[]; error?: HttpParseError }> {
  const stream = new PassThrough();
  stream.end(Buffer.from(input, 'latin1'));
  const reader = new HttpReader(stream);
  const targets: string[] = [];
  const bodies: string[] = [];
  try {
    for (let request = await reader.readRequest({ framing }); request; request = await reader.readRequest({ framing })) {
      targets.push(request.target);
      bodies.push(request.body.toString('latin1'));
    }
  } catch (error) {
    if (!(error instanceof HttpParseError)) throw error;
    return { targets, bodies, error };
  }
  return { targets, bodies };
}

describe('HttpReader request framing policies', () => {
  it('strict (the default) refuses CL.TE and repeated Content-Length with 400', async () => {
    for (const input of [CL_TE, DUP_CL]) {
      for (const framing of [undefined, 'strict'] as const) {
        const { targets, error } = await readAll(input, framing);
        expect(targets).toEqual([]);
        expect(error?.status).toBe(400);
      }
    }
  });

  it('transfer-encoding-wins: the chunked body ends at the last chunk and the rest is the next request (RFC 9112 §6.1)', async () => {
    const { targets, bodies, error } = await readAll(CL_TE, 'transfer-encoding-wins');
    expect(error).toBeUndefined();
    expect(targets).toEqual(['/outer', '/hidden']);
    expect(bodies[0]).toBe('');
  });

  it('transfer-encoding-wins: of repeated Content-Length fields the last counts', async () => {
    const { targets, error } = await readAll(DUP_CL, 'transfer-encoding-wins');
    expect(error).toBeUndefined();
    expect(targets).toEqual(['/outer', '/hidden']);
    const reversed = `POST /outer HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: ${HIDDEN.length}\r\n\r\n${HIDDEN}`;
    const last = await readAll(reversed, 'transfer-encoding-wins');
    expect(last.targets).toEqual(['/outer']);
    expect(last.bodies[0]).toBe(HIDDEN);
  });

  it('transfer-encoding-wins still refuses what it cannot frame: an unknown coding, Transfer-Encoding in HTTP/1.0, a bad Content-Length', async () => {
    expect(
      (await readAll('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: gzip\r\n\r\nabc', 'transfer-encoding-wins'))
        .error?.status,
    ).toBe(501);
    expect(
      (await readAll('POST / HTTP/1.0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'transfer-encoding-wins')).error
        ?.status,
    ).toBe(400);
    expect(
      (await readAll('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: x\r\n\r\na', 'transfer-encoding-wins')).error
        ?.status,
    ).toBe(400);
  });

  it('content-length-wins (a faulty front end): the hidden request is body, and the first Content-Length counts', async () => {
    const clTe = await readAll(CL_TE, 'content-length-wins');
    expect(clTe.targets).toEqual(['/outer']);
    expect(clTe.bodies[0]).toBe(`0\r\n\r\n${HIDDEN}`);
    const dupCl = await readAll(DUP_CL, 'content-length-wins');
    expect(dupCl.targets).toEqual(['/outer']);
    expect(dupCl.bodies[0]).toBe(HIDDEN);
  });

  it('ignore-transfer-encoding (a faulty sanitiser): frames by Content-Length alone, still refuses repeated Content-Length', async () => {
    const clTe = await readAll(CL_TE, 'ignore-transfer-encoding');
    expect(clTe.targets).toEqual(['/outer']);
    expect(clTe.bodies[0]).toBe(`0\r\n\r\n${HIDDEN}`);
    expect((await readAll(DUP_CL, 'ignore-transfer-encoding')).error?.status).toBe(400);
  });
});

describe('site server with requestFraming transfer-encoding-wins', () => {
  const journal = new Journal();
  let lenient: StartedSiteServer;
  let strict: StartedSiteServer;

  beforeAll(async () => {
    const options = { name: 'management-point', host: '127.0.0.1', port: 0, journal, handler: () => ({ status: 200, body: 'ok' }) };
    lenient = await startSiteServer({ ...options, requestFraming: 'transfer-encoding-wins' });
    strict = await startSiteServer(options);
  });
  afterAll(async () => {
    await lenient.close();
    await strict.close();
  });

  it('answers the outer and the hidden request on one kept-open connection, and journals both with its id', async () => {
    const mark = journal.mark();
    const result = await exchange(lenient.port, CL_TE);
    const responses = await parseResponses(result.bytes);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(
      responses.some((response) =>
        /close/i.test(response.headers.find((header) => header.name.toLowerCase() === 'connection')?.value ?? ''),
      ),
    ).toBe(false);
    const entries = journal.since(mark);
    expect(entries.map((entry) => entry.target)).toEqual(['/outer', '/hidden']);
    expect(new Set(entries.map((entry) => entry.connectionId)).size).toBe(1);
  });

  it('completes a hidden request prefix with the next bytes on the connection', async () => {
    const prefix = 'GET /hidden HTTP/1.1\r\nX-Smuggled-Prefix: ';
    const body = `0\r\n\r\n${prefix}`;
    const attack = `POST /outer HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
    const mark = journal.mark();
    await exchange(lenient.port, [attack, 'GET /victim HTTP/1.1\r\nHost: a\r\n\r\n']);
    const entries = journal.since(mark);
    expect(entries.map((entry) => entry.target)).toEqual(['/outer', '/hidden']);
    expect(entries[1]!.headers).toContainEqual(['X-Smuggled-Prefix', 'GET /victim HTTP/1.1']);
  });

  it('a strict server refuses the same bytes with 400 and never parses the hidden request', async () => {
    const mark = journal.mark();
    const result = await exchange(strict.port, CL_TE);
    expect((await parseResponses(result.bytes)).map((response) => response.status)).toEqual([400]);
    expect(journal.since(mark).map((entry) => entry.target)).toEqual(['/outer']);
  });
});
