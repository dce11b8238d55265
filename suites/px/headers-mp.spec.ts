// PX-HDR-MP-*: the request headers the MP needs arrive byte-exact (seed 000, "Prerequisites";
// research W:3, W:4, W:20). The CCMClient* headers sign policy-body requests; without them the
// MP refuses the client. The docs spell one of them `CCMClientTimestampsSignature` — a typo
// (W:4): the client sends the real header and, to catch allow-lists copied from the docs, both.
import { ensure, prerequisite } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { arrival, describeClientResult, responseHeader, siteReason } from '../verify.js';

const MP = 'mp1';

async function signedPolicyRequest(fixtures: CheckFixtures, header: string): Promise<void> {
  const { client, lab, evidence } = fixtures;
  const registration = await client.register();
  evidence.sent(registration.exchange);
  prerequisite(
    client.smsId,
    `registration failed, ${describeClientResult(registration.exchange)}${siteReason(lab, registration.exchange)}`,
  );
  const assignments = await client.requestAssignments();
  evidence.sent(assignments.exchange);
  prerequisite(
    assignments.assignments.length > 0,
    `no policy assignments, ${describeClientResult(assignments.exchange)}${siteReason(lab, assignments.exchange)}`,
  );
  const journal = lab.journal(MP);
  const mark = journal.mark();
  const policy = await client.getPolicyBody(assignments.assignments[0]!, { documentedSpelling: true });
  const received = journal.since(mark);
  evidence.sent(policy);
  evidence.received(MP, received);
  const { entry, headerProblems: problems } = arrival(policy, received, { headers: [header] });
  ensure(entry, `no policy request reached the MP; ${describeClientResult(policy)}`, 'not-received');
  if (problems.length && header === 'CCMClientTimestampSignature') {
    const typo = entry.headers.some(([name]) => name.toLowerCase() === 'ccmclienttimestampssignature');
    if (typo)
      problems.push({
        code: problems[0]!.code,
        text: 'the documented spelling CCMClientTimestampsSignature passed while the real header did not: the allow-list was copied from the docs (a known typo)',
      });
  }
  ensure(problems.length === 0, problems.join('; '), problems[0]?.code);
  // The verdict is about this header only: whatever the MP answered must reach the client as sent.
  ensure(
    policy.status === entry.response.status && policy.responseBodySha256 === entry.response.bodySha256,
    `the MP answered ${entry.response.status} but ${describeClientResult(policy)}`,
    'response-changed',
  );
  const value = policy.requestHeaders.find(([name]) => name === header)![1];
  const outcome =
    policy.status === 200
      ? `the signed policy request was honoured (200, ${policy.responseBodyLength} bytes)`
      : `the MP refused the policy request for another reason${siteReason(lab, policy)}`;
  evidence.pass(`${header} arrived at the MP byte-exact (${value.length} characters); ${outcome}`);
}

for (const header of ['CCMClientID', 'CCMClientIDSignature', 'CCMClientTimestamp', 'CCMClientTimestampSignature'] as const) {
  check(`PX-HDR-MP-${header}`, `${header} reaches the management point byte-exact`, (fixtures) => signedPolicyRequest(fixtures, header));
}

check('PX-HDR-MP-Range', 'Range reaches the management point and the 206 comes back intact', async ({ client, lab, evidence }) => {
  const journal = lab.journal(MP);
  const mark = journal.mark();
  const ranged = await client.send({
    method: 'GET',
    target: '/CCM_Client/ccmsetup.exe',
    headers: [
      ['User-Agent', 'Microsoft BITS/7.8'],
      ['Range', 'bytes=65536-131071'],
    ],
  });
  const received = journal.since(mark);
  evidence.sent(ranged);
  evidence.received(MP, received);
  const { entry, problems } = arrival(ranged, received, { headers: ['Range'] });
  ensure(entry, `${problems[0]}; ${describeClientResult(ranged)}`, problems[0]?.code);
  ensure(problems.length === 0, problems.join('; '), problems[0]?.code);
  const contentRange = responseHeader(ranged, 'content-range');
  prerequisite(entry.response.status === 206, `the MP answered ${entry.response.status} to the Range request`);
  ensure(
    ranged.status === 206 && ranged.responseBodyLength === 65536,
    `the MP sent 206 with 65536 bytes but ${describeClientResult(ranged)}`,
    'response-changed',
  );
  ensure(
    contentRange === 'bytes 65536-131071/524288',
    `Content-Range reached the client as ${JSON.stringify(contentRange)}, expected "bytes 65536-131071/524288"`,
    'content-range-wrong',
  );
  ensure(ranged.responseBodySha256 === entry.response.bodySha256, 'the 206 body changed between the MP and the client', 'body-changed');
  evidence.pass(
    'Range: bytes=65536-131071 reached the MP byte-exact; the client got 206 with Content-Range bytes 65536-131071/524288 and the very bytes the MP sent',
  );
});
