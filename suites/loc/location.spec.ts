// LOC-DETECT-*, LOC-SWITCH, LOC-INTERNET-ONLY (seed 000, 004; W:43, W:51): a client that reaches its
// domain controller or an intranet MP is "currently intranet", otherwise "currently internet"; an
// intranet-and-internet client follows its location when it moves, an internet-only one uses
// internet site systems everywhere. Moving a client (embedded driver) changes its DNS view and
// its source address. Verdicts rest on the client's detection AND on the DC beacon's and the MP's
// journals (which name the MP was asked by, and from which address).
import type { JournalEntry } from '../../harness/http/index.js';
import {
  CCM_USER_AGENT,
  detectNetworkLocation,
  managementPointAt,
  type ClientProfile,
  type IbcmClient,
  type LocationDetection,
  type NetworkLocation,
} from '../../harness/client/index.js';
import type { Lab } from '../../harness/lab/index.js';
import type { Segment } from '../../harness/topology/index.js';
import { ensure } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { describeClientResult, nameReached } from '../verify.js';

type Install = 'intranet+internet' | 'internet-only';

/** The topology's first client on `segment`, installed as `install` (and optionally as a workgroup computer). */
function profileAt(lab: Lab, segment: Segment, install: Install, options: { domainJoined?: boolean; dnsOf?: Segment } = {}): ClientProfile {
  const base = lab.clientProfile(undefined, { segment });
  const profile: ClientProfile = { ...base, install: { ...base.install, CCMALWAYSINF: install === 'internet-only' ? 1 : 0 } };
  if (options.domainJoined === false) delete profile.domainController;
  if (options.dnsOf) profile.dns = { host: lab.dns(options.dnsOf).host, port: lab.dns(options.dnsOf).port };
  return profile;
}

const hostHeader = nameReached;

interface Visit {
  detection: LocationDetection;
  origin: string;
  /** What the MP journal recorded for the MP-list request. */
  received: JournalEntry[];
  dcConnections: { remoteAddress: string }[];
}

/** Detect, then ask the MP the client would use there for its MP list; collect both journals. */
async function visit(lab: Lab, client: IbcmClient, evidence: CheckFixtures['evidence'], label: string): Promise<Visit> {
  const mp = lab.siteSystem('management-point');
  const journal = lab.journal(mp.name);
  const dc = lab.domainController;
  ensure(dc, 'the topology has no domain-controller beacon (add `- kind: domain-controller` to its roles)');
  const [mark, dcMark] = [journal.mark(), dc.mark()];
  const detection = await detectNetworkLocation(client);
  const origin = managementPointAt(client, detection.location);
  const exchange = await client.send(
    { method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST1&${client.profile.install.SMSSITECODE}`, headers: [['User-Agent', CCM_USER_AGENT]] },
    origin,
  );
  evidence.sent(exchange);
  ensure(exchange.status === 200, `${label}: MP list from ${origin}: ${describeClientResult(exchange)}`, 'mp-list-unreachable');
  const received = journal.since(mark).filter((entry) => entry.target.includes('MPLIST'));
  evidence.received(`${mp.name} (${label})`, received);
  const fromClient = () => dc.since(dcMark).filter((entry) => entry.remoteAddress.replace(/^::ffff:/, '') === client.profile.localAddress);
  // A beacon in a container (docker driver) reports its connections a moment later: when the client
  // says it reached a DC (not merely the intranet MP), give the record up to 3 s to arrive.
  const reachedDc = detection.probes.some((probe) => probe.what === 'domain-controller' && probe.reachable);
  for (let waited = 0; reachedDc && fromClient().length === 0 && waited < 3000; waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
  const dcConnections = fromClient();
  evidence.note(
    `${label}: detected ${detection.location} (${detection.reason}); MP list from ${origin}; MP journal Host ${received.map(hostHeader).join(', ') || 'nothing'}; DC beacon saw ${dcConnections.length} connection(s) from ${client.profile.localAddress}`,
  );
  return { detection, origin, received, dcConnections };
}

/** The client used the MP as `scope` names it — the MP's journal says so — from its own address. */
function usedScope(lab: Lab, seen: Visit, scope: NetworkLocation, client: IbcmClient): boolean {
  const mp = lab.siteSystem('management-point');
  const name = scope === 'internet' ? mp.internetFqdn : mp.intranetFqdn;
  return (
    seen.received.length > 0 &&
    seen.received.every((entry) => hostHeader(entry) === name) &&
    (scope === 'internet' && lab.mode !== 'direct'
      ? true
      : seen.received.every((entry) => entry.remoteAddress.replace(/^::ffff:/, '') === client.profile.localAddress))
  );
}

check(
  'LOC-DETECT-INTRANET',
  'a client that reaches a DC or an intranet MP is "currently intranet" and uses intranet site systems',
  async ({ lab, newClient, evidence }) => {
    const client = newClient(profileAt(lab, 'intranet', 'intranet+internet'));
    const seen = await visit(lab, client, evidence, 'on the intranet, domain-joined');
    ensure(
      seen.detection.location === 'intranet' && seen.detection.probes[0]?.what === 'domain-controller',
      `the client did not detect the intranet through its DC: ${seen.detection.reason}`,
    );
    ensure(seen.dcConnections.length > 0, `the DC beacon saw no connection from ${client.profile.localAddress}`);
    ensure(
      usedScope(lab, seen, 'intranet', client),
      `the MP journal does not show the client using the intranet MP name from its intranet address (Host ${seen.received.map(hostHeader).join(', ')})`,
    );
    // The other branch: no DC known (a workgroup computer), the intranet MP alone makes it intranet.
    const noDc = newClient(profileAt(lab, 'intranet', 'intranet+internet', { domainJoined: false }));
    const viaMp = await visit(lab, noDc, evidence, 'on the intranet, no DC known');
    ensure(
      viaMp.detection.location === 'intranet' &&
        viaMp.detection.probes.some((probe) => probe.what === 'intranet-management-point' && probe.reachable),
      `without a DC the intranet MP did not make the client intranet: ${viaMp.detection.reason}`,
    );
    ensure(usedScope(lab, viaMp, 'intranet', noDc), 'without a DC the client did not use the intranet MP');
    // Negative control: the same computer on the internet is not intranet, and the check says so.
    const outside = await visit(lab, newClient(profileAt(lab, 'internet', 'intranet+internet')), evidence, 'control: on the internet');
    ensure(
      outside.detection.location === 'internet' && !usedScope(lab, outside, 'intranet', client),
      'negative control: a client on the internet passed as intranet',
      'internet-client-detected-intranet',
    );
    evidence.pass(
      `on the intranet the client ${seen.detection.reason} (DC beacon: ${seen.dcConnections.length} connection(s)) and asked the MP by its intranet name; without a DC, ${viaMp.detection.reason}; control: on the internet it is not intranet`,
    );
  },
);

check(
  'LOC-DETECT-INTERNET',
  'a client that reaches neither a DC nor an intranet MP is "currently internet" and uses the internet MP',
  async ({ lab, newClient, evidence }) => {
    const client = newClient(profileAt(lab, 'internet', 'intranet+internet'));
    const seen = await visit(lab, client, evidence, 'on the internet');
    ensure(
      seen.detection.location === 'internet',
      `the client on the internet detected ${seen.detection.location}: ${seen.detection.reason}`,
      'internet-client-detected-intranet',
    );
    ensure(
      seen.detection.probes.length === 2 && seen.detection.probes.every((probe) => !probe.reachable),
      `the client did not try (and fail) both the DC and the intranet MP: ${JSON.stringify(seen.detection.probes)}`,
    );
    ensure(seen.dcConnections.length === 0, 'the DC beacon saw a connection from the internet client');
    ensure(
      usedScope(lab, seen, 'internet', client),
      `the MP journal does not show the internet MP name (Host ${seen.received.map(hostHeader).join(', ')})`,
    );
    // Negative control: a DNS view that leaks intranet names to the internet makes the DC reachable,
    // and the client then (wrongly, for the lab) thinks it is on the intranet — the check catches it.
    const leaky = {
      detection: await detectNetworkLocation(newClient(profileAt(lab, 'internet', 'intranet+internet', { dnsOf: 'intranet' }))),
    };
    evidence.note(`control: with a leaky DNS view the client detected ${leaky.detection.location} (${leaky.detection.reason})`);
    ensure(
      leaky.detection.location === 'intranet',
      `negative control: with a DNS view that leaks intranet names the client still detected ${leaky.detection.location}`,
    );
    evidence.pass(
      `on the internet the client ${seen.detection.reason}, the DC beacon saw nothing from it, and it asked the MP as ${lab.siteSystem('management-point').internetFqdn}; control: a DNS view that leaks intranet names flips the detection, so a leak would be caught`,
    );
  },
);

check('LOC-SWITCH', 'an intranet-and-internet client switches by itself when its network changes', async ({ lab, newClient, evidence }) => {
  const steps: { segment: Segment; expect: NetworkLocation }[] = [
    { segment: 'internet', expect: 'internet' },
    { segment: 'intranet', expect: 'intranet' },
    { segment: 'internet', expect: 'internet' },
  ];
  const trail: string[] = [];
  const addresses = new Set<string>();
  let stationed = false;
  for (const [index, step] of steps.entries()) {
    // Moving: the same computer (same identity) onto its new segment — on the docker driver its
    // station container leaves one network and joins the other; embedded, its source address and DNS view change.
    const moved = await lab.moveClient(undefined, step.segment);
    stationed ||= Boolean(moved.station);
    const client = newClient({ ...moved, install: { ...moved.install, CCMALWAYSINF: 0 } });
    addresses.add(client.profile.localAddress ?? '');
    const seen = await visit(lab, client, evidence, `move ${index + 1}: ${step.segment}`);
    ensure(
      seen.detection.location === step.expect,
      `after moving to the ${step.segment} the client detected ${seen.detection.location}: ${seen.detection.reason}`,
      'wrong-location-after-move',
    );
    ensure(
      usedScope(lab, seen, step.expect, client),
      `after moving to the ${step.segment} the MP journal shows Host ${seen.received.map(hostHeader).join(', ')}`,
    );
    trail.push(`${step.segment} → ${seen.detection.location} (${seen.received.map(hostHeader).join(', ')})`);
  }
  ensure(addresses.size >= 2, "the moves did not change the client's source address");
  const how = stationed
    ? 'its station container was disconnected from one segment network and connected to the other'
    : 'its source address and DNS view changed with the segment';
  // Negative control: a client that does not re-detect after moving onto the intranet keeps the
  // internet MP — the same assertion fails on it.
  const stale = newClient(profileAt(lab, 'intranet', 'intranet+internet'));
  const mp = lab.siteSystem('management-point');
  const journal = lab.journal(mp.name);
  const mark = journal.mark();
  const exchange = await stale.send(
    { method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST1&${stale.profile.install.SMSSITECODE}`, headers: [['User-Agent', CCM_USER_AGENT]] },
    managementPointAt(stale, 'internet'),
  );
  evidence.sent(exchange);
  const staleSeen = journal.since(mark).filter((entry) => entry.target.includes('MPLIST'));
  ensure(
    !usedScope(
      lab,
      { detection: { location: 'internet', reason: 'not re-detected', probes: [] }, origin: '', received: staleSeen, dcConnections: [] },
      'intranet',
      stale,
    ),
    'negative control: a client that kept its internet location on the intranet passed as switched',
  );
  evidence.pass(
    `the client followed its moves: ${trail.join('; ')}; ${how}; control: without re-detection the journal shows the stale internet name`,
  );
});

check(
  'LOC-INTERNET-ONLY',
  'an internet-only client uses internet site systems only, also on the intranet',
  async ({ lab, newClient, evidence }) => {
    const client = newClient(profileAt(lab, 'intranet', 'internet-only'));
    const mark = lab.journal(lab.siteSystem('management-point').name).mark();
    const seen = await visit(lab, client, evidence, 'internet-only, on the intranet');
    ensure(
      usedScope(lab, seen, 'internet', client),
      `the internet-only client on the intranet asked the MP as ${seen.received.map(hostHeader).join(', ')}, not by its internet name`,
    );
    const mp = lab.siteSystem('management-point');
    const intranetUse = lab
      .journal(mp.name)
      .since(mark)
      .filter(
        (entry) => entry.remoteAddress.replace(/^::ffff:/, '') === client.profile.localAddress && hostHeader(entry) === mp.intranetFqdn,
      );
    ensure(intranetUse.length === 0, `the internet-only client reached the MP by its intranet name ${intranetUse.length} time(s)`);
    // Negative control: the same computer installed intranet-and-internet does use the intranet MP there.
    const control = newClient(profileAt(lab, 'intranet', 'intranet+internet'));
    const controlSeen = await visit(lab, control, evidence, 'control: intranet-and-internet, on the intranet');
    ensure(
      !usedScope(lab, controlSeen, 'internet', control),
      'negative control: an intranet-and-internet client on the intranet passed as internet-only',
    );
    evidence.pass(
      `on the intranet (detected ${seen.detection.location}) the internet-only client still asked the MP as ${mp.internetFqdn}; the MP journal shows no request by its intranet name from it; control: an intranet-and-internet client there uses ${mp.intranetFqdn}`,
    );
  },
);
