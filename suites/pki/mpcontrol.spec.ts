// PKI-MPCONTROL (seed 001 "site system certificates"): an internet-facing MP accepts only HTTPS with
// client certificates, so the site system's own availability check (MPControl) needs a client
// certificate of its own. The check runs inside the site, not through the proxy: it is the same in
// every mode. Good case: with its own certificate the MP reports itself healthy; bad case: without
// one the same call is refused, and the check must say unhealthy.
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';
import { MP, certificateNamed, named, normalizeSerial } from './support.js';

check('PKI-MPCONTROL', 'the site system checks its MP with a client certificate of its own', async ({ lab, evidence }) => {
  const own = certificateNamed(lab, `${MP}-client`);
  const journal = lab.journal(MP);
  const mark = journal.mark();
  const healthy = await lab.mpControl({ certificate: 'own' });
  const withOwn = journal.since(mark);
  evidence.received(MP, withOwn);
  evidence.note(`MPControl with its own certificate: ${JSON.stringify(healthy)}`);
  const entry = withOwn[0];
  ensure(
    healthy.healthy && entry,
    `the availability check with the site system's own certificate ${named(own)} failed: ${healthy.error ?? `HTTP ${healthy.status} ${healthy.detail ?? ''}`}${healthy.certificate ? '' : ' — it presented no client certificate'}`,
    'own-certificate-refused',
  );
  ensure(
    entry.remoteAddress === healthy.from,
    `the MP saw the check coming from ${entry.remoteAddress}, not from the site system (${healthy.from})`,
    'check-not-from-site-system',
  );
  ensure(
    entry.tls?.authorized && normalizeSerial(entry.tls.peerCertificate?.serialNumber) === normalizeSerial(own.serialNumber),
    `the MP did not authenticate the site system's certificate ${named(own)} (it saw ${entry.tls?.peerCertificate?.subject ?? 'none'}, ${entry.tls?.authorizationError ?? 'authorized'})`,
    'own-certificate-not-authenticated',
  );

  const markNone = journal.mark();
  const without = await lab.mpControl({ certificate: 'none' });
  const refused = journal.since(markNone);
  evidence.received(MP, refused);
  evidence.note(`MPControl without a client certificate: ${JSON.stringify(without)}`);
  ensure(
    !without.healthy,
    `the availability check reported the MP healthy without a client certificate (HTTP ${without.status})`,
    'healthy-without-certificate',
  );
  ensure(
    refused[0]?.error === 'NO_CLIENT_CERTIFICATE',
    `without a client certificate the MP did not refuse the check for that reason (${refused[0]?.error ?? 'no request reached it'})`,
    'not-refused-for-certificate',
  );
  evidence.pass(
    `with its own client certificate ${named(own)} the check reached ${healthy.url} and the MP answered ${healthy.status} (authenticated); without one the MP refused it (${without.status}, ${refused[0]!.error}) and the check reported the MP unhealthy`,
  );
});
