// FEAT-INTRANET-ONLY-POLICY (W:25: PolicyFlags bit 8 IntranetOnly) and FEAT-NO-OSD (seed 000: no
// operating system deployment on the internet, but task sequences without an OS image are fine).
// The same computer takes a machine policy round on the intranet (the control: the policy is
// assigned and its body served) and on the internet: what it got (the assignments, the bodies) and
// what the MP received and answered (its journal: Host, status, reason) make the verdict. The check
// then plays a client that ignores the rules and asks the MP for the withheld body directly: the MP
// must refuse it to an internet client too.
import { assignedPolicies, isIntranetOnly, machinePolicyRound, POLICY_FLAG, type AssignedPolicy } from '../../harness/client/index.js';
import type { JournalEntry } from '../../harness/http/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult, siteReason, siteNote } from '../verify.js';
import { computerOn, ensureRound, hostOf, watchMp } from './support.js';

const describe = (policy: AssignedPolicy) => `${policy.policyId} (${policy.category}, PolicyFlags ${policy.flags})`;
const bodyFetches = (entries: JournalEntry[]) =>
  entries.filter((entry) => entry.method === 'GET' && entry.target.toLowerCase().startsWith('/sms_mp/.sms_pol'));
const isTaskSequence = (policy: AssignedPolicy) => (policy.flags & POLICY_FLAG.TaskSequence) !== 0;
const appliesOsImage = (body: string) => /Type="OperatingSystemImage"|ApplyOperatingSystemAction/.test(body);

check(
  'FEAT-INTRANET-ONLY-POLICY',
  'policies flagged IntranetOnly are neither handed to nor fetched by internet clients',
  async ({ lab, newClient, evidence }) => {
    const mp = lab.siteSystem('management-point');
    // Control first: on the intranet the computer is assigned an IntranetOnly policy and fetches it.
    const inside = newClient(computerOn(lab, 'intranet'));
    const { result: insideRound, received: insideSeen } = await watchMp(lab, evidence, 'on the intranet', () =>
      machinePolicyRound(inside, { fetch: isIntranetOnly }),
    );
    evidence.sent(insideRound.exchange, ...insideRound.fetched.map((fetched) => fetched.exchange));
    ensureRound(lab, insideRound, 'control on the intranet');
    const intranetOnly = insideRound.policies.filter(isIntranetOnly);
    prerequisite(
      intranetOnly.length > 0,
      `control: on the intranet (MP asked as ${insideSeen.map(hostOf)[0]}) the computer was assigned no IntranetOnly policy: ${insideRound.policies.map(describe).join(', ')}`,
    );
    const insideFetch = insideRound.fetched.find((fetched) => isIntranetOnly(fetched.policy));
    prerequisite(
      insideFetch?.exchange.status === 200,
      `control: the intranet client could not fetch the IntranetOnly policy: ${insideFetch ? describeClientResult(insideFetch.exchange) + siteReason(lab, insideFetch.exchange) : 'not fetched'}`,
    );

    // On the internet: not assigned, not fetched.
    const outside = newClient(computerOn(lab, 'internet'));
    const { result: round, received } = await watchMp(lab, evidence, 'on the internet', () => machinePolicyRound(outside));
    evidence.sent(round.exchange, ...round.fetched.map((fetched) => fetched.exchange));
    ensureRound(lab, round, 'on the internet');
    ensure(
      received.filter((entry) => entry.method === 'CCM_POST').every((entry) => hostOf(entry) === mp.internetFqdn),
      `the internet client's messages reached the MP as ${received.map(hostOf).join(', ')}, not as ${mp.internetFqdn}`,
    );
    const handed = round.policies.filter(isIntranetOnly);
    ensure(
      handed.length === 0,
      `the MP handed the internet client ${handed.length} IntranetOnly polic${handed.length === 1 ? 'y' : 'ies'}: ${handed.map(describe).join(', ')}`,
      'intranet-only-policy-handed',
    );
    const leaked = bodyFetches(received).filter(
      (entry) => intranetOnly.some((policy) => decodeURIComponent(entry.target).includes(policy.policyId)) && entry.response.status === 200,
    );
    ensure(
      leaked.length === 0,
      `the MP journal shows IntranetOnly policy bodies served to the internet client: ${leaked.map((entry) => entry.target).join(', ')}`,
    );

    // A client that ignores the flag asks for the body anyway: the MP refuses it on the internet.
    const { result: direct, received: directSeen } = await watchMp(lab, evidence, 'IntranetOnly body asked from the internet', () =>
      outside.getPolicyBody(intranetOnly[0]!),
    );
    evidence.sent(direct);
    ensure(
      direct.status === 403,
      `asked directly from the internet, the MP served the IntranetOnly policy ${intranetOnly[0]!.policyId}: ${describeClientResult(direct)}`,
    );
    evidence.pass(
      `on the internet (Host ${mp.internetFqdn}) the computer got ${round.policies.length} assignments, none flagged IntranetOnly, and fetched ${round.fetched.length} bodies, none of them IntranetOnly; asked for ${intranetOnly[0]!.policyId} directly, the MP answered 403 (${siteNote(directSeen[0], 'reason') ?? 'no reason'}); ` +
        `control: on the intranet (Host ${insideSeen.map(hostOf)[0]}) the same computer was assigned ${describe(intranetOnly[0]!)} and fetched it (200)`,
    );
  },
);

/** Task sequence assignments and their bodies, fetched as the client does. */
function taskSequences(bodies: Map<string, string>, round: Awaited<ReturnType<typeof machinePolicyRound>>) {
  for (const fetched of round.fetched)
    if (fetched.exchange.status === 200) bodies.set(fetched.policy.policyId, fetched.exchange.responseBody?.toString('utf8') ?? '');
  return round.policies.filter(isTaskSequence).map((policy) => ({
    policy,
    body: bodies.get(policy.policyId),
    fetch: round.fetched.find((fetched) => fetched.policy.policyId === policy.policyId)?.exchange,
  }));
}

check(
  'FEAT-NO-OSD',
  'OS deployment is refused to internet clients; task sequences without an OS image are delivered',
  async ({ lab, newClient, evidence }) => {
    const mp = lab.siteSystem('management-point');
    const bodies = new Map<string, string>();
    // Control: on the intranet both task sequences are assigned and served.
    const inside = newClient(computerOn(lab, 'intranet'));
    const { result: insideRound } = await watchMp(lab, evidence, 'on the intranet', () =>
      machinePolicyRound(inside, { fetch: isTaskSequence }),
    );
    evidence.sent(insideRound.exchange, ...insideRound.fetched.map((fetched) => fetched.exchange));
    ensureRound(lab, insideRound, 'control on the intranet');
    const insideSequences = taskSequences(bodies, insideRound);
    const osd = insideSequences.find((sequence) => sequence.body && appliesOsImage(sequence.body));
    const plain = insideSequences.find((sequence) => sequence.body && !appliesOsImage(sequence.body));
    prerequisite(
      osd && plain,
      `control: on the intranet the computer did not get both an OS deployment and a plain task sequence (${insideSequences.map((sequence) => `${sequence.policy.policyId}: ${sequence.fetch ? describeClientResult(sequence.fetch) : 'not fetched'}`).join('; ') || 'no task sequence'})`,
    );

    // On the internet.
    const outside = newClient(computerOn(lab, 'internet'));
    const { result: round, received } = await watchMp(lab, evidence, 'on the internet', () =>
      machinePolicyRound(outside, { fetch: isTaskSequence }),
    );
    evidence.sent(round.exchange, ...round.fetched.map((fetched) => fetched.exchange));
    ensureRound(lab, round, 'on the internet');
    ensure(
      received.filter((entry) => entry.method === 'CCM_POST').every((entry) => hostOf(entry) === mp.internetFqdn),
      `the internet client's messages reached the MP as ${received.map(hostOf).join(', ')}, not as ${mp.internetFqdn}`,
    );
    const outsideBodies = new Map<string, string>();
    const outsideSequences = taskSequences(outsideBodies, round);
    const withImage = outsideSequences.filter(
      (sequence) => sequence.policy.policyId === osd.policy.policyId || (sequence.body && appliesOsImage(sequence.body)),
    );
    ensure(
      withImage.length === 0,
      `the MP assigned the internet client a task sequence that applies an OS image: ${withImage.map((sequence) => describe(sequence.policy)).join(', ')}`,
      'osd-assigned',
    );
    const delivered = outsideSequences.find((sequence) => sequence.policy.policyId === plain.policy.policyId);
    ensure(
      delivered?.fetch?.status === 200 && delivered.body && !appliesOsImage(delivered.body),
      `the task sequence without an OS image (${plain.policy.policyId}) was withheld from the internet client: ${delivered?.fetch ? describeClientResult(delivered.fetch) + siteReason(lab, delivered.fetch) : 'not assigned'}`,
      'task-sequence-withheld',
    );
    const served = bodyFetches(received).find((entry) => decodeURIComponent(entry.target).includes(plain.policy.policyId));
    ensure(
      served?.response.status === 200,
      `the MP journal does not show the plain task sequence body served to the internet client (${served ? served.response.status : 'no request'})`,
      served ? 'task-sequence-withheld' : 'not-received',
    );
    // A client that asks for the OS deployment body anyway is refused on the internet.
    const { result: direct, received: directSeen } = await watchMp(lab, evidence, 'OS deployment asked from the internet', () =>
      outside.getPolicyBody(osd.policy),
    );
    evidence.sent(direct);
    ensure(
      direct.status === 403,
      `asked directly from the internet, the MP served the OS deployment task sequence ${osd.policy.policyId}: ${describeClientResult(direct)}`,
    );
    ensure(assignedPolicies(round.reply?.bodyXml).length === round.policies.length, 'the assignment reply could not be read');
    evidence.pass(
      `on the internet the computer was assigned the task sequence without an OS image (${plain.policy.policyId}, body served 200 as ${mp.internetFqdn}) and no OS deployment; asked for ${osd.policy.policyId} directly, the MP answered 403 (${siteNote(directSeen[0], 'reason') ?? 'no reason'}); ` +
        `control: on the intranet both task sequences were assigned and served`,
    );
  },
);
