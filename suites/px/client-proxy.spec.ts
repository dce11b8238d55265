// PX-CLIENT-PROXY: internet clients work through a client-side web proxy (HTTP CONNECT) as well as
// with a direct connection (seed 000). The proxy's log shows the CONNECT; the MP sees the client's
// own certificate, since CONNECT leaves TLS end to end.
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { probeEndpoints, publishedHttpsEndpoints } from '../pki/anonymous.js';
import { describeClientResult, proxyLogLines, siteReason } from '../verify.js';

check('PX-CLIENT-PROXY', 'a client behind a web proxy (CONNECT) registers and gets policy', async ({ lab, client, evidence }) => {
  prerequisite(client.profile.webProxy, 'the client has no web proxy in forward mode');
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const registration = await client.register();
  evidence.sent(registration.exchange);
  ensure(
    client.smsId,
    `registration through the web proxy failed: ${describeClientResult(registration.exchange)}${siteReason(lab, registration.exchange)}`,
    'registration-failed',
  );
  const assignments = await client.requestAssignments();
  evidence.sent(assignments.exchange);
  const received = journal.since(mark);
  evidence.received('mp1', received);
  ensure(
    assignments.assignments.length > 0,
    `policy assignments through the web proxy failed: ${describeClientResult(assignments.exchange)}${siteReason(lab, assignments.exchange)}`,
    'policy-failed',
  );
  const connects = await proxyLogLines(
    lab,
    (line) => line.includes(`CONNECT ${client.profile.install.CCMHOSTNAME}:${client.profile.install.CCMHTTPSPORT}`),
    1000,
  );
  const proxyAddress = client.profile.webProxy.host;
  const viaProxy = received.every((entry) => entry.remoteAddress === lab.proxyContract?.egress.host);
  ensure(
    connects.length > 0 || viaProxy,
    `the requests did not go through the web proxy ${proxyAddress} (its log shows no CONNECT, and the MP saw ${[...new Set(received.map((entry) => entry.remoteAddress))].join(', ')})`,
    'not-through-proxy',
  );
  const peer = received[0]?.tls?.peerCertificate;
  ensure(
    peer && peer.subject.includes(client.profile.fqdn),
    `the MP did not see the client's own certificate through the CONNECT tunnel (${peer?.subject ?? 'none'})`,
    'tls-not-end-to-end',
  );
  // Every internet site system, not just the MP: a CONNECT policy that leaves one out (an allow-list, SSL_ports without 8531) loses it.
  const reached: string[] = [];
  for (const { endpoint, exchange, received: arrived } of await probeEndpoints(lab, client, evidence, publishedHttpsEndpoints(lab))) {
    ensure(
      arrived.length > 0,
      `${endpoint.origin} (${endpoint.role}) could not be reached through the web proxy: ${describeClientResult(exchange)}`,
      'connect-refused',
    );
    reached.push(`${endpoint.origin} (${arrived[0]!.response.status})`);
  }
  evidence.pass(
    `through the web proxy ${proxyAddress}: CONNECT ${client.profile.install.CCMHOSTNAME}:${client.profile.install.CCMHTTPSPORT}, registration as ${client.smsId} and ${assignments.assignments.length} policy assignment(s); the MP saw ${peer.subject}; every published HTTPS site system answered through it: ${reached.join(', ')}`,
  );
});
