// PKI-MTLS: client and internet-facing site systems authenticate each other with PKI
// certificates (seed 000 "Planning for certificates"; seed 001). The client verifies the server
// chain to the lab root; the site side — the MP itself, or the bridging proxy in front of it —
// requires and verifies the client certificate, so a client without one gets nowhere.
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult, proxyLogLines } from '../verify.js';
import { probeAnonymously, probeOutcome, publishedHttpsEndpoints } from './anonymous.js';

check('PKI-MTLS', 'client and site system authenticate each other with PKI certificates', async ({ lab, mode, client, newClient, evidence }) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const list = await client.getMpList();
  evidence.sent(list);
  const received = journal.since(mark);
  evidence.received('mp1', received);
  const internetFqdn = client.profile.install.CCMHOSTNAME;
  ensure(list.status === 200 && list.tls?.authorized, `the client could not complete mutual TLS: ${describeClientResult(list)}`, 'no-mutual-tls');
  ensure(list.tls.subjectAltName.includes(`DNS:${internetFqdn}`), `the server certificate the client saw does not name ${internetFqdn} (SAN ${list.tls.subjectAltName})`, 'server-san');
  const site = received[0]?.tls;
  ensure(site?.authorized && site.peerCertificate, `the MP did not authenticate a client certificate (${site?.authorizationError ?? 'no TLS facts'})`, 'site-no-client-certificate');
  let clientSide: string;
  if (mode === 'bridge') {
    const authenticated = (await proxyLogLines(lab, (line) => line.includes(`authenticated as CN=${client.profile.fqdn}`))).length > 0;
    ensure(authenticated, `the bridging proxy's log does not show it authenticated ${client.profile.fqdn}`, 'bridge-no-client-authentication');
    clientSide = `the bridge authenticated ${client.profile.fqdn} and the MP authenticated the bridge (${site.peerCertificate.subject})`;
  } else {
    ensure(site.peerCertificate.subject.includes(client.profile.fqdn), `the MP authenticated ${site.peerCertificate.subject}, not the client ${client.profile.fqdn}`, 'site-saw-other-certificate');
    clientSide = `the MP authenticated the client certificate ${site.peerCertificate.subject}`;
  }
  // Every published HTTPS listener refuses a client without a certificate: the bridge (bridge mode) or the
  // site system. The SUP is the documented exception on the site side (PKI-REQ: site systems require client
  // certificates "except for the software update point"); a bridge requires them on every listener (contract).
  const endpoints = publishedHttpsEndpoints(lab).filter((endpoint) => mode === 'bridge' || endpoint.role !== 'software-update-point');
  const probes = await probeAnonymously(lab, newClient, evidence, endpoints);
  const served = probes.filter((probe) => probe.received.some((entry) => !entry.error) || (probe.exchange.status !== undefined && probe.exchange.status < 400));
  ensure(served.length === 0, `a client without a certificate was served on ${served.map(probeOutcome).join('; ')}`, 'anonymous-served');
  evidence.pass(`the client verified the site certificate for ${internetFqdn} against the lab root; ${clientSide}; without a certificate the client was refused on every published HTTPS listener: ${probes.map(probeOutcome).join('; ')}`);
});
