// LOC-RANDOM and LOC-FAILOVER (seed 000, 001; W:44–45), on a lab variant with two internet MPs:
// an internet client picks among them at random — checked statistically with a seeded source
// (chi-square, one degree of freedom, against a uniform choice) — and, after five failed attempts
// within ten minutes (an accelerated clock), moves to the other. The MPs' journals count who was asked.
import { CCM_USER_AGENT, IbcmClient, ManagementPointSelector, seededRandom, type Exchange } from '../../harness/client/index.js';
import type { Lab } from '../../harness/lab/index.js';
import { ensure } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { describeClientResult } from '../verify.js';

const SELECTIONS = 200;
/** χ² critical value for one degree of freedom at p = 0.05. */
const CHI2_CRITICAL_1DF = 3.841;

async function twoMpLab(variantLab: CheckFixtures['variantLab']): Promise<Lab> {
  return variantLab({ secondManagementPoint: true });
}

function mpList(client: IbcmClient, fqdn: string): Promise<Exchange> {
  return client.send({ method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST1&${client.profile.install.SMSSITECODE}`, headers: [['User-Agent', CCM_USER_AGENT]] }, `https://${fqdn}:${client.profile.install.CCMHTTPSPORT}`);
}

async function internetMps(lab: Lab, client: IbcmClient, evidence: CheckFixtures['evidence']): Promise<{ fqdn: string; name: string }[]> {
  const list = await mpList(client, client.profile.install.CCMHOSTNAME);
  evidence.sent(list);
  const fqdns = IbcmClient.mpListFqdns(list);
  ensure(list.status === 200 && fqdns.length === 2, `MP list: ${describeClientResult(list)}, ${fqdns.length} internet MP(s) (${fqdns.join(', ')}), expected 2`);
  return fqdns.map((fqdn) => ({ fqdn, name: lab.siteSystems.find((system) => system.internetFqdn === fqdn)!.name }));
}

const chiSquare = (counts: number[]) => {
  const expected = counts.reduce((a, b) => a + b, 0) / counts.length;
  return counts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
};

check('LOC-RANDOM', 'internet clients choose among internet MPs at random (chi-square, seeded)', async ({ newClient, evidence, variantLab }) => {
  const lab = await twoMpLab(variantLab);
  const client = newClient(lab.clientProfile());
  const mps = await internetMps(lab, client, evidence);
  const marks = mps.map((mp) => lab.journal(mp.name).mark());
  const random = seededRandom(20261125);
  const chosen = new Map(mps.map((mp) => [mp.fqdn, 0]));
  for (let i = 0; i < SELECTIONS; i++) {
    const fqdn = ManagementPointSelector.pick(mps.map((mp) => mp.fqdn), random);
    const exchange = await mpList(client, fqdn);
    ensure(exchange.status === 200, `selection ${i + 1} (${fqdn}): ${describeClientResult(exchange)}`);
    chosen.set(fqdn, chosen.get(fqdn)! + 1);
  }
  const journalCounts = mps.map((mp, index) => lab.journal(mp.name).since(marks[index]!).filter((entry) => entry.target.includes('MPLIST')).length);
  evidence.note(`client chose ${mps.map((mp) => `${mp.fqdn} ×${chosen.get(mp.fqdn)}`).join(', ')}; journals: ${mps.map((mp, index) => `${mp.name} ${journalCounts[index]}`).join(', ')}`);
  ensure(mps.every((mp, index) => journalCounts[index] === chosen.get(mp.fqdn)), 'the MP journals do not count what the client chose');
  const chi2 = chiSquare(journalCounts);
  ensure(chi2 < CHI2_CRITICAL_1DF, `χ² = ${chi2.toFixed(2)} over ${SELECTIONS} selections (${journalCounts.join(' / ')}) rejects a uniform choice at p = 0.05`);
  // Negative control: a client that always takes the first MP listed is rejected by the same test.
  const firstListed = [SELECTIONS, 0];
  ensure(chiSquare(firstListed) >= CHI2_CRITICAL_1DF, 'negative control: an always-first choice passed the χ² test');
  evidence.pass(`${SELECTIONS} seeded selections reached the MPs ${journalCounts.join(' / ')} times (journals agree with the client), χ² = ${chi2.toFixed(2)} < ${CHI2_CRITICAL_1DF}; control: always-first gives χ² = ${chiSquare(firstListed)}`);
});

check('LOC-FAILOVER', 'after five failures within ten minutes the client moves to another MP', async ({ newClient, evidence, variantLab }) => {
  const lab = await twoMpLab(variantLab);
  const client = newClient(lab.clientProfile(), { timeoutMs: 2000 });
  const mps = await internetMps(lab, client, evidence);
  let clock = 0;
  const selector = new ManagementPointSelector(mps.map((mp) => mp.fqdn), seededRandom(7), { now: () => clock });
  const first = mps.find((mp) => mp.fqdn === selector.current)!;
  const other = mps.find((mp) => mp !== first)!;
  const marks = [lab.journal(first.name).mark(), lab.journal(other.name).mark()];
  const down = await lab.takeDown(first.name);
  const attempts: string[] = [];
  let reached: Exchange | undefined;
  try {
    for (let attempt = 1; attempt <= 10 && !reached; attempt++) {
      const target = selector.current;
      const exchange = await mpList(client, target);
      evidence.sent(exchange);
      attempts.push(`${target}: ${describeClientResult(exchange)}`);
      if (!exchange.error && (exchange.status ?? 0) < 500) {
        selector.recordSuccess();
        reached = exchange;
        break;
      }
      clock += 60_000; // the next attempt a minute later (accelerated clock)
      selector.recordFailure();
    }
  } finally {
    await down.restore();
  }
  evidence.note(`attempts: ${attempts.join('; ')}`);
  const failedAtFirst = attempts.filter((attempt) => attempt.startsWith(`${first.fqdn}:`)).length;
  ensure(reached && selector.current === other.fqdn, `the client did not move to ${other.fqdn}: ${attempts.join('; ')}`);
  ensure(failedAtFirst === 5 && selector.switches[0]?.afterFailures === 5, `the client moved after ${failedAtFirst} failed attempts, expected 5`);
  const firstSeen = lab.journal(first.name).since(marks[0]!).filter((entry) => entry.target.includes('MPLIST'));
  const otherSeen = lab.journal(other.name).since(marks[1]!).filter((entry) => entry.target.includes('MPLIST'));
  evidence.received(first.name, firstSeen);
  evidence.received(other.name, otherSeen);
  ensure(firstSeen.length === 0 && otherSeen.length === 1, `journals: ${first.name} answered ${firstSeen.length} (it was down), ${other.name} ${otherSeen.length} (expected 1)`);
  // Negative control (the documented window): five failures spread over more than ten minutes do not move the client.
  let slowClock = 0;
  const slow = new ManagementPointSelector(mps.map((mp) => mp.fqdn), seededRandom(7), { now: () => slowClock });
  for (let i = 0; i < 5; i++) {
    slowClock += 3 * 60_000;
    slow.recordFailure();
  }
  ensure(slow.switches.length === 0, 'negative control: five failures three minutes apart moved the client');
  evidence.pass(`with ${first.name} down the client failed 5 times (a minute apart) and then reached ${other.fqdn}, whose journal shows the request; control: five failures over 15 minutes keep it on its MP`);
});
