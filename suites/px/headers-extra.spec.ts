// PX-HDR-EXTRA (recommended): headers not in Microsoft's allow-list but used on the wire pass both
// ways — CCMAuthHeaderType*, ClientToken*, and BITS-* on requests and, where the site sends them, on
// replies (W:5, W:36, W:55).
import { randomUUID } from 'node:crypto';
import { BITS_1_5_UPLOAD_PROTOCOL } from '../../harness/http/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { arrival, describeClientResult, headerDifference, problem, valuesOf } from '../verify.js';

const EXTRA = /^(ccmauthheadertype|clienttoken|bits-)/i;

check('PX-HDR-EXTRA', 'CCMAuthHeaderType*, ClientToken* and BITS-* headers pass both ways', async ({ lab, client, evidence }) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const token = `GUID:${randomUUID().toUpperCase()};${new Date().toISOString().replace(/\.\d+Z$/, 'Z')};2`;
  const probe = await client.send({
    method: 'GET',
    target: '/SMS_MP/.sms_aut?MPLIST',
    headers: [
      ['CCMAuthHeaderType', '1;2'],
      ['CCMAuthHeaderTypeSignature', 'A1B2C3D4E5F6'],
      ['ClientToken', token],
      ['ClientTokenSignature', '0F1E2D3C4B5A'],
    ],
  });
  const create = await client.send({
    method: 'BITS_POST',
    target: `/CCM_Incoming/{${randomUUID().toUpperCase()}}`,
    headers: [
      ['BITS-Packet-Type', 'Create-Session'],
      ['BITS-Supported-Protocols', BITS_1_5_UPLOAD_PROTOCOL],
    ],
    body: Buffer.alloc(0),
  });
  const received = journal.since(mark);
  evidence.sent(probe, create);
  evidence.received('mp1', received);
  const requestProblems = [probe, create].flatMap((exchange) => {
    const { entry, problems } = arrival(exchange, received);
    return entry ? problems : problems.map((missing) => problem(missing.code, `${missing.text}; ${describeClientResult(exchange)}`));
  });
  ensure(requestProblems.length === 0, requestProblems.join('; '), requestProblems[0]?.code);
  // Back to the client: every CCMAuthHeaderType*, ClientToken* and BITS-* field the MP sent (its
  // journal) arrives as sent, and none the MP did not send appears.
  const replyProblems = [probe, create].flatMap((exchange) => {
    const entry = arrival(exchange, received).entry!;
    const names = new Set(
      [...entry.response.headers, ...(exchange.responseHeaders ?? [])]
        .map(([name]) => name.toLowerCase())
        .filter((name) => EXTRA.test(name)),
    );
    return [...names].flatMap(
      (name) =>
        headerDifference(name, valuesOf(entry.response.headers, name), valuesOf(exchange.responseHeaders ?? [], name), 'the client') ?? [],
    );
  });
  const createEntry = arrival(create, received).entry!;
  const sentByMp = createEntry.response.headers.filter(([name]) => EXTRA.test(name));
  prerequisite(sentByMp.length > 0, `the MP's Create-Session reply carried no BITS-* headers (${createEntry.response.status})`);
  ensure(replyProblems.length === 0, `on the way back: ${replyProblems.join('; ')}`, replyProblems[0]?.code);
  evidence.pass(
    `CCMAuthHeaderType, CCMAuthHeaderTypeSignature, ClientToken, ClientTokenSignature and BITS-Packet-Type/BITS-Supported-Protocols reached the MP byte-exact; the reply's ${sentByMp.map(([name]) => name).join(', ')} reached the client`,
  );
});
