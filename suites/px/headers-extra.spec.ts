// PX-HDR-EXTRA (recommended): headers not in Microsoft's allow-list but used on the wire pass both
// ways — CCMAuthHeaderType*, ClientToken*, and BITS-* on requests and on replies (W:5, W:36, W:55).
import { randomUUID } from 'node:crypto';
import { BITS_1_5_UPLOAD_PROTOCOL } from '../../harness/roles/management-point/bits-upload.js';
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { arrival, describeClientResult, responseHeader } from '../verify.js';

check('PX-HDR-EXTRA', 'CCMAuthHeaderType*, ClientToken* and BITS-* headers pass both ways', async ({ lab, client, evidence }) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const token = `GUID:${randomUUID().toUpperCase()};${new Date().toISOString().replace(/\.\d+Z$/, 'Z')};2`;
  const probe = await client.send({
    method: 'GET',
    target: '/SMS_MP/.sms_aut?MPLIST',
    headers: [['CCMAuthHeaderType', '1;2'], ['CCMAuthHeaderTypeSignature', 'A1B2C3D4E5F6'], ['ClientToken', token], ['ClientTokenSignature', '0F1E2D3C4B5A']],
  });
  const create = await client.send({ method: 'BITS_POST', target: `/CCM_Incoming/{${randomUUID().toUpperCase()}}`, headers: [['BITS-Packet-Type', 'Create-Session'], ['BITS-Supported-Protocols', BITS_1_5_UPLOAD_PROTOCOL]], body: Buffer.alloc(0) });
  const received = journal.since(mark);
  evidence.sent(probe, create);
  evidence.received('mp1', received);
  const requestProblems = [probe, create].flatMap((exchange) => {
    const { entry, problems } = arrival(exchange, received);
    return entry ? problems : [`${problems[0]}; ${describeClientResult(exchange)}`];
  });
  ensure(requestProblems.length === 0, requestProblems.join('; '));
  const createEntry = arrival(create, received).entry!;
  const sentByMp = createEntry.response.headers.filter(([name]) => /^bits-/i.test(name));
  const missing = sentByMp.filter(([name, value]) => responseHeader(create, name) !== value);
  ensure(sentByMp.length > 0, `the MP's Create-Session reply carried no BITS-* headers (${createEntry.response.status})`);
  ensure(missing.length === 0, `BITS reply headers did not reach the client unchanged: ${missing.map(([name]) => name).join(', ')}`);
  evidence.pass(`CCMAuthHeaderType, CCMAuthHeaderTypeSignature, ClientToken, ClientTokenSignature and BITS-Packet-Type/BITS-Supported-Protocols reached the MP byte-exact; the reply's ${sentByMp.map(([name]) => name).join(', ')} reached the client`);
});
