// CMG-COEXIST (seed 003, the note at the top of "Manage clients over the internet"): a client given
// both an IBCM management point and a cloud management gateway chooses between them at random, and
// one that does not trust the certificate of one of them uses only the other. The CMG has its own
// server certificate from a public (cloud) CA and forwards `/CCM_Proxy_MutualAuth/<MP role id>/…` to
// the MP (research W:52). The topology's CMG is used when it has one; otherwise a small lab adds one.
// Good case: trusting both roots, the client uses both; bad cases: trusting one root, it uses only
// that one, and the other's journal stays empty.
import { CCM_USER_AGENT, seededRandom, type ManagementPointChoice } from '../../harness/client/index.js';
import type { JournalEntry } from '../../harness/http/index.js';
import type { Lab } from '../../harness/lab/index.js';
import type { Segment } from '../../harness/topology/index.js';
import { ensure, type Evidence } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { MP } from '../pki/support.js';

const ROUNDS = 24;
// Seeded so a verdict can be reproduced; any seed works (the client draws uniformly).
const SEED = 0x1bc3;

interface Tally {
  used: Record<ManagementPointChoice['kind'], number>;
  failed: number;
  /** Rounds the client chose the CMG and did not get through for another reason than its certificate (no name, no route). */
  cmgUnreachable: string[];
  /** CMG attempts the client gave up for its server certificate (and went to the IBCM MP instead). */
  cmgCertificateRefused: string[];
  mp: JournalEntry[];
  cmg: JournalEntry[];
  refusals: string[];
  /** The round after which the client gave up: a site system that does not answer at all (see rounds). */
  gaveUp?: string;
}

/** The peer did not answer in time (silence, a trickle): waiting again in every round would outlast the check's deadline. */
const NO_ANSWER = /^(UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|UND_ERR_CONNECT_TIMEOUT|RESPONSE_DEADLINE)$/;

async function rounds(
  lab: Lab,
  newClient: CheckFixtures['newClient'],
  evidence: Evidence,
  trustedRootsPem: string,
  seed: number,
): Promise<Tally> {
  const gateway = lab.cloudManagementGateways[0]!;
  const client = newClient({ ...lab.clientProfile(), trustedRootsPem });
  const random = seededRandom(seed);
  const marks = { mp: lab.journal(MP).mark(), cmg: lab.journal(gateway.name).mark() };
  const tally: Tally = {
    used: { ibcm: 0, cmg: 0 },
    failed: 0,
    cmgUnreachable: [],
    cmgCertificateRefused: [],
    mp: [],
    cmg: [],
    refusals: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    const result = await client.sendToAnyManagementPoint(
      { method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST1&${lab.topology.site.code}`, headers: [['User-Agent', CCM_USER_AGENT]] },
      random,
    );
    for (const attempt of result.attempts) {
      if (attempt.exchange.error) tally.refusals.push(`${attempt.choice.kind} ${attempt.choice.origin}: ${attempt.exchange.error.code}`);
      // Only a certificate refusal makes the client try the other one in the same round.
      if (attempt.exchange.error && attempt.choice.kind === 'cmg' && attempt !== result.attempts[result.attempts.length - 1])
        tally.cmgCertificateRefused.push(`${attempt.exchange.error.code} ${attempt.exchange.error.message}`);
      if (round < 2 || attempt.exchange.error) evidence.sent(attempt.exchange);
    }
    if (result.choice && result.exchange?.status === 200) tally.used[result.choice.kind]++;
    else tally.failed++;
    if (result.choice?.kind === 'cmg' && result.exchange?.error)
      tally.cmgUnreachable.push(`${result.exchange.error.code} ${result.exchange.error.message}`);
    if (result.exchange?.error && NO_ANSWER.test(result.exchange.error.code)) {
      tally.gaveUp = `round ${round + 1}: ${result.choice?.kind ?? 'no choice'} ${result.choice?.origin ?? ''}: ${result.exchange.error.message}; the other ${ROUNDS - round - 1} rounds were not run`;
      break;
    }
  }
  tally.mp = lab.journal(MP).since(marks.mp);
  tally.cmg = lab.journal(gateway.name).since(marks.cmg);
  evidence.received(MP, tally.mp.slice(0, 2));
  evidence.received(gateway.name, tally.cmg.slice(0, 2));
  return tally;
}

const summary = (tally: Tally) =>
  `IBCM MP ${tally.used.ibcm}, CMG ${tally.used.cmg} of ${ROUNDS}${tally.refusals.length ? `; refused: ${[...new Set(tally.refusals)].join(', ')}` : ''}`;

check(
  'CMG-COEXIST',
  'a client with IBCM and a CMG picks at random and uses only the one whose certificate it trusts',
  async ({ lab, newClient, evidence, variantLab }) => {
    const cmgLab = lab.cloudManagementGateways.length > 0 ? lab : await variantLab({ cloudManagementGateway: true });
    const gateway = cmgLab.cloudManagementGateways[0]!;
    const roots = await cmgLab.pki.roots();
    evidence.note(
      `CMG ${gateway.fqdn}:${gateway.port}${gateway.pathPrefix}/… in front of ${gateway.managementPoint}${cmgLab === lab ? '' : ' (a lab of its own: the topology has no CMG)'}; seed ${SEED}`,
    );

    // Where the CMG's requests must come from: the client's web proxy in forward mode, the client itself otherwise.
    const client = cmgLab.clientProfile();
    const source = cmgLab.mode === 'forward' ? cmgLab.proxyContract?.egress.host : client.localAddress;
    const view = cmgLab.dns(client.segment as Segment);
    const dnsMark = view.mark();

    const both = await rounds(cmgLab, newClient, evidence, roots.lab + roots.cloud, SEED);
    const cmgQueries = view.since(dnsMark).filter((query) => query.name === gateway.fqdn.toLowerCase());
    evidence.note(
      `the ${client.segment} DNS view answered ${gateway.fqdn}: ${cmgQueries.map((query) => `${query.type} ${query.rcode} ${query.answers.join(',')}`).join('; ') || 'no query (the web proxy resolved it)'}`,
    );
    ensure(
      both.cmgUnreachable.length === 0,
      `trusting both roots, the client chose the CMG ${gateway.fqdn} in ${both.cmgUnreachable.length} round(s) and could not reach it: ${[...new Set(both.cmgUnreachable)].join('; ')}`,
      'cmg-unreachable',
    );
    ensure(
      both.cmgCertificateRefused.length === 0,
      `trusting both roots (the site's and the cloud CA), the client refused the CMG ${gateway.fqdn}'s certificate: ${[...new Set(both.cmgCertificateRefused)].join('; ')}`,
      'cmg-untrusted',
    );
    ensure(
      both.failed === 0 && !both.gaveUp,
      `trusting both roots, ${both.failed} of ${ROUNDS} requests failed (${summary(both)})${both.gaveUp ? `; gave up at ${both.gaveUp}` : ''}`,
      'requests-failed',
    );
    ensure(
      both.used.ibcm >= 3 && both.used.cmg >= 3,
      `trusting both roots, the client did not choose between them at random: ${summary(both)}`,
      'choice-not-random',
    );
    ensure(
      both.mp.length === both.used.ibcm && both.cmg.length === both.used.cmg,
      `the journals do not match the client's choices: the MP received ${both.mp.length}, the CMG ${both.cmg.length} (${summary(both)})`,
      'choices-not-journaled',
    );
    ensure(
      both.cmg.every((entry) => entry.target.startsWith(`${gateway.pathPrefix}/`) && entry.response.status === 200),
      `the CMG received requests outside ${gateway.pathPrefix}/ or did not answer them: ${both.cmg.map((entry) => `${entry.target} → ${entry.response.status}`).join(', ')}`,
      'cmg-path',
    );
    const offRoute = both.cmg.filter((entry) => source && entry.remoteAddress.replace(/^::ffff:/, '') !== source);
    ensure(
      offRoute.length === 0,
      `the CMG received requests from ${[...new Set(offRoute.map((entry) => entry.remoteAddress))].join(', ')}, not from ${cmgLab.mode === 'forward' ? "the client's web proxy" : 'the client'} (${source})`,
      'cmg-wrong-route',
    );

    const siteOnly = await rounds(cmgLab, newClient, evidence, roots.lab, SEED + 1);
    ensure(
      siteOnly.used.cmg === 0 && siteOnly.cmg.length === 0,
      `a client that does not trust the CMG's root used it: ${summary(siteOnly)}; the CMG received ${siteOnly.cmg.length}`,
      'untrusted-cmg-used',
    );
    ensure(
      siteOnly.used.ibcm === ROUNDS,
      `a client that trusts only the site's root did not keep using the IBCM MP: ${summary(siteOnly)}`,
      'trusted-mp-not-used',
    );

    const cloudOnly = await rounds(cmgLab, newClient, evidence, roots.cloud, SEED + 2);
    ensure(
      cloudOnly.used.ibcm === 0 && cloudOnly.mp.length === 0,
      `a client that does not trust the IBCM MP's root used it: ${summary(cloudOnly)}; the MP received ${cloudOnly.mp.length}`,
      'untrusted-mp-used',
    );
    ensure(
      cloudOnly.used.cmg === ROUNDS,
      `a client that trusts only the CMG's root did not keep using the CMG: ${summary(cloudOnly)}`,
      'trusted-cmg-not-used',
    );

    evidence.pass(
      `trusting both roots the client chose at random (${summary(both)}); trusting only the site's root it used only the IBCM MP (${summary(siteOnly)}); trusting only the cloud CA it used only the CMG (${summary(cloudOnly)})`,
    );
  },
);
