// Bodies: application/octet-stream byte-exact (PX-CT-OCTET, seed 000), multi-megabyte BITS uploads
// and CCM_POST messages (PX-BODY-LARGE, W:37, W:59), and the MP's empty 200 passed through as it is
// (PX-EMPTY-200, W:18, W:66).
import { randomBytes, randomUUID } from 'node:crypto';
import { CCM_CONTENT_TYPE, encodeMessage } from '../../harness/ccm-messaging/index.js';
import { sha256Hex, type IbcmClient } from '../../harness/client/index.js';
import { BITS_1_5_UPLOAD_PROTOCOL } from '../../harness/http/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { arrival, describeClientResult, responseHeader, siteReason, uploadDigest } from '../verify.js';
import type { JournalReader } from '../../harness/http/index.js';
import type { Lab } from '../../harness/lab/index.js';

/**
 * A BITS upload of `payload` in fragments; returns every exchange and the MP's digest of what arrived,
 * read from the MP's journal (the Close-Session entry), never from the reply that crossed the proxy.
 */
async function bitsUpload(
  lab: Lab,
  client: IbcmClient,
  journal: JournalReader,
  payload: Buffer,
  fragmentSize: number,
  contentType?: string,
) {
  const mark = journal.mark();
  const target = `/CCM_Incoming/{${randomUUID().toUpperCase()}}`;
  const exchanges = [
    await client.send({
      method: 'BITS_POST',
      target,
      headers: [
        ['BITS-Packet-Type', 'Create-Session'],
        ['BITS-Supported-Protocols', BITS_1_5_UPLOAD_PROTOCOL],
      ],
      body: Buffer.alloc(0),
    }),
  ];
  const sessionId = responseHeader(exchanges[0]!, 'bits-session-id');
  if (!sessionId)
    return {
      exchanges,
      uploaded: undefined,
      failure: `Create-Session: ${describeClientResult(exchanges[0]!)}${siteReason(lab, exchanges[0]!)}`,
    };
  for (let offset = 0; offset < payload.length; offset += fragmentSize) {
    const fragment = payload.subarray(offset, Math.min(payload.length, offset + fragmentSize));
    const headers: [string, string][] = [
      ['BITS-Packet-Type', 'Fragment'],
      ['BITS-Session-Id', sessionId],
      ['Content-Range', `bytes ${offset}-${offset + fragment.length - 1}/${payload.length}`],
    ];
    if (offset === 0) headers.push(['Content-Name', 'payload.bin']);
    if (contentType) headers.push(['Content-Type', contentType]);
    const exchange = await client.send({ method: 'BITS_POST', target, headers, body: fragment });
    exchanges.push(exchange);
    if (exchange.status !== 200)
      return {
        exchanges,
        uploaded: undefined,
        failure: `fragment at ${offset} (${fragment.length} bytes): ${describeClientResult(exchange)}${siteReason(lab, exchange)}`,
      };
  }
  const close = await client.send({
    method: 'BITS_POST',
    target,
    headers: [
      ['BITS-Packet-Type', 'Close-Session'],
      ['BITS-Session-Id', sessionId],
    ],
    body: Buffer.alloc(0),
  });
  exchanges.push(close);
  return {
    exchanges,
    uploaded: uploadDigest(journal.since(mark), target),
    failure: close.status === 200 ? undefined : `Close-Session: ${describeClientResult(close)}`,
  };
}

function allByteValues(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let index = 0; index < length; index++) out[index] = (index * 7 + (index >> 8)) & 0xff;
  return out;
}

check('PX-CT-OCTET', 'application/octet-stream bodies arrive byte-exact', async ({ lab, client, evidence }: CheckFixtures) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const payload = allByteValues(64 * 1024);
  const upload = await bitsUpload(lab, client, journal, payload, payload.length, 'application/octet-stream');
  const received = journal.since(mark);
  evidence.sent(...upload.exchanges);
  evidence.received('mp1', received);
  const fragment = upload.exchanges[1];
  ensure(fragment, upload.failure ?? 'no fragment was sent', 'upload-failed');
  const { entry, problems } = arrival(fragment, received);
  ensure(entry, `${problems[0]}; ${describeClientResult(fragment)}`, problems[0]?.code);
  ensure(problems.length === 0, problems.join('; '), problems[0]?.code);
  ensure(!upload.failure, upload.failure!, 'upload-failed');
  ensure(
    upload.uploaded === sha256Hex(payload),
    `the MP assembled an upload with sha256 ${upload.uploaded ?? '(none)'}, the client sent ${sha256Hex(payload)}`,
    'body-changed',
  );
  evidence.pass(
    `a 64 KiB application/octet-stream body with every byte value arrived byte-exact (sha256 ${sha256Hex(payload).slice(0, 12)}…)`,
  );
});

check('PX-BODY-LARGE', 'a multi-megabyte BITS upload and a large CCM_POST pass', async ({ lab, client, evidence }: CheckFixtures) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const payload = allByteValues(6 * 1024 * 1024);
  const upload = await bitsUpload(lab, client, journal, payload, 3 * 1024 * 1024);
  evidence.sent(...upload.exchanges);
  ensure(!upload.failure, `a 6 MiB BITS upload in 3 MiB fragments failed: ${upload.failure}`, 'upload-failed');
  ensure(
    upload.uploaded === sha256Hex(payload),
    `the MP assembled sha256 ${upload.uploaded}, the client sent ${sha256Hex(payload)}`,
    'body-changed',
  );
  // A large inventory-style message through CCM_POST, byte-exact. The body is zlib-compressed, so
  // its content must not compress away: an incompressible blob keeps the message over 1 MiB.
  const blob = randomBytes(1024 * 1024).toString('base64');
  const inventory = `<Report><ReportBody><Instance Class="CCM_FileSystemFile"><Content>${blob}</Content></Instance></ReportBody></Report>`;
  const message = encodeMessage(
    {
      sourceId: 'GUID:00000000-0000-0000-0000-000000000000',
      sourceHost: client.profile.computerName,
      targetEndpoint: 'MP_HinvEndpoint',
      targetHost: client.profile.install.CCMHOSTNAME,
      replyMode: 'Async',
    },
    inventory,
  );
  const post = await client.send({
    method: 'CCM_POST',
    target: '/ccm_system/request',
    headers: [['Content-Type', CCM_CONTENT_TYPE]],
    body: message.body,
  });
  evidence.sent(post);
  const received = journal.since(mark);
  evidence.received(
    'mp1',
    received.map((entry) => ({ ...entry, bodyPreview: '' })),
  );
  const { entry, problems } = arrival(post, received);
  ensure(entry, `${problems[0]}; ${describeClientResult(post)}`, problems[0]?.code);
  ensure(
    problems.length === 0 && post.status === 200,
    `a ${post.requestBodyLength}-byte CCM_POST: ${[...problems, describeClientResult(post)].join('; ')}`,
    problems[0]?.code ?? 'response-changed',
  );
  evidence.pass(
    `6 MiB uploaded by BITS in two 3 MiB fragments arrived intact; a ${(post.requestBodyLength / 1024).toFixed(0)} KiB CCM_POST arrived byte-exact and was answered`,
  );
});

check('PX-EMPTY-200', "the MP's empty 200 reaches the client unchanged", async ({ lab, client, evidence }: CheckFixtures) => {
  // An unregistered client asking for policy gets the MP's "not ready / not authorised" reply:
  // 200 with Content-Length: 0 (W:18). Proxies that turn it into an error page break clients.
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  client.smsId = 'GUID:00000000-0000-0000-0000-00000000E200';
  const result = await client.requestAssignments();
  const received = journal.since(mark);
  evidence.sent(result.exchange);
  evidence.received('mp1', received);
  const { entry, problems } = arrival(result.exchange, received);
  ensure(entry, `${problems[0]}; ${describeClientResult(result.exchange)}`, problems[0]?.code);
  prerequisite(
    entry.response.status === 200 && entry.response.bodyLength === 0,
    `the MP did not answer with an empty 200 (${entry.response.status}, ${entry.response.bodyLength} bytes)`,
  );
  ensure(result.exchange.status === 200, `the MP sent an empty 200 but ${describeClientResult(result.exchange)}`, 'response-changed');
  ensure(
    result.exchange.responseBodyLength === 0,
    `the MP sent an empty 200 but the client got a ${result.exchange.responseBodyLength}-byte body: ${result.exchange.responseBody?.toString('latin1').slice(0, 80)}`,
    'response-changed',
  );
  const length = responseHeader(result.exchange, 'content-length');
  ensure(length === undefined || length === '0', `the empty 200 reached the client with Content-Length ${length}`, 'response-changed');
  evidence.pass('the MP answered an unready client with 200 and no body, and the client got exactly that');
});
