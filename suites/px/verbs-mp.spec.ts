// PX-VERB-MP-*: each verb a ConfigMgr client uses on the management point reaches it unchanged
// (seed 000, "Prerequisites": HEAD, CCM_POST, BITS_POST, GET, PROPFIND; research W:2, W:54).
import { randomUUID } from 'node:crypto';
import { BITS_1_5_UPLOAD_PROTOCOL } from '../../harness/http/index.js';
import { IbcmClient, sha256Hex, type Exchange } from '../../harness/client/index.js';
import { ensure } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { arrival, describeClientResult, responseHeader, siteReason, uploadDigest } from '../verify.js';

const MP = 'mp1';

async function verbReachesMp(
  fixtures: CheckFixtures,
  send: () => Promise<Exchange>,
  /** What the client must get: a status, or whatever the MP answered (`as-answered`). */
  expectedStatus: number | 'as-answered',
  extra?: (exchange: Exchange) => string | undefined,
  why?: string,
): Promise<void> {
  const { lab, evidence } = fixtures;
  const journal = lab.journal(MP);
  const mark = journal.mark();
  const exchange = await send();
  const received = journal.since(mark);
  evidence.sent(exchange);
  evidence.received(MP, received);
  const { entry, problems } = arrival(exchange, received);
  ensure(entry, `${problems[0]}${why ? ` — ${why}` : ''}; ${describeClientResult(exchange)}`, problems[0]?.code);
  ensure(problems.length === 0, problems.join('; '), problems[0]?.code);
  ensure(
    !exchange.error && exchange.status === (expectedStatus === 'as-answered' ? entry.response.status : expectedStatus),
    `the MP received ${exchange.method} ${exchange.target} and answered ${entry.response.status}, but ${describeClientResult(exchange)}${siteReason(lab, exchange)}`,
    'response-changed',
  );
  const more = extra?.(exchange);
  ensure(more === undefined, more ?? '', 'response-changed');
  evidence.pass(
    `${exchange.method} ${exchange.target} reached the MP byte-exact (request line, headers, body sha256 ${entry.bodySha256.slice(0, 12)}…) and the client got ${exchange.status} as the MP sent it`,
  );
}

// Beyond the MP list, the GETs an internet client makes of the MP that a publishing rule written
// from one registration-and-policy cycle tends to omit: the MP's key information and the site
// signing certificate (W:8; a CMG client's log shows .sms_aut?SITESIGNCERT), and CCMSetup's
// download from /CCM_Client when no DP serves it (W:11, ranged as BITS asks).
// Then the MP applications a real MP has (W:1 appcmd list) that such a rule also leaves out: boot
// media's MPLOCATION query (W:6), client notification over HTTP(S) (W:12), the security token service
// and the token- and Windows-authenticated applications — answered 401 without credentials, which
// still proves the request reached the MP (W:72).
const MORE_MP_GETS: { target: string; headers: [string, string][]; status: number | 'as-answered'; why: string }[] = [
  { target: '/SMS_MP/.sms_aut?MPKEYINFORMATION', headers: [], status: 200, why: "the MP's key information (W:8)" },
  { target: '/SMS_MP/.sms_aut?SITESIGNCERT', headers: [], status: 200, why: 'the site signing certificate (W:8)' },
  {
    target: '/CCM_Client/ccmsetup.exe',
    headers: [
      ['Range', 'bytes=0-4095'],
      ['User-Agent', 'Microsoft BITS/7.8'],
    ],
    status: 206,
    why: "CCMSetup's download from the MP (W:11)",
  },
  {
    target: '/SMS_MP/.sms_aut?MPLOCATION&ir=198.18.0.100&ip=198.18.0.0',
    headers: [],
    status: 200,
    why: "boot media's management point location query (W:6)",
  },
  {
    target: '/bgb/handler.ashx?RequestType=LogIn',
    headers: [],
    status: 200,
    why: 'client notification over HTTPS, the fallback when TCP 10123 is blocked (W:12)',
  },
  { target: '/CCM_STS', headers: [], status: 401, why: 'the security token service (W:72)' },
  {
    target: '/SMS_MP_TokenAuth/.sms_pol?%7B0F4B2D8C-7E13-4C8E-9A61-7D9C1E5A3B2F%7D.1_00',
    headers: [],
    status: 401,
    why: 'the token-authenticated policy application (W:1)',
  },
  // Windows authentication is bound to the connection (IIS): on an upstream connection that an earlier
  // NTLM handshake authenticated (a proxy pools them) the MP answers 200, else 401 — either way the path
  // was carried, which is what this probe is about; the client must get what the MP answered.
  {
    target: '/SMS_MP_WindowsAuth/',
    headers: [],
    status: 'as-answered',
    why: 'the Windows-authenticated policy application (W:1)',
  },
];

check(
  'PX-VERB-MP-GET',
  'GET reaches the management point (MP list, key information, site signing certificate, CCMSetup, MPLOCATION, BGB, CCM_STS, token and Windows-auth applications)',
  async (fixtures) => {
    await verbReachesMp(
      fixtures,
      () => fixtures.client.getMpList(),
      200,
      (exchange) => {
        const fqdns = IbcmClient.mpListFqdns(exchange);
        return fqdns.length ? undefined : 'the MP list reached the client without any <MP FQDN=…> entry';
      },
    );
    const reached: string[] = [];
    for (const probe of MORE_MP_GETS) {
      await verbReachesMp(
        fixtures,
        () => fixtures.client.send({ method: 'GET', target: probe.target, headers: probe.headers }),
        probe.status,
        undefined,
        probe.why,
      );
      reached.push(probe.target);
    }
    fixtures.evidence.pass(
      `GET of the MP list, ${reached.join(', ')} reached the MP byte-exact and the client got each answer as the MP sent it`,
    );
  },
);

check('PX-VERB-MP-HEAD', 'HEAD reaches the management point and reports the size', async (fixtures) => {
  await verbReachesMp(
    fixtures,
    () => fixtures.client.send({ method: 'HEAD', target: '/CCM_Client/ccmsetup.exe', headers: [['User-Agent', 'Microsoft BITS/7.8']] }),
    200,
    (exchange) =>
      Number(responseHeader(exchange, 'content-length')) > 0
        ? undefined
        : `HEAD reply carried no Content-Length (got ${JSON.stringify(responseHeader(exchange, 'content-length'))}): BITS cannot size the download`,
  );
});

check('PX-VERB-MP-CCM_POST', 'CCM_POST reaches the management point (client registration)', async (fixtures) => {
  const { client, lab, evidence } = fixtures;
  const journal = lab.journal(MP);
  const mark = journal.mark();
  const result = await client.register();
  const received = journal.since(mark);
  evidence.sent(result.exchange);
  evidence.received(MP, received);
  const { entry, problems } = arrival(result.exchange, received);
  ensure(entry, `${problems[0]}; ${describeClientResult(result.exchange)}`, problems[0]?.code);
  ensure(problems.length === 0, problems.join('; '), problems[0]?.code);
  ensure(
    result.exchange.status === 200 && client.smsId,
    `the MP received CCM_POST but the client did not get a registration reply: ${describeClientResult(result.exchange)}${siteReason(lab, result.exchange)}${result.replyError ? `; reply: ${result.replyError}` : ''}`,
    'response-changed',
  );
  // The token-authenticated messaging endpoint (W:1, W:10, W:72): the MP answers 401 without a CCM token,
  // which still proves CCM_POST reached it on that application.
  await verbReachesMp(
    fixtures,
    () =>
      client.send({
        method: 'CCM_POST',
        target: '/CCM_System_TokenAuth/request',
        headers: [['User-Agent', 'ConfigMgr Messaging HTTP Sender']],
      }),
    401,
    undefined,
    'the token-authenticated messaging endpoint (W:72)',
  );
  evidence.pass(
    `CCM_POST /ccm_system/request reached the MP byte-exact and the client was registered as ${client.smsId}; CCM_POST /CCM_System_TokenAuth/request reached the MP too`,
  );
});

check('PX-VERB-MP-BITS_POST', 'BITS_POST reaches the management point (BITS upload session)', async (fixtures) => {
  const { client, lab, evidence } = fixtures;
  const journal = lab.journal(MP);
  const mark = journal.mark();
  const target = `/CCM_Incoming/{${randomUUID().toUpperCase()}}`;
  const payload = Buffer.from('state message payload '.repeat(200));
  const create = await client.send({
    method: 'BITS_POST',
    target,
    headers: [
      ['BITS-Packet-Type', 'Create-Session'],
      ['BITS-Supported-Protocols', BITS_1_5_UPLOAD_PROTOCOL],
    ],
    body: Buffer.alloc(0),
  });
  evidence.sent(create);
  const sessionId = responseHeader(create, 'bits-session-id');
  let exchanges = [create];
  if (sessionId) {
    const fragment = await client.send({
      method: 'BITS_POST',
      target,
      headers: [
        ['BITS-Packet-Type', 'Fragment'],
        ['BITS-Session-Id', sessionId],
        ['Content-Name', 'payload.xml'],
        ['Content-Range', `bytes 0-${payload.length - 1}/${payload.length}`],
      ],
      body: payload,
    });
    const close = await client.send({
      method: 'BITS_POST',
      target,
      headers: [
        ['BITS-Packet-Type', 'Close-Session'],
        ['BITS-Session-Id', sessionId],
      ],
      body: Buffer.alloc(0),
    });
    evidence.sent(fragment, close);
    exchanges = [create, fragment, close];
  }
  const received = journal.since(mark);
  evidence.received(MP, received);
  for (const exchange of exchanges) {
    const { entry, problems } = arrival(
      exchange,
      received.filter((e) => e.headers.some(([n, v]) => n.toLowerCase() === 'bits-packet-type' && v === exchange.requestHeaders[0]![1])),
    );
    ensure(entry, `${exchange.requestHeaders[0]![1]}: ${problems[0]}; ${describeClientResult(exchange)}`, problems[0]?.code);
    ensure(problems.length === 0, `${exchange.requestHeaders[0]![1]}: ${problems.join('; ')}`, problems[0]?.code);
  }
  ensure(
    sessionId,
    `Create-Session reached the MP but the client got no BITS-Session-Id: ${describeClientResult(create)}${siteReason(lab, create)}`,
    'response-changed',
  );
  const close = exchanges[2]!;
  const uploaded = uploadDigest(received, target);
  ensure(
    close.status === 200 && uploaded === sha256Hex(payload),
    `Close-Session: ${describeClientResult(close)}; upload digest at the MP (its journal) ${uploaded ?? '(none)'}`,
    uploaded && uploaded !== sha256Hex(payload) ? 'body-changed' : 'upload-failed',
  );
  evidence.pass(
    `BITS_POST Create-Session, Fragment (${payload.length} bytes) and Close-Session reached the MP unchanged; the upload arrived intact (sha256 ${uploaded!.slice(0, 12)}…)`,
  );
});

check('PX-VERB-MP-PROPFIND', 'PROPFIND reaches the management point (WebDAV listing)', async (fixtures) => {
  const body =
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:iscollection/></d:prop><d:prop><d:getcontentlength/></d:prop></d:propfind>';
  await verbReachesMp(
    fixtures,
    () =>
      fixtures.client.send({
        method: 'PROPFIND',
        target: '/CCM_Client/',
        headers: [
          ['User-Agent', 'SMS CCM 5.0'],
          ['Depth', 'infinity'],
          ['Translate', 'f'],
          ['Content-Type', 'text/xml'],
        ],
        body,
      }),
    207,
    (exchange) =>
      /ccmsetup\.exe/.test(exchange.responseBody?.toString() ?? '')
        ? undefined
        : 'the 207 Multi-Status reached the client without the file listing',
  );
});
