// LOC-RANDOM and LOC-FAILOVER (seed 000, 001; W:44–45), on a lab variant with two internet MPs. An
// internet client may pick any internet MP its site lists (and any internet DP a content location
// names), and moves to another MP when its own stops answering — so the world must let an internet
// client reach every one of them by the name it was given, through the path the topology says (the
// proxy's listener; the client itself in direct mode). The oracles read the wire: the MP list the
// site hands out, the internet DNS view, each site system's journal and the address its requests
// arrived from. The random choice itself (chi-square over seeded first contacts) and the
// five-failures rule are the client's; the journals show where its choices went.
import {
  CCM_USER_AGENT,
  contentFilePath,
  IbcmClient,
  ManagementPointSelector,
  seededRandom,
  type Exchange,
} from '../../harness/client/index.js';
import type { JournalEntry } from '../../harness/http/index.js';
import type { Lab } from '../../harness/lab/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { describeClientResult } from '../verify.js';

const SELECTIONS = 200;
/** χ² critical values at p = 0.05 for 1–4 degrees of freedom (2–5 MPs). */
const CHI2_CRITICAL = [3.841, 5.991, 7.815, 9.488];

interface ListedMp {
  fqdn: string;
  name: string;
}

async function twoMpLab(variantLab: CheckFixtures['variantLab']): Promise<Lab> {
  return variantLab({ secondManagementPoint: true });
}

function mpList(client: IbcmClient, fqdn: string): Promise<Exchange> {
  return client.send(
    { method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST1&${client.profile.install.SMSSITECODE}`, headers: [['User-Agent', CCM_USER_AGENT]] },
    `https://${fqdn}:${client.profile.install.CCMHTTPSPORT}`,
  );
}

/** The internet MPs the site lists (asked of the MP the client was installed with): at least two, or nothing can be learnt. */
async function listedMps(lab: Lab, client: IbcmClient, evidence: CheckFixtures['evidence']): Promise<ListedMp[]> {
  const list = await mpList(client, client.profile.install.CCMHOSTNAME);
  evidence.sent(list);
  const fqdns = IbcmClient.mpListFqdns(list);
  prerequisite(
    list.status === 200 && fqdns.length >= 2,
    `MP list from ${client.profile.install.CCMHOSTNAME}: ${describeClientResult(list)}, ${fqdns.length} internet MP(s) (${fqdns.join(', ')}), two needed`,
  );
  const mps = fqdns.map((fqdn) => ({ fqdn, name: lab.siteSystems.find((system) => system.internetFqdn === fqdn)?.name ?? '' }));
  prerequisite(
    mps.every((mp) => mp.name),
    `the MP list names an MP this lab does not have: ${fqdns.join(', ')}`,
  );
  return mps;
}

/** Where an internet client's requests must come from at the site system: the proxy's egress, or the client itself in direct mode. */
function expectedSource(lab: Lab, client: IbcmClient): string | undefined {
  return lab.proxyContract?.egress.host ?? client.profile.localAddress;
}

const addressOf = (entry: JournalEntry) => entry.remoteAddress.replace(/^::ffff:/, '');
const mpListEntries = (entries: JournalEntry[]) => entries.filter((entry) => entry.target.includes('MPLIST'));
const unresolved = (exchange: Exchange) => Boolean(exchange.error && /ENOTFOUND/.test(`${exchange.error.code} ${exchange.error.message}`));

const chiSquare = (counts: number[]) => {
  const expected = counts.reduce((a, b) => a + b, 0) / counts.length;
  return counts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
};

/**
 * A site system a client could pick, asked once by the name it was given: the name resolves on the
 * internet, the request reaches the host (its journal shows it) and arrives through the published path.
 */
async function assertServesInternetClients(
  lab: Lab,
  client: IbcmClient,
  evidence: CheckFixtures['evidence'],
  system: { name: string; fqdn: string; why: string },
  ask: () => Promise<Exchange>,
  counts: (entry: JournalEntry) => boolean,
): Promise<void> {
  const source = expectedSource(lab, client);
  const dns = lab.dns('internet');
  const [journalMark, dnsMark] = [lab.journal(system.name).mark(), dns.mark()];
  const exchange = await ask();
  evidence.sent(exchange);
  const seen = lab.journal(system.name).since(journalMark).filter(counts);
  evidence.received(system.name, seen);
  const queries = dns.since(dnsMark).filter((query) => query.name.toLowerCase() === system.fqdn.toLowerCase());
  evidence.note(
    `${system.fqdn}: internet DNS view answered ${queries.map((query) => `${query.type} ${query.rcode}${query.answers.length ? ` ${query.answers.join(',')}` : ''}`).join('; ') || 'no query (resolved earlier, or by the web proxy)'}; ${describeClientResult(exchange)}`,
  );
  ensure(
    !unresolved(exchange),
    `a client could pick ${system.fqdn} (${system.why}) but its name does not resolve on the internet: ${describeClientResult(exchange)}`,
    'site-system-unresolvable',
  );
  ensure(
    (exchange.status === 200 || exchange.status === 206) && seen.length === 1,
    `a client could pick ${system.fqdn} (${system.why}) but never reaches ${system.name}: ${describeClientResult(exchange)}; ${system.name}'s journal shows ${seen.length} such request(s)`,
    'site-system-unreachable',
  );
  ensure(
    !source || addressOf(seen[0]!) === source,
    `${system.name} received the request from ${addressOf(seen[0]!)}, not through ${lab.proxyContract ? `the proxy (${source})` : `the client (${source})`}`,
    'site-system-not-through-proxy',
  );
}

check(
  'LOC-RANDOM',
  'internet clients may pick any internet MP or DP: each one the site lists serves them, and their choices spread at random (chi-square, seeded)',
  async ({ lab: mainLab, newClient, evidence, variantLab }) => {
    // Every internet DP of the topology: a client picks among the DPs a content location names.
    const mainClient = newClient(mainLab.clientProfile(), { timeoutMs: 3000 });
    const distributionPoints = mainLab.topology.roles.flatMap((role) =>
      role.kind === 'distribution-point' && role.internetFqdn
        ? [{ role, system: mainLab.siteSystems.find((system) => system.name === role.name)! }]
        : [],
    );
    for (const { role, system } of distributionPoints) {
      const pkg = role.packages[0]!;
      const target = contentFilePath(pkg.contentId, pkg.version, pkg.files[0]!.name);
      const port = system.services.find((service) => service.service === 'https')!.port;
      await assertServesInternetClients(
        mainLab,
        mainClient,
        evidence,
        { name: role.name, fqdn: role.internetFqdn!, why: 'an internet DP of the site' },
        () =>
          mainClient.send(
            {
              method: 'GET',
              target,
              headers: [
                ['User-Agent', 'Microsoft BITS/7.8'],
                ['Range', 'bytes=0-0'],
              ],
            },
            `https://${role.internetFqdn}:${port}`,
          ),
        (entry) => entry.target === target,
      );
    }

    const lab = await twoMpLab(variantLab);
    const client = newClient(lab.clientProfile(), { timeoutMs: 3000 });
    const mps = await listedMps(lab, client, evidence);
    const source = expectedSource(lab, client);
    // Every MP a client could pick: reached by its listed name, through the published path, journaled.
    for (const mp of mps)
      await assertServesInternetClients(
        lab,
        client,
        evidence,
        { name: mp.name, fqdn: mp.fqdn, why: 'the site lists it' },
        () => mpList(client, mp.fqdn),
        (entry) => entry.target.includes('MPLIST'),
      );

    // The client's choices over many first contacts, counted where they arrived.
    const marks = mps.map((mp) => lab.journal(mp.name).mark());
    const random = seededRandom(20261125);
    const chosen = new Map(mps.map((mp) => [mp.fqdn, 0]));
    for (let i = 0; i < SELECTIONS; i++) {
      const fqdn = ManagementPointSelector.pick(
        mps.map((mp) => mp.fqdn),
        random,
      );
      const exchange = await mpList(client, fqdn);
      ensure(exchange.status === 200, `selection ${i + 1} (${fqdn}): ${describeClientResult(exchange)}`, 'site-system-unreachable');
      chosen.set(fqdn, chosen.get(fqdn)! + 1);
    }
    const journalCounts = mps.map((mp, index) => mpListEntries(lab.journal(mp.name).since(marks[index]!)).length);
    evidence.note(
      `client chose ${mps.map((mp) => `${mp.fqdn} ×${chosen.get(mp.fqdn)}`).join(', ')}; journals: ${mps.map((mp, index) => `${mp.name} ${journalCounts[index]}`).join(', ')}`,
    );
    ensure(
      mps.every((mp, index) => journalCounts[index] === chosen.get(mp.fqdn)),
      'the MP journals do not count what the client chose',
      'choices-not-journaled',
    );
    const chi2 = chiSquare(journalCounts);
    const critical = CHI2_CRITICAL[Math.min(CHI2_CRITICAL.length, mps.length - 1) - 1]!;
    ensure(
      chi2 < critical,
      `χ² = ${chi2.toFixed(2)} over ${SELECTIONS} selections (${journalCounts.join(' / ')}) rejects a uniform choice at p = 0.05`,
      'choice-not-uniform',
    );
    evidence.pass(
      `each of the ${mps.length} internet MPs the site lists (${mps.map((mp) => mp.fqdn).join(', ')}) and the ${distributionPoints.length} internet DP(s) of the topology answered an internet client by that name${source ? ` through ${lab.proxyContract ? 'the proxy' : 'the direct path'} (${source})` : ''}; ${SELECTIONS} seeded selections reached them ${journalCounts.join(' / ')} times (journals agree with the client), χ² = ${chi2.toFixed(2)} < ${critical}`,
    );
  },
);

check(
  'LOC-FAILOVER',
  'when its MP stops answering, the client reaches another internet MP after five failures within ten minutes',
  async ({ newClient, evidence, variantLab }) => {
    const lab = await twoMpLab(variantLab);
    const client = newClient(lab.clientProfile(), { timeoutMs: 2000 });
    const mps = await listedMps(lab, client, evidence);
    const source = expectedSource(lab, client);
    // The client uses the MP it was installed with; that one stops answering.
    const first = mps.find((mp) => mp.fqdn === client.profile.install.CCMHOSTNAME);
    prerequisite(first, `the MP list does not name the client's own MP ${client.profile.install.CCMHOSTNAME}`);
    let clock = 0;
    const selector = new ManagementPointSelector(
      mps.map((mp) => mp.fqdn),
      seededRandom(7),
      { now: () => clock, current: first.fqdn },
    );
    const marks = new Map(mps.map((mp) => [mp.name, lab.journal(mp.name).mark()]));
    const down = await lab.takeDown(first.name);
    const attempts: { target: string; exchange: Exchange }[] = [];
    let reached: Exchange | undefined;
    try {
      for (let attempt = 1; attempt <= 10 && !reached; attempt++) {
        const target = selector.current;
        const exchange = await mpList(client, target);
        evidence.sent(exchange);
        attempts.push({ target, exchange });
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
    const describe = attempts.map((attempt) => `${attempt.target}: ${describeClientResult(attempt.exchange)}`).join('; ');
    evidence.note(`attempts: ${describe}`);
    const moved = selector.switches[0];
    ensure(
      moved && moved.afterFailures === 5 && attempts.filter((attempt) => attempt.target === first.fqdn).length === 5,
      `the client did not move after 5 failed attempts at ${first.fqdn}: ${describe}`,
      'failover-count',
    );
    const other = mps.find((mp) => mp.fqdn === moved.to)!;
    const atOther = attempts.filter((attempt) => attempt.target === other.fqdn);
    const seen = new Map(mps.map((mp) => [mp.name, mpListEntries(lab.journal(mp.name).since(marks.get(mp.name)!))]));
    for (const mp of mps) evidence.received(mp.name, seen.get(mp.name)!);
    ensure(
      !atOther.some((attempt) => unresolved(attempt.exchange)),
      `the client moved to ${other.fqdn}, which the site lists but whose name does not resolve on the internet: ${describe}`,
      'failover-target-unresolvable',
    );
    ensure(
      reached && seen.get(other.name)!.length === 1,
      `the client moved to ${other.fqdn} but never reached ${other.name} (its journal shows ${seen.get(other.name)!.length} request(s)): ${describe}`,
      'failover-target-unreachable',
    );
    ensure(
      seen.get(first.name)!.length === 0,
      `${first.name} was down but its journal shows ${seen.get(first.name)!.length} request(s)`,
      'failover-source-answered',
    );
    ensure(
      !source || addressOf(seen.get(other.name)![0]!) === source,
      `${other.name} received the request from ${addressOf(seen.get(other.name)![0]!)}, not through ${lab.proxyContract ? `the proxy (${source})` : `the client (${source})`}`,
      'failover-not-through-proxy',
    );
    evidence.pass(
      `with ${first.name} down the client failed 5 times at ${first.fqdn} (a minute apart) and then reached ${other.fqdn}: ${other.name}'s journal shows the request${source ? `, from ${source}` : ''}`,
    );
  },
);
