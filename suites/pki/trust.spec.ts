// Trust in both directions (seed 001 "trusted root CA"; research W:47, W:50, W:61): a client only
// connects to a server whose certificate chains to a root it trusts, and the party that terminates
// the client's TLS — the MP, or the bridging proxy — only accepts client certificates from roots it
// trusts. Each check runs the trusted case and the untrusted one side by side on the running lab.
import type { Exchange } from '../../harness/client/index.js';
import { prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import {
  ensureClientRefusedServer,
  ensureServed,
  ensureSiteRefusedClient,
  mpListAttempt,
  named,
  publishedCertificate,
  terminator,
} from './support.js';

// What Node (OpenSSL) reports for a chain to a root the client does not have.
const UNTRUSTED_SERVER =
  /^(UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/;

/** The path the client verified, leaf to its trust anchor, as its revocation check walked it ("" when it did not get that far). */
function pathSeen(exchange: Exchange): string {
  const certificates = exchange.tls?.revocation?.certificates ?? [];
  if (certificates.length === 0) return '';
  return `${certificates.map((certificate) => `${certificate.subject} (issued by ${certificate.issuer})`).join(' → ')} → ${certificates.at(-1)!.issuer}, the client's trusted root`;
}

check(
  'PKI-TRUST-CLIENT',
  'a client that does not trust the root of the server certificate does not connect',
  async ({ lab, client, newClient, evidence }) => {
    const served = publishedCertificate(lab);
    const trusted = await mpListAttempt(lab, client, evidence);
    ensureServed(trusted, 'setup: a client that trusts the lab root');
    prerequisite(trusted.exchange.tls?.authorized, 'the client did not verify the server certificate');

    const roots = await lab.pki.roots();
    const stranger = newClient({ ...lab.clientProfile(), trustedRootsPem: roots.untrusted });
    const refused = await mpListAttempt(lab, stranger, evidence);
    // Accepted, the path it built says how (e.g. through a cross-certificate of the lab root by the other root).
    const path = pathSeen(refused.exchange);
    const saw = ensureClientRefusedServer(
      refused,
      UNTRUSTED_SERVER,
      `a client whose store lacks the lab root (it trusts only another root) met ${named(served)}${path ? ` and built the path ${path}` : ''}`,
      'untrusted-root-accepted',
    );
    evidence.pass(
      `a client trusting the lab root got the MP list from ${named(served)}; a client without that root refused the same certificate (${saw}) and the MP received nothing`,
    );
  },
);

check(
  'PKI-TRUST-SITE',
  'the MP or the bridging proxy refuses a client certificate from an untrusted root',
  async ({ lab, mode, client, newClient, evidence }) => {
    const trusted = await mpListAttempt(lab, client, evidence);
    ensureServed(trusted, "setup: a client with the lab's own certificate");

    const foreign = await lab.pki.issueClientCertificate({ variant: 'untrusted' });
    evidence.note(
      `client certificate under test: ${named(foreign)}, issued by ${foreign.issuedBy === 'untrusted' ? 'a second hierarchy the site does not trust' : foreign.issuedBy}`,
    );
    // Presented as is: the client's own selection would not pick it if it had an issuers list.
    const stranger = newClient({ ...lab.clientProfile(), certificate: foreign }, { certificateSelection: 'present-as-is' });
    const refused = await mpListAttempt(lab, stranger, evidence);
    // Node names the last OpenSSL error: with a CRL loaded that is UNABLE_TO_GET_CRL for a foreign chain.
    const how = ensureSiteRefusedClient(
      mode,
      refused,
      foreign,
      /^(UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_CRL|CERT_UNTRUSTED)$/,
      `a client certificate from an untrusted root (${named(foreign)})`,
    );
    evidence.pass(`${terminator(mode)} accepted the lab-issued client certificate and refused one from an untrusted root: ${how}`);
  },
);
