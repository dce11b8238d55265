// FSP-STATE (research W:38, W:49): a client that cannot reach its management point because of a
// certificate problem posts a state message to the fallback status point — always plain HTTP,
// unauthenticated, so it gets through when HTTPS does not. Good case: a healthy client posts
// nothing; bad cases: a client that refuses the MP's certificate, and one whose Personal store holds
// no usable certificate, each post a state message, and the FSP's journal shows it arrived intact.
import type { IbcmClient } from '../../harness/client/index.js';
import { FSP_STATE } from '../../harness/client/index.js';
import type { Lab } from '../../harness/lab/index.js';
import { ensure, prerequisite, type Evidence } from '../evidence.js';
import { check } from '../fixtures.js';
import { arrival, describeClientResult } from '../verify.js';
import { mpListAttempt, named } from '../pki/support.js';

/** The client's state message reached the FSP byte-exact over plain HTTP; returns how it went. */
function ensureStateMessageArrived(
  lab: Lab,
  client: IbcmClient,
  stateId: number,
  marks: { fsp: number },
  evidence: Evidence,
  what: string,
): string {
  const fsp = lab.siteSystem('fallback-status-point');
  const report = client.fspReports.find((candidate) => candidate.stateId === stateId);
  ensure(
    report,
    `${what}: the client could not reach its MP but posted no state message to the FSP (it posted ${client.fspReports.map((candidate) => candidate.stateId).join(', ') || 'none'})`,
    'no-state-message',
  );
  evidence.sent(report.exchange);
  const received = lab.journal(fsp.name).since(marks.fsp);
  evidence.received(fsp.name, received);
  const { entry, problems } = arrival(report.exchange, received);
  ensure(
    entry,
    `${what}: the client posted its state message (${describeClientResult(report.exchange)}) but it did not reach the FSP: ${problems.join('; ')}`,
    'state-message-lost',
  );
  ensure(problems.length === 0, `${what}: the state message changed on the way to the FSP: ${problems.join('; ')}`, problems[0]?.code);
  ensure(entry.tls === null, `${what}: the state message reached the FSP over TLS; the FSP is plain HTTP`);
  ensure(
    report.exchange.status === 200 && entry.response.status === 200,
    `${what}: the FSP answered ${entry.response.status}, the client got ${describeClientResult(report.exchange)}`,
    'state-message-refused',
  );
  return `state message ${stateId} ("${report.message.slice(0, 140)}") reached ${fsp.internetFqdn} over plain HTTP, ${entry.bodyLength} bytes byte-exact`;
}

check(
  'FSP-STATE',
  'a client that cannot reach its MP for a certificate problem posts a state message to the FSP',
  async ({ lab, client, newClient, evidence }) => {
    const fsp = lab.siteSystem('fallback-status-point');
    const fspJournal = lab.journal(fsp.name);
    prerequisite(client.profile.install.FSP, 'the client was installed without FSP=');

    const healthyMark = fspJournal.mark();
    const healthy = await mpListAttempt(lab, client, evidence);
    prerequisite(healthy.exchange.status === 200, `a healthy client could not reach its MP: ${describeClientResult(healthy.exchange)}`);
    ensure(
      client.fspReports.length === 0 && fspJournal.since(healthyMark).length === 0,
      'a client that reached its MP posted a state message anyway',
    );

    // The MP's certificate is refused: the client does not trust its root.
    const roots = await lab.pki.roots();
    const stranger = newClient({ ...lab.clientProfile(), trustedRootsPem: roots.untrusted });
    const strangerMark = { fsp: fspJournal.mark() };
    const refused = await mpListAttempt(lab, stranger, evidence);
    prerequisite(refused.exchange.error, `a client without the lab root reached the MP (${describeClientResult(refused.exchange)})`);
    const serverRefused = ensureStateMessageArrived(
      lab,
      stranger,
      FSP_STATE.serverCertificateRefused,
      strangerMark,
      evidence,
      `a client that refused the MP's certificate (${refused.exchange.error.code})`,
    );

    // No usable client certificate (W:49): the only one in the store has expired.
    const expired = await lab.pki.issueClientCertificate({ variant: 'expired' });
    const withoutCertificate = newClient({ ...lab.clientProfile(), certificate: expired });
    prerequisite(!withoutCertificate.transport.certificate, `the client selected the expired certificate ${named(expired)}`);
    const noCertMark = { fsp: fspJournal.mark() };
    const noCert = await mpListAttempt(lab, withoutCertificate, evidence);
    // A site (or proxy) that lets such a client in is PKI-MTLS's finding; this case then learns nothing,
    // and the check says so (blocked) rather than passing on the cases it could see.
    prerequisite(
      noCert.exchange.status !== 200,
      `a client without a usable certificate was let in (${describeClientResult(noCert.exchange)}), so it had nothing to report to the FSP`,
    );
    const selection = ensureStateMessageArrived(
      lab,
      withoutCertificate,
      FSP_STATE.noClientCertificate,
      noCertMark,
      evidence,
      `a client whose only certificate ${named(expired)} has expired`,
    );
    evidence.pass(
      `a healthy client posted nothing; a client that refused the MP's certificate: ${serverRefused}; a client without a usable certificate: ${selection}`,
    );
  },
);
