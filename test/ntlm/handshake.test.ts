/**
 * NTLMv2 end to end through the lab's real site server (plain HTTP on 127.0.0.1):
 * raw-socket and undici clients, connection affinity, wrong passwords, hostile tokens,
 * and curl's own NTLMv2 implementation as an independent interop check when available.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Journal, startSiteServer, type StartedSiteServer } from '../../harness/http/index.js';
import {
  AFFINITY_BROKEN_REASON,
  NtlmFlags,
  createAuthenticate,
  createNegotiate,
  decodeBase64Token,
  decodeChallenge,
  encodeAuthenticate,
  encodeNegotiate,
  ntlmAuthenticate,
  parseChallenge,
  toHeaderValue,
  type NtlmAccount,
} from '../../harness/ntlm/index.js';
import { prng } from '../http/helpers.js';
import { requireProgram } from '../programs.js';
import { RawConnection } from './raw-connection.js';

const ALICE: NtlmAccount = { domain: 'CORP', user: 'alice', password: 'Alice-Pa55' };
const BOB: NtlmAccount = { domain: 'CORP', user: 'bob', password: 'B0b-secret' };
const MACHINE: NtlmAccount = { domain: 'CORP', user: 'WS01$', password: 'machine account password' };
const ACCOUNTS = [ALICE, BOB, MACHINE];
const PATH = '/ccm_system_windowsauth/request';
const REGISTRATION_BODY = '<ClientRegistrationRequest><Data RequestType="Registration"/></ClientRegistrationRequest>';

describe('NTLM through the lab site server', () => {
  const journal = new Journal();
  let server: StartedSiteServer;
  const open: RawConnection[] = [];

  const connect = async (): Promise<RawConnection> => {
    const connection = await RawConnection.open(server.port);
    open.push(connection);
    return connection;
  };

  /** Type 1 then type 3 on `connection`; returns the final response. */
  const handshake = async (connection: RawConnection, account: NtlmAccount, scheme: 'NTLM' | 'Negotiate' = 'NTLM') => {
    const challenge = await connection.request('CCM_POST', PATH, createNegotiate(scheme), REGISTRATION_BODY);
    expect(challenge.status).toBe(401);
    return connection.request('CCM_POST', PATH, createAuthenticate(challenge.wwwAuthenticate, account), REGISTRATION_BODY);
  };

  beforeAll(async () => {
    server = await startSiteServer({
      name: 'management-point',
      host: '127.0.0.1',
      port: 0,
      journal,
      handler: (request) => {
        const outcome = ntlmAuthenticate(request, ACCOUNTS, { targetName: 'CORP', serverName: 'MP01' });
        if (outcome.kind === 'respond') return outcome.response;
        return {
          status: 200,
          headers: [
            ['Content-Type', 'text/plain'],
            ['X-Connection-Id', String(outcome.connectionId)],
          ],
          body: `hello ${outcome.account.user}`,
        };
      },
    });
  });
  afterEach(() => {
    for (const connection of open.splice(0)) connection.close();
    journal.clear();
  });
  afterAll(() => server.close());

  it('completes Negotiate → Challenge → Authenticate on one keep-alive connection, then stays authenticated', async () => {
    const connection = await connect();

    const anonymous = await connection.request('CCM_POST', PATH, undefined, REGISTRATION_BODY);
    expect(anonymous.status).toBe(401);
    expect(anonymous.wwwAuthenticate).toEqual(['Negotiate', 'NTLM']); // two header fields, like IIS
    expect(anonymous.reason).toBe('no Authorization header');

    const challenge = await connection.request('CCM_POST', PATH, createNegotiate(), REGISTRATION_BODY);
    expect(challenge.status).toBe(401);
    expect(challenge.wwwAuthenticate).toHaveLength(1);
    expect(challenge.wwwAuthenticate[0]).toMatch(/^NTLM TlRMTVNTUAAC/);
    expect(challenge.reason).toMatch(/^NTLM challenge issued/);
    const type2 = parseChallenge(challenge.wwwAuthenticate).message;
    expect(type2.targetName).toBe('CORP');
    expect(type2.flags & NtlmFlags.NEGOTIATE_UNICODE).toBeTruthy();
    expect(type2.flags & NtlmFlags.NEGOTIATE_EXTENDED_SESSIONSECURITY).toBeTruthy();
    expect(type2.avPairs.map((pair) => pair.id)).toEqual([2, 1, 7]); // NbDomainName, NbComputerName, Timestamp

    const done = await connection.request('CCM_POST', PATH, createAuthenticate(challenge.wwwAuthenticate, MACHINE), REGISTRATION_BODY);
    expect(done.status).toBe(200);
    expect(done.body).toBe('hello WS01$');

    const later = await connection.request('GET', '/ccm_system_windowsauth/request?again');
    expect(later.status).toBe(200);
    expect(later.body).toBe('hello WS01$');

    const ids = new Set(journal.entries().map((entry) => entry.connectionId));
    expect(ids.size).toBe(1);
    expect(journal.entries().map((entry) => entry.response.status)).toEqual([401, 401, 200, 200]);
  });

  it('refuses the type 3 on a different connection (connection affinity broken)', async () => {
    const first = await connect();
    const challenge = await first.request('CCM_POST', PATH, createNegotiate(), REGISTRATION_BODY);
    const type3 = createAuthenticate(challenge.wwwAuthenticate, ALICE);

    const second = await connect();
    const moved = await second.request('CCM_POST', PATH, type3, REGISTRATION_BODY);
    expect(moved.status).toBe(401);
    expect(moved.reason).toBe(AFFINITY_BROKEN_REASON);
    expect(moved.wwwAuthenticate).toEqual(['Negotiate', 'NTLM']);

    // The challenge is still pending on the first connection: the right connection works.
    expect((await first.request('CCM_POST', PATH, type3, REGISTRATION_BODY)).status).toBe(200);
    // A challenge is single-use: replaying the same type 3 is refused even on its own connection.
    const replay = await first.request('CCM_POST', PATH, type3, REGISTRATION_BODY);
    expect(replay.status).toBe(401);
    expect(replay.reason).toBe(AFFINITY_BROKEN_REASON);
  });

  it('refuses a wrong password and does not leave the connection authenticated', async () => {
    const connection = await connect();
    const response = await handshake(connection, { ...ALICE, password: 'alice-pa55' });
    expect(response.status).toBe(401);
    expect(response.reason).toBe('NTLMv2 response does not verify for CORP\\alice');
    expect(response.wwwAuthenticate).toEqual(['Negotiate', 'NTLM']);
    expect((await connection.request('GET', PATH)).status).toBe(401);
    // …and the client may start over on the same connection.
    expect((await handshake(connection, ALICE)).body).toBe('hello alice');
  });

  it('matches user and domain case-insensitively, refuses unknown accounts', async () => {
    expect((await handshake(await connect(), { domain: 'corp', user: 'ALICE', password: ALICE.password })).body).toBe('hello alice');
    const unknown = await handshake(await connect(), { domain: 'CORP', user: 'mallory', password: 'x' });
    expect(unknown.status).toBe(401);
    expect(unknown.reason).toBe('no lab account CORP\\mallory');
    const otherDomain = await handshake(await connect(), { ...ALICE, domain: 'EVIL' });
    expect(otherDomain.reason).toBe('no lab account EVIL\\alice');
  });

  it('speaks raw NTLMSSP under the Negotiate scheme, answering in that scheme', async () => {
    const connection = await connect();
    const challenge = await connection.request('GET', PATH, createNegotiate('Negotiate'));
    expect(challenge.wwwAuthenticate[0]).toMatch(/^Negotiate TlRMTVNTUAAC/);
    const done = await connection.request('GET', PATH, createAuthenticate(challenge.wwwAuthenticate, BOB));
    expect(done.body).toBe('hello bob');
  });

  it('keeps two interleaved handshakes on two connections apart', async () => {
    const a = await connect();
    const b = await connect();
    const challengeA = await a.request('CCM_POST', PATH, createNegotiate(), REGISTRATION_BODY);
    const challengeB = await b.request('CCM_POST', PATH, createNegotiate(), REGISTRATION_BODY);
    expect(challengeA.wwwAuthenticate[0]).not.toBe(challengeB.wwwAuthenticate[0]); // fresh random challenge each
    const doneB = await b.request('CCM_POST', PATH, createAuthenticate(challengeB.wwwAuthenticate, BOB), REGISTRATION_BODY);
    const doneA = await a.request('CCM_POST', PATH, createAuthenticate(challengeA.wwwAuthenticate, ALICE), REGISTRATION_BODY);
    expect([doneA.body, doneB.body]).toEqual(['hello alice', 'hello bob']);
    expect((await a.request('GET', PATH)).body).toBe('hello alice');
    expect((await b.request('GET', PATH)).body).toBe('hello bob');
    expect(doneA.message.headers.find((h) => h.name === 'X-Connection-Id')?.value).not.toBe(
      doneB.message.headers.find((h) => h.name === 'X-Connection-Id')?.value,
    );

    // Answering A's challenge on B (a proxy swapping upstream connections) fails.
    const challengeA2 = await a.request('GET', PATH, createNegotiate());
    const swapped = await b.request('GET', PATH, createAuthenticate(challengeA2.wwwAuthenticate, ALICE));
    expect(swapped.status).toBe(401);
    expect(swapped.reason).toBe(AFFINITY_BROKEN_REASON);
  });

  it('answers hostile tokens with 400/401 and keeps serving', async () => {
    const connection = await connect();
    const challenge = await connection.request('GET', PATH, createNegotiate());
    const type3 = decodeBase64Token(createAuthenticate(challenge.wwwAuthenticate, ALICE).slice(5));
    const type2 = decodeBase64Token(challenge.wwwAuthenticate[0].slice(5));

    const cases: [string, string | string[], number, RegExp][] = [
      ['garbage base64', 'NTLM !!!not-base64!!!', 400, /not valid base64/],
      ['base64 but not NTLMSSP', `NTLM ${randomBytes(48).toString('base64')}`, 400, /bad signature/],
      ['truncated type 1', `NTLM ${encodeNegotiate({ flags: 1 }).subarray(0, 20).toString('base64')}`, 400, /truncated/],
      ['truncated type 3', `NTLM ${type3.subarray(0, type3.length - 10).toString('base64')}`, 401, /affinity/], // no challenge pending now
      ['type 2 from a client', `NTLM ${type2.toString('base64')}`, 400, /CHALLENGE \(type 2\)/],
      ['Basic', 'Basic YWxpY2U6eA==', 401, /neither NTLM nor Negotiate/],
      ['scheme only', 'NTLM', 401, /without a token/],
      [
        'SPNEGO',
        `Negotiate ${Buffer.from([0x60, 0x28, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]).toString('base64')}`,
        401,
        /SPNEGO/,
      ],
      ['two Authorization headers', [createNegotiate(), createNegotiate()], 400, /more than one/],
    ];
    for (const [name, authorization, status, reason] of cases) {
      const response = await connection.request('GET', PATH, authorization);
      expect(response.status, name).toBe(status);
      expect(response.reason, name).toMatch(reason);
      expect(connection.closed, name).toBe(false);
    }

    // A truncated type 3 while a challenge is pending: 400, and the challenge is gone.
    const pending = await connection.request('GET', PATH, createNegotiate());
    const good = decodeBase64Token(createAuthenticate(pending.wwwAuthenticate, ALICE).slice(5));
    const truncated = await connection.request('GET', PATH, `NTLM ${good.subarray(0, 70).toString('base64')}`);
    expect(truncated.status).toBe(400);
    expect(truncated.reason).toMatch(/truncated NTLM message/);
    expect((await connection.request('GET', PATH, `NTLM ${good.toString('base64')}`)).reason).toBe(AFFINITY_BROKEN_REASON);

    // NTLMv1-sized response and a user name that would inject a header line.
    for (const [user, nt, expected] of [
      ['alice', Buffer.alloc(24, 7), /NTLMv1 response from CORP\\alice refused/],
      ['alice\r\nX-Injected: 1', Buffer.alloc(64, 7), /no lab account CORP\\alice\?\?X-Injected: 1/],
    ] as const) {
      const next = await connection.request('GET', PATH, createNegotiate());
      const flags = decodeChallenge(decodeBase64Token(next.wwwAuthenticate[0].slice(5))).flags;
      const forged = encodeAuthenticate({
        flags,
        lmChallengeResponse: Buffer.alloc(24),
        ntChallengeResponse: nt,
        domain: 'CORP',
        user,
        workstation: 'WS',
      });
      const response = await connection.request('GET', PATH, toHeaderValue(forged));
      expect(response.status).toBe(401);
      expect(response.reason).toMatch(expected);
      expect(response.message.headers.some((h) => h.name === 'X-Injected')).toBe(false);
    }

    // Seeded junk: every answer is 400 or 401, the connection survives, a real handshake still works.
    const next = prng(24);
    for (let round = 0; round < 200; round++) {
      const base = round % 2 === 0 ? good : type2;
      const junk = Buffer.from(base.subarray(0, Math.floor(next() * base.length) + 1));
      for (let i = 8; i < junk.length; i++) if (next() < 0.05) junk[i] = Math.floor(next() * 256);
      const response = await connection.request('GET', PATH, `NTLM ${junk.toString('base64')}`);
      expect([400, 401]).toContain(response.status);
    }
    expect((await handshake(connection, ALICE)).body).toBe('hello alice');
    expect(journal.entries().every((entry) => entry.error === undefined)).toBe(true); // no handler failure, no 500
  });

  it('works with undici (pipelining 1) on one connection, CCM_POST with a body', async () => {
    const client = new Client(`http://127.0.0.1:${server.port}`, { pipelining: 1 });
    try {
      // undici closes a connection after a body sent with a non-POST/PUT/PATCH method unless reset: false.
      const post = async (authorization?: string) => {
        const response = await client.request({
          method: 'CCM_POST',
          path: PATH,
          reset: false,
          headers: { 'content-type': 'text/xml', ...(authorization ? { authorization } : {}) },
          body: REGISTRATION_BODY,
        });
        const body = await response.body.text();
        const www = response.headers['www-authenticate'];
        return { status: response.statusCode, body, www: typeof www === 'string' ? [www] : (www ?? []) };
      };
      const first = await post();
      expect(first.status).toBe(401);
      expect(first.www).toEqual(['Negotiate', 'NTLM']);
      const challenge = await post(createNegotiate());
      expect(challenge.status).toBe(401);
      const done = await post(createAuthenticate(challenge.www, MACHINE, { workstation: 'WS01' }));
      expect(done).toMatchObject({ status: 200, body: 'hello WS01$' });
      expect((await post()).body).toBe('hello WS01$');
      expect(new Set(journal.entries().map((entry) => entry.connectionId)).size).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('interoperates with curl --ntlm (an independent NTLMv2 implementation)', async () => {
    expect(
      / NTLM( |$)/m.test(execFileSync(requireProgram('curl'), ['-V'], { encoding: 'utf8' })),
      "this curl has no NTLM support (Debian's curl has)",
    ).toBe(true);
    const run = promisify(execFile);
    const curl = (user: string) =>
      run('curl', ['-s', '-w', '\n%{http_code} %{num_connects}', '--ntlm', '-u', user, `http://127.0.0.1:${server.port}${PATH}`], {
        timeout: 5000,
      }).then((result) => {
        const cut = result.stdout.lastIndexOf('\n');
        return [result.stdout.slice(0, cut).trim(), result.stdout.slice(cut + 1)]; // [body, "status connections"]
      });
    expect(await curl(`CORP\\alice:${ALICE.password}`)).toEqual(['hello alice', '200 1']);
    const [body, status] = await curl('CORP\\alice:not-her-password');
    expect(body).toBe('401 Unauthorized: NTLMv2 response does not verify for CORP\\alice');
    expect(status).toBe('401 1');
  });
});
