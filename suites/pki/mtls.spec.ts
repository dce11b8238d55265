// PKI-MTLS: client and internet-facing site systems authenticate each other with PKI
// certificates (seed 000 "Planning for certificates"; seed 001). The client verifies the server
// chain to the lab root; the site side — the MP itself, or the bridging proxy in front of it —
// requires and verifies the client certificate, so a client without one gets nowhere.
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult, proxyLogLines } from '../verify.js';
import { probeAnonymously, probeOutcome, publishedHttpsEndpoints } from './anonymous.js';

check(
  'PKI-MTLS',
  'client and site system authenticate each other with PKI certificates',
  async ({ lab, mode, client, newClient, evidence }) => {
    const journal = lab.journal('mp1');
    const mark = journal.mark();
    const list = await client.getMpList();
    evidence.sent(list);
    const received = journal.since(mark);
    evidence.received('mp1', received);
    const internetFqdn = client.profile.install.CCMHOSTNAME;
    ensure(
      list.status === 200 && list.tls?.authorized,
      `the client could not complete mutual TLS: ${describeClientResult(list)}`,
      'client-did-not-authenticate',
    );
    ensure(
      list.tls.subjectAltName.includes(`DNS:${internetFqdn}`),
      `the server certificate the client saw does not name ${internetFqdn} (SAN ${list.tls.subjectAltName})`,
      'client-did-not-authenticate',
    );
    const site = received[0]?.tls;
    ensure(
      site?.authorized && site.peerCertificate,
      `the MP did not authenticate a client certificate (${site?.authorizationError ?? 'no TLS facts'})`,
      'site-did-not-authenticate',
    );
    let clientSide: string;
    if (mode === 'bridge') {
      // The MP's journal: the upstream leg was mutual TLS with the bridge's own client certificate.
      // That the bridge authenticated the client is shown below: a client without a certificate is
      // refused and nothing of it reaches the MP (the proxy's log line is a note, not the evidence).
      const bridgeCertificate = lab.certificates.find((candidate) => candidate.name === 'proxy-client');
      const serial = (value: string | undefined) => (value ?? '').replace(/:/g, '').replace(/^0+/, '').toLowerCase();
      ensure(
        !bridgeCertificate || serial(site.peerCertificate.serialNumber) === serial(bridgeCertificate.serialNumber),
        `the MP authenticated ${site.peerCertificate.subject} (serial ${site.peerCertificate.serialNumber}), not the bridge's client certificate ${bridgeCertificate?.subject}`,
        'site-did-not-authenticate',
      );
      const logged = (await proxyLogLines(lab, (line) => line.includes(`authenticated as CN=${client.profile.fqdn}`), 200)).length > 0;
      if (logged) evidence.note(`the bridge's log says it authenticated ${client.profile.fqdn}`);
      clientSide = `the MP authenticated the bridge's client certificate (${site.peerCertificate.subject}, MP journal #${received[0]!.seq})`;
    } else {
      ensure(
        site.peerCertificate.subject.includes(client.profile.fqdn),
        `the MP authenticated ${site.peerCertificate.subject}, not the client ${client.profile.fqdn}`,
        'site-saw-other-certificate',
      );
      clientSide = `the MP authenticated the client certificate ${site.peerCertificate.subject}`;
    }
    // Every published HTTPS listener refuses a client without a certificate: the bridge (bridge mode) or the
    // site system. The SUP is the documented exception on the site side (PKI-REQ: site systems require client
    // certificates "except for the software update point"); a bridge requires them on every listener (contract).
    const endpoints = publishedHttpsEndpoints(lab).filter((endpoint) => mode === 'bridge' || endpoint.role !== 'software-update-point');
    const probes = await probeAnonymously(lab, newClient, evidence, endpoints);
    const served = probes.filter(
      (probe) => probe.received.some((entry) => !entry.error) || (probe.exchange.status !== undefined && probe.exchange.status < 400),
    );
    ensure(served.length === 0, `a client without a certificate was served on ${served.map(probeOutcome).join('; ')}`, 'anonymous-served');
    evidence.pass(
      `the client verified the site certificate for ${internetFqdn} against the lab root; ${clientSide}; without a certificate the client was refused on every published HTTPS listener: ${probes.map(probeOutcome).join('; ')}`,
    );
  },
);
