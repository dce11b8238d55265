/**
 * Hostile input against the site server: a table of malformed requests with
 * the status each must get, request smuggling, and a seeded mutation loop.
 * After every case the server must still answer a good request on a new
 * connection. Clients half-close after writing so every case ends promptly.
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Journal, startSiteServer, type SiteRequest, type StartedSiteServer } from '../../harness/http/index.js';
import { exchange, firstStatus, parseResponses, prng, waitFor } from './helpers.js';

const BODY_LIMIT = 1024;
const H = 'Host: mp.ibcm.lab\r\n';

/** [name, raw request, expected status] */
const MALFORMED: [string, string | Buffer, number][] = [
  ['bad method chars', `GE(T / HTTP/1.1\r\n${H}\r\n`, 400],
  ['method with @', `CCM@POST / HTTP/1.1\r\n${H}\r\n`, 400],
  ['missing version', `GET /\r\n${H}\r\n`, 400],
  ['HTTP/0.9 style line', 'GET /\r\n\r\n', 400],
  ['lower-case version', `GET / http/1.1\r\n${H}\r\n`, 400],
  ['HTTP/2.0', `GET / HTTP/2.0\r\n${H}\r\n`, 505],
  ['HTTP/1.2', `GET / HTTP/1.2\r\n${H}\r\n`, 505],
  ['two spaces after method', `GET  / HTTP/1.1\r\n${H}\r\n`, 400],
  ['tab as separator', `GET\t/ HTTP/1.1\r\n${H}\r\n`, 400],
  ['trailing space after version', `GET / HTTP/1.1 \r\n${H}\r\n`, 400],
  ['non-ASCII in target', `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`, 400],
  ['LF-only lines', `GET / HTTP/1.1\n${H.replace('\r', '')}\n`, 400],
  ['bare CR inside the head', `GET / HTTP/1.1\r${H}\r\n`, 400],
  ['obs-fold', `GET / HTTP/1.1\r\n${H}X-A: b\r\n  c\r\n\r\n`, 400],
  ['header without colon', `GET / HTTP/1.1\r\n${H}NoColonHere\r\n\r\n`, 400],
  ['space before colon', `GET / HTTP/1.1\r\n${H}X-A : b\r\n\r\n`, 400],
  ['empty header name', `GET / HTTP/1.1\r\n${H}: b\r\n\r\n`, 400],
  ['NUL in value', `GET / HTTP/1.1\r\n${H}X-A: b\x00c\r\n\r\n`, 400],
  ['oversized header section', `GET / HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(17000)}\r\n\r\n`, 431],
  ['200 headers', `GET / HTTP/1.1\r\n${H}${Array.from({ length: 200 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`, 431],
  ['1 MB request line', `GET /${'a'.repeat(1024 * 1024)} HTTP/1.1\r\n${H}\r\n`, 431],
  ['CL and TE both', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
  ['TE and CL both (TE first)', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`, 400],
  ['duplicate equal CL', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`, 400],
  ['CL list', `POST / HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nhello`, 400],
  ['CL -1', `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`, 400],
  ['CL +5', `POST / HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello`, 400],
  ['CL 0x10', `POST / HTTP/1.1\r\n${H}Content-Length: 0x10\r\n\r\n`, 400],
  ['CL empty', `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, 400],
  ['CL huge', `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n`, 413],
  ['TE gzip, chunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 501],
  ['TE xchunked', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`, 501],
  ['TE twice', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 501],
  ['TE in HTTP/1.0', `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
  ['bad chunk size', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, 400],
  ['negative chunk size', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n`, 400],
  ['chunk without CRLF', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n`, 400],
  ['chunk size LF only', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n`, 400],
  ['huge chunk size', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n`, 413],
  ['body over the limit (CL)', `POST / HTTP/1.1\r\n${H}Content-Length: ${BODY_LIMIT + 1}\r\n\r\n${'a'.repeat(BODY_LIMIT + 1)}`, 413],
  [
    'body over the limit (chunked)',
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${'200\r\n' + 'a'.repeat(0x200) + '\r\n'}${'201\r\n' + 'a'.repeat(0x201) + '\r\n'}0\r\n\r\n`,
    413,
  ],
  ['truncated body', `POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`, 400],
  ['two Host headers', `GET / HTTP/1.1\r\n${H}${H}\r\n`, 400],
  ['missing Host', 'GET / HTTP/1.1\r\nUser-Agent: x\r\n\r\n', 400],
  [
    'random bytes',
    Buffer.from(
      Array.from(
        { length: 512 },
        (
          (next) => () =>
            Math.floor(next() * 256)
        )(prng(7)),
      ),
    ),
    400,
  ],
  ['partial head then EOF', 'GET / HTTP/1.1\r\nHos', 400],
];

describe('hostile input', () => {
  const journal = new Journal();
  const handled: SiteRequest[] = [];
  let server: StartedSiteServer;

  beforeAll(async () => {
    server = await startSiteServer({
      name: 'management-point',
      host: '127.0.0.1',
      port: 0,
      journal,
      limits: { maxBodyBytes: BODY_LIMIT },
      idleTimeoutMs: 2000,
      handler: (request) => {
        handled.push(request);
        return { status: 200, body: 'ok' };
      },
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    journal.clear();
    handled.length = 0;
  });

  async function expectServerHealthy(): Promise<void> {
    const result = await exchange(server.port, `CCM_POST /ccm_system/request HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi`);
    expect(firstStatus(result.text)).toBe(200);
  }

  it.each(MALFORMED)('%s → %i', async (_name, raw, status) => {
    const result = await exchange(server.port, raw);
    expect(result.closed).toBe(true);
    const responses = await parseResponses(result.bytes);
    expect(responses.map((response) => response.status)).toEqual([status]);
    expect(responses[0].headers).toContainEqual({ name: 'Connection', value: 'close' });
    expect(handled).toHaveLength(0);
    const entries = journal.entries();
    expect(entries).toHaveLength(1);
    expect(entries[0].error).toBeTruthy();
    expect(entries[0].response.status).toBe(status);
    await expectServerHealthy();
  });

  it('ignores a leading empty line and accepts HTTP/1.0 without Host (controls)', async () => {
    const result = await exchange(server.port, `\r\nGET / HTTP/1.1\r\n${H}\r\nGET /legacy HTTP/1.0\r\n\r\n`);
    expect((await parseResponses(result.bytes)).map((response) => response.status)).toEqual([200, 200]);
  });

  it('survives a slowloris-style partial head followed by an abrupt close', async () => {
    const socket = net.connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    for (const piece of ['GET /slow', ' HTTP/1.1\r\n', 'Host: mp']) {
      socket.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    socket.destroy();
    await waitFor(() => journal.mark() > 0);
    expect(handled).toHaveLength(0);
    const [entry] = journal.entries();
    expect(entry).toMatchObject({ requestLine: 'GET /slow HTTP/1.1', target: '/slow', response: { status: 400 } });
    expect(entry.error).toMatch(/connection closed/);
    await expectServerHealthy();
  });

  it.each([
    ['CL.TE', `POST / HTTP/1.1\r\n${H}Content-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ['TE.CL', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`],
    ['TE with space before colon', `POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`],
    ['obfuscated TE', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n`],
  ])('refuses %s smuggling and never parses the smuggled request', async (_name, attack) => {
    const smuggled = `GET /smuggled HTTP/1.1\r\n${H}\r\n`;
    // Do not half-close: the server itself must close the connection.
    const result = await exchange(server.port, attack + smuggled, { halfClose: false });
    expect(result.closed).toBe(true);
    const responses = await parseResponses(result.bytes);
    expect(responses).toHaveLength(1);
    expect([400, 501]).toContain(responses[0].status);
    expect(handled).toHaveLength(0);
    expect(journal.entries().map((entry) => entry.target)).toEqual(['/']);
    expect(journal.entries().some((entry) => entry.target.includes('smuggled'))).toBe(false);
    await expectServerHealthy();
  });

  // A fixed seed in npm test; the soak (scripts/soak.ts) runs it again with a random one (IBCM_LAB_FUZZ_SEED) and prints it.
  const SEED = process.env.IBCM_LAB_FUZZ_SEED ? Number(process.env.IBCM_LAB_FUZZ_SEED) : 0x1bc3;
  it(`stays well-behaved under a few hundred seeded mutations (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const int = (n: number): number => Math.floor(random() * n);
    const interesting = [0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x00, 0x2c, 0x30, 0x39, 0x66, 0xff, 0x7f];
    const bases = [
      `BITS_POST /BITS/upload?x=1 HTTP/1.1\r\n${H}BITS-Packet-Type: Create-Session\r\nContent-Length: 11\r\n\r\nhello world`,
      `CCM_POST /ccm_system/request HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n`,
      `PROPFIND /SMS_DP_SMSPKG$/Content_1.1/ HTTP/1.1\r\n${H}Depth: 1\r\nContent-Length: 0\r\n\r\nGET /next HTTP/1.1\r\n${H}\r\n`,
    ].map((text) => Buffer.from(text, 'latin1'));

    const mutate = (input: Buffer): Buffer => {
      let bytes = Buffer.from(input);
      const operations = 1 + int(3);
      for (let i = 0; i < operations; i++) {
        const at = int(bytes.length + 1);
        const value = random() < 0.5 ? interesting[int(interesting.length)] : int(256);
        switch (int(5)) {
          case 0: // flip
            if (bytes.length > 0) bytes[Math.min(at, bytes.length - 1)] = value;
            break;
          case 1: // insert
            bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([value]), bytes.subarray(at)]);
            break;
          case 2: // delete
            bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
            break;
          case 3: // truncate
            bytes = bytes.subarray(0, at);
            break;
          default: {
            // duplicate a slice
            const length = int(16);
            bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at, at + length), bytes.subarray(at)]);
          }
        }
      }
      return bytes;
    };

    const allowed = new Set([200, 400, 408, 413, 431, 501, 505]);
    for (let iteration = 0; iteration < 300; iteration++) {
      const input = mutate(bases[iteration % bases.length]);
      const context = `seed ${SEED} iteration ${iteration}: ${JSON.stringify(input.toString('latin1'))}`;
      const result = await exchange(server.port, input);
      expect(result.closed, context).toBe(true);
      if (result.bytes.length === 0) continue;
      const methods = input.toString('latin1').startsWith('HEAD ') ? ['HEAD', 'GET'] : ['GET'];
      const responses = await parseResponses(result.bytes, methods).catch((error: Error) => {
        throw new Error(`${context}: malformed response ${JSON.stringify(result.text)}: ${error.message}`);
      });
      expect(responses.length, context).toBeGreaterThan(0);
      for (const response of responses) expect(allowed.has(response.status), context).toBe(true);
    }
    await expectServerHealthy();
  });
});
