// How the published path treats TLS, per mode (seed 000 "SSL bridging" / "SSL tunnelling";
// seed 001; research W:48): a bridge authenticates the client and opens its own authenticated
// connection; a tunnel passes the client's TLS through untouched; either way the MP identifies
// clients by their signed messages, never the TLS peer.
import type { Lab } from '../../harness/lab/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { fspStateMessage } from '../../harness/ccm-messaging/index.js';
import { probeAnonymously, probeOutcome, publishedHttpsEndpoints } from '../pki/anonymous.js';
import { arrival, describeClientResult, responseIntact, siteReason } from '../verify.js';

const MP = 'mp1';

function serial(value: string | undefined): string {
  return (value ?? '').replace(/:/g, '').replace(/^0+/, '').toLowerCase();
}

function certificate(lab: Lab, name: string) {
  const found = lab.certificates.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`the lab has no certificate "${name}"`);
  return found;
}

check(
  'PX-BRIDGE-MUTUAL',
  'the bridge authenticates the client and re-authenticates upstream with its own certificate',
  async ({ lab, client, newClient, evidence }) => {
    const journal = lab.journal(MP);
    const mark = journal.mark();
    const list = await client.getMpList();
    evidence.sent(list);
    const received = journal.since(mark);
    evidence.received(MP, received);
    const proxyServer = certificate(lab, 'proxy-server');
    const proxyClient = certificate(lab, 'proxy-client');
    ensure(
      list.status === 200 && received.length === 1,
      `with a valid client certificate the MP list did not come through: ${describeClientResult(list)}, MP received ${received.length} request(s)`,
      'not-received',
    );
    ensure(
      serial(list.tls?.serialNumber) === serial(proxyServer.serialNumber),
      `the client was not served by the bridge's own server certificate (it saw ${list.tls?.subject} serial ${list.tls?.serialNumber}); TLS is not terminated at the proxy`,
      'tls-not-terminated',
    );
    const upstream = received[0]!.tls;
    const upstreamPeer = upstream?.peerCertificate;
    ensure(
      upstreamPeer && upstream.authorized,
      `the bridge connected to the MP without an accepted client certificate (${upstream?.authorizationError ?? 'no certificate'}); an HTTPS MP requires one`,
      'upstream-not-authenticated',
    );
    ensure(
      serial(upstreamPeer.serialNumber) === serial(proxyClient.serialNumber),
      `the MP saw client certificate ${upstreamPeer.subject} serial ${upstreamPeer.serialNumber}, not the bridge's own (${proxyClient.subject}); the proxy did not open a new authenticated connection`,
      'upstream-not-authenticated',
    );
    // The contract names the TLS server name for each upstream (docs/proxy-contract.md); the site system picks its binding by it.
    const mpName = lab.siteSystems.find((system) => system.name === MP)?.internetFqdn?.toLowerCase();
    const expectedName = lab.proxyContract?.listeners.find(
      (listener) => listener.scheme === 'https' && listener.publicName.toLowerCase() === mpName,
    )?.upstream.serverName;
    prerequisite(expectedName, 'the proxy contract has no https listener for the MP');
    ensure(
      upstream.servername?.toLowerCase() === expectedName.toLowerCase(),
      `the bridge sent ${upstream.servername ? `the TLS server name ${upstream.servername}` : 'no TLS server name (SNI)'} to the MP; the contract names ${expectedName}`,
      'upstream-sni',
    );

    // Every published HTTPS listener, not just the MP's: the bridge must refuse a client without a certificate before anything goes upstream.
    const probes = await probeAnonymously(lab, newClient, evidence, publishedHttpsEndpoints(lab));
    const leaked = probes.filter(
      (probe) => probe.received.length > 0 || (probe.exchange.status !== undefined && probe.exchange.status < 400),
    );
    ensure(
      leaked.length === 0,
      `a client without a certificate was let through by the bridge on ${leaked.map(probeOutcome).join('; ')}; the proxy must authenticate clients on every listener`,
      'anonymous-served',
    );
    evidence.pass(
      `the client was served by the bridge's certificate (${proxyServer.subject}); the MP saw the bridge's client certificate (${proxyClient.subject}, authorized) under the TLS server name ${expectedName}; a client without a certificate was refused at the bridge on every HTTPS listener: ${probes.map(probeOutcome).join('; ')}`,
    );
  },
);

check('PX-BRIDGE-IDENTITY', 'two clients through one bridge keep their own identity and policy', async ({ lab, newClient, evidence }) => {
  const journal = lab.journal(MP);
  const mark = journal.mark();
  const [first, second] = [newClient('ws01'), newClient('ws02')];
  const registrations = await Promise.all([first.register(), second.register()]);
  registrations.forEach((registration) => evidence.sent(registration.exchange));
  prerequisite(
    first.smsId && second.smsId,
    `registration failed: ${registrations.map((r) => describeClientResult(r.exchange) + siteReason(lab, r.exchange)).join('; ')}`,
  );
  ensure(
    first.smsId !== second.smsId,
    `both clients were registered under the same SMSID ${first.smsId}: the MP took the proxy for the client`,
    'identity-mixed',
  );
  const replies = await Promise.all([first.requestAssignments(), second.requestAssignments()]);
  replies.forEach((reply) => evidence.sent(reply.exchange));
  for (const [index, client] of [first, second].entries()) {
    const reply = replies[index]!;
    const echoed = /<ClientID>([^<]+)<\/ClientID>/.exec(reply.reply?.bodyXml ?? '')?.[1];
    prerequisite(
      reply.reply && echoed,
      `${client.profile.computerName} got no assignment reply: ${describeClientResult(reply.exchange)}${siteReason(lab, reply.exchange)}`,
    );
    ensure(
      echoed === client.smsId,
      `${client.profile.computerName} (${client.smsId}) received the policy of ${echoed}: identities were mixed up`,
      'identity-mixed',
    );
  }
  // Policy bodies through the bridge, one after the other: a policy both clients are assigned has one
  // URL and a body per client (it embeds the client's ID, W:20). A bridge that answers the second
  // GET from what it fetched for the first (a cache keyed by URL) hands one client the other's policy.
  const shared = replies[0]!.assignments.find((assignment) =>
    replies[1]!.assignments.some((other) => other.location === assignment.location),
  );
  prerequisite(
    shared,
    `the two clients were assigned no policy in common (${replies.map((reply) => reply.assignments.map((a) => a.policyId).join(', ')).join(' / ')})`,
  );
  const fetched = [];
  for (const client of [first, second]) {
    const own = replies[client === first ? 0 : 1]!.assignments.find((assignment) => assignment.location !== shared.location);
    for (const assignment of own ? [shared, own] : [shared])
      fetched.push({ client, assignment, exchange: await client.getPolicyBody(assignment) });
  }
  fetched.forEach(({ exchange }) => evidence.sent(exchange));
  const received = journal.since(mark);
  evidence.received(MP, received);
  for (const { client, assignment, exchange } of fetched) {
    // The MP's answer to this client's own request (its CCMClientID), from the MP's journal.
    const entry = received.find(
      (candidate) =>
        candidate.method === 'GET' &&
        candidate.target === exchange.target &&
        candidate.headers.some(([name, value]) => name.toLowerCase() === 'ccmclientid' && value === client.smsId),
    );
    const body = exchange.responseBody?.toString('utf8') ?? '';
    const embedded = /<ClientID>([^<]+)<\/ClientID>/.exec(body)?.[1];
    if (!entry) {
      // A request that reached the MP altered (its target re-encoded, its CCMClientID dropped) is the
      // finding of PX-URL-EXACT or PX-HDR-*: this check then cannot tell whose policy was served.
      // (Requests another client of this check sent, by its own CCMClientID, are not this one altered.)
      const others = fetched.map((item) => item.client.smsId).filter((id) => id !== client.smsId);
      const candidates = received.filter(
        (candidate) =>
          candidate.method === 'GET' &&
          !candidate.headers.some(([name, value]) => name.toLowerCase() === 'ccmclientid' && others.includes(value)),
      );
      const decoded = (target: string) => {
        try {
          return decodeURIComponent(target);
        } catch {
          return target;
        }
      };
      const same = candidates.filter((candidate) => decoded(candidate.target) === decoded(exchange.target));
      const altered = arrival(exchange, same, { headers: ['CCMClientID'] });
      prerequisite(
        !altered.entry || altered.problems.length === 0,
        `${client.profile.computerName}'s request for policy ${assignment.policyId} reached the MP altered: ${altered.problems.map((found) => found.text).join('; ')}`,
      );
    }
    ensure(
      entry,
      `${client.profile.computerName} (${client.smsId}) fetched policy ${assignment.policyId} and ${describeClientResult(exchange)}${embedded && embedded !== client.smsId ? ` — the body of ${embedded}` : ''}, but no request of its own reached the MP: the bridge answered it without asking the MP`,
      'policy-of-another-client',
    );
    const intact = responseIntact(exchange, entry);
    ensure(
      !intact,
      `${client.profile.computerName}'s policy ${assignment.policyId}: ${intact}`,
      embedded && embedded !== client.smsId ? 'policy-of-another-client' : 'response-changed',
    );
    prerequisite(
      exchange.status === 200,
      `the MP refused ${client.profile.computerName}'s policy ${assignment.policyId}: ${describeClientResult(exchange)}${siteReason(lab, exchange)}`,
    );
    ensure(
      embedded === client.smsId,
      `${client.profile.computerName} (${client.smsId}) got policy ${assignment.policyId} for ${embedded ?? '(no client ID)'}`,
      'policy-of-another-client',
    );
  }
  const peers = new Set(received.map((entry) => entry.tls?.peerCertificate?.serialNumber ?? 'none'));
  evidence.note(`TLS peers seen by the MP: ${[...peers].join(', ')}`);
  evidence.pass(
    `${first.profile.computerName} and ${second.profile.computerName} registered as ${first.smsId} and ${second.smsId}, each got its own assignments and its own body of the shared policy ${shared.policyId} (the MP answered each request itself), ` +
      `although the MP saw ${peers.size === 1 ? 'one TLS peer (the bridge) for both' : `${peers.size} TLS peers`}: identity came from the signed messages`,
  );
});

check(
  'PX-TUNNEL-PASSTHRU',
  "the tunnel passes TLS through: the MP sees the client's own certificate",
  async ({ lab, client, evidence }) => {
    const journal = lab.journal(MP);
    const mark = journal.mark();
    const list = await client.getMpList();
    evidence.sent(list);
    const received = journal.since(mark);
    evidence.received(MP, received);
    const mpCertificate = certificate(lab, MP);
    const clientCertificate = certificate(lab, client.profile.name);
    ensure(
      list.status === 200 && received.length === 1,
      `the MP list did not come through the tunnel: ${describeClientResult(list)}, MP received ${received.length} request(s)`,
      'not-served',
    );
    ensure(
      serial(list.tls?.serialNumber) === serial(mpCertificate.serialNumber),
      `the client saw certificate ${list.tls?.subject} serial ${list.tls?.serialNumber}, not the MP's own (${mpCertificate.serialNumber}): TLS was terminated on the way`,
      'tls-terminated',
    );
    const peer = received[0]!.tls?.peerCertificate;
    ensure(
      peer && serial(peer.serialNumber) === serial(clientCertificate.serialNumber),
      `the MP saw client certificate ${peer?.subject ?? '(none)'} instead of the client's own (${clientCertificate.subject}): TLS was terminated on the way`,
      'tls-terminated',
    );
    const held = (lab.proxyContract?.listeners ?? []).filter((listener) => listener.tls || listener.upstream.clientCertificate);
    ensure(
      held.length === 0,
      `the tunnel was given certificates for ${held.map((listener) => listener.name).join(', ')}; tunnelling needs none`,
      'contract-certificates',
    );
    evidence.pass(
      `end-to-end TLS: the client saw the MP's own certificate (${mpCertificate.subject}) and the MP saw the client's (${clientCertificate.subject}); the proxy held no certificate`,
    );
  },
);

check(
  'PX-BRIDGE-NO-DOWNGRADE',
  'the bridge keeps each published path in its own scheme (no HTTPS → HTTP, no HTTP → HTTPS)',
  async ({ lab, client, evidence }) => {
    const journal = lab.journal(MP);
    const mark = journal.mark();
    const list = await client.getMpList();
    evidence.sent(list);
    const received = journal.since(mark);
    evidence.received(MP, received);
    ensure(
      received.length === 1,
      `the MP list request did not reach the MP once (${received.length}): ${describeClientResult(list)}`,
      'not-received',
    );
    const tls = received[0]!.tls;
    prerequisite(list.tls, 'the client did not use HTTPS to the MP');
    ensure(
      tls,
      `the bridge forwarded the client's HTTPS request to the MP over plain HTTP (listener ${received[0]!.listener}): Configuration Manager does not support bridging HTTPS to HTTP`,
      'downgraded-to-http',
    );
    // The other direction: the FSP is published over plain HTTP (seed 000) and must reach it that way.
    const fsp = lab.siteSystem('fallback-status-point');
    const fspJournal = lab.journal(fsp.name);
    const fspMark = fspJournal.mark();
    const origin = client.originOf('fallback-status-point');
    prerequisite(origin.startsWith('http://'), `the FSP is published as ${origin}, not plain HTTP`);
    const body = fspStateMessage({
      clientName: client.profile.computerName,
      siteCode: lab.topology.site.code,
      stateId: 2,
      message: 'lab check: the FSP path keeps its scheme',
    });
    const state = await client.send(
      {
        method: 'POST',
        target: '/SMS_FSP/.sms_fsp',
        headers: [
          ['User-Agent', 'SMS CCM 5.0'],
          ['Content-Type', 'text/xml'],
        ],
        body,
      },
      origin,
    );
    evidence.sent(state);
    const fspReceived = fspJournal.since(fspMark);
    evidence.received(fsp.name, fspReceived);
    const { entry, problems } = arrival(state, fspReceived, { headers: [] });
    // An FSP path that is not published at all is another requirement's finding (PX-PORTS): nothing is learnt about its scheme.
    prerequisite(entry, `the client's plain-HTTP state message did not reach the FSP: ${problems[0]}; ${describeClientResult(state)}`);
    ensure(
      !entry.tls,
      `the bridge forwarded the client's plain-HTTP request to the FSP over ${entry.tls?.protocol ?? 'TLS'} (listener ${entry.listener}): Configuration Manager does not support bridging HTTP to HTTPS`,
      'upgraded-to-https',
    );
    evidence.pass(
      `client → bridge over ${list.tls.protocol} and bridge → MP over ${tls.protocol}: HTTPS on both legs; client → bridge → FSP plain HTTP on both legs (FSP listener ${entry.listener})`,
    );
  },
);

check('PX-PORTFORWARD', 'port forwarding carries TLS end to end, like tunnelling (lab use only)', async ({ lab, client, evidence }) => {
  const journal = lab.journal(MP);
  const mark = journal.mark();
  const list = await client.getMpList();
  evidence.sent(list);
  const received = journal.since(mark);
  evidence.received(MP, received);
  const clientCertificate = certificate(lab, client.profile.name);
  const peer = received[0]?.tls?.peerCertificate;
  ensure(
    list.status === 200 && peer,
    `the forwarded connection did not carry the client's TLS to the MP: ${describeClientResult(list)}`,
    'not-served',
  );
  ensure(
    serial(peer.serialNumber) === serial(clientCertificate.serialNumber),
    `the MP saw ${peer.subject}, not the client's own certificate: the forwarder terminated TLS`,
    'tls-terminated',
  );
  evidence.note(
    'Seed 001 calls port forwarding the least secure option: the published port is opened straight through to the site system.',
  );
  evidence.pass(
    `the published port forwarded the client's own TLS session to the MP (client certificate ${clientCertificate.subject} seen at the MP)`,
  );
});
