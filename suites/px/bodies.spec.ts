// PX-CT-MULTIPART: ConfigMgr messages are multipart/mixed with a UTF-16LE+BOM header part and a
// zlib binary part, no Content-Disposition (seed 000 "Prerequisites"; research W:14–W:16, W:56).
// The MP verifies a signature over the compressed body, so any re-encoding breaks the client.
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { arrival, describeClientResult, siteReason } from '../verify.js';

check('PX-CT-MULTIPART', 'multipart/mixed messages arrive byte-exact and are answered in kind', async ({ client, lab, evidence }) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const registration = await client.register();
  evidence.sent(registration.exchange);
  const assignments = client.smsId ? await client.requestAssignments() : undefined;
  if (assignments) evidence.sent(assignments.exchange);
  const received = journal.since(mark);
  evidence.received('mp1', received);
  for (const exchange of [registration.exchange, ...(assignments ? [assignments.exchange] : [])]) {
    const { entry, problems } = arrival(exchange, received, { headers: ['Content-Type'] });
    ensure(entry, `${problems[0]}; ${describeClientResult(exchange)}`, problems[0]?.code);
    ensure(problems.length === 0, problems.join('; '), problems[0]?.code);
  }
  ensure(
    registration.reply,
    `the registration reply did not reach the client as a message: ${describeClientResult(registration.exchange)}${siteReason(lab, registration.exchange)}${registration.replyError ? ` (${registration.replyError})` : ''}`,
    'response-changed',
  );
  ensure(
    assignments?.reply,
    `the signed RequestAssignments was not answered with a message: ${assignments ? describeClientResult(assignments.exchange) + siteReason(lab, assignments.exchange) : 'not sent'}`,
    'response-changed',
  );
  ensure(assignments.assignments.length > 0, 'the assignment reply reached the client without policy assignments', 'response-changed');
  evidence.pass(
    `both multipart/mixed messages (${registration.exchange.requestBodyLength} and ${assignments.exchange.requestBodyLength} bytes, UTF-16LE+BOM header, zlib body) arrived byte-exact; the MP's signature checks passed and both multipart replies decoded at the client`,
  );
});
