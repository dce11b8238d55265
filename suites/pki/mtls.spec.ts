// PKI-MTLS: client and internet-facing site systems authenticate each other with PKI
// certificates (seed 000 "Planning for certificates"; seed 001). The client verifies the server
// chain to the lab root; the site side — the MP itself, or the bridging proxy in front of it —
// requires and verifies the client certificate, so a client without one gets nowhere.
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult, proxyLogLines } from '../verify.js';

check('PKI-MTLS', 'client and site system authenticate each other with PKI certificates', async ({ lab, mode, client, newClient, evidence }) => {
  const journal = lab.journal('mp1');
  const mark = journal.mark();
  const list = await client.getMpList();
  evidence.sent(list);
  const received = journal.since(mark);
  evidence.received('mp1', received);
  const internetFqdn = client.profile.install.CCMHOSTNAME;
  ensure(list.status === 200 && list.tls?.authorized, `the client could not complete mutual TLS: ${describeClientResult(list)}`);
  ensure(list.tls.subjectAltName.includes(`DNS:${internetFqdn}`), `the server certificate the client saw does not name ${internetFqdn} (SAN ${list.tls.subjectAltName})`);
  const site = received[0]?.tls;
  ensure(site?.authorized && site.peerCertificate, `the MP did not authenticate a client certificate (${site?.authorizationError ?? 'no TLS facts'})`);
  let clientSide: string;
  if (mode === 'bridge') {
    const authenticated = (await proxyLogLines(lab, (line) => line.includes(`authenticated as CN=${client.profile.fqdn}`))).length > 0;
    ensure(authenticated, `the bridging proxy's log does not show it authenticated ${client.profile.fqdn}`);
    clientSide = `the bridge authenticated ${client.profile.fqdn} and the MP authenticated the bridge (${site.peerCertificate.subject})`;
  } else {
    ensure(site.peerCertificate.subject.includes(client.profile.fqdn), `the MP authenticated ${site.peerCertificate.subject}, not the client ${client.profile.fqdn}`);
    clientSide = `the MP authenticated the client certificate ${site.peerCertificate.subject}`;
  }
  const anonymous = newClient(undefined, { presentCertificate: false });
  const anonMark = journal.mark();
  const refused = await anonymous.getMpList();
  evidence.sent(refused);
  const leaked = journal.since(anonMark);
  evidence.received('mp1', leaked);
  ensure(refused.error || (refused.status ?? 0) === 403, `a client without a certificate was served: ${describeClientResult(refused)}`);
  evidence.pass(`the client verified the site certificate for ${internetFqdn} against the lab root; ${clientSide}; without a certificate the client was refused (${refused.error?.code ?? refused.status})`);
});
