// What the PKI checks share: one attempt with both sides of it (what the client saw, what the site
// system's journal got meanwhile), profiles with another certificate or trust store, and the two
// verdicts every certificate check comes down to — the client refused the server, or the party that
// terminates the client's TLS (the bridge in bridge mode, else the MP) refused the client.
import type { Exchange, IbcmClient } from '../../harness/client/index.js';
import type { JournalEntry } from '../../harness/http/index.js';
import type { Lab, LabCertificateFacts } from '../../harness/lab/index.js';
import type { ProxyMode } from '../../harness/topology/index.js';
import { CheckBlocked, ensure, prerequisite, type Evidence } from '../evidence.js';
import { describeClientResult } from '../verify.js';

export const MP = 'mp1';

export interface Attempt {
  exchange: Exchange;
  /** What the site system received while the attempt ran. */
  received: JournalEntry[];
  /** What the proxy logged meanwhile. */
  proxyLog: string[];
}

/**
 * Connect errors that mean no TCP connection was opened at all: refused, no route or host, or the
 * client's own source address gone. Nothing of TLS or HTTP was exchanged.
 */
const NO_CONNECTION = new Map([
  ['ECONNREFUSED', 'was refused'],
  ['EHOSTUNREACH', 'found no host there'],
  ['ENETUNREACH', 'found no route there'],
  ['EADDRNOTAVAIL', "could not leave from the client's own address"],
]);

/**
 * Where clients of `lab` open connections to something the lab started, by `host:port` (the bound
 * address, and the published name a timeout names): who listens there. The proxy's listeners (its
 * web proxy in forward mode); without a proxy in the path, the site systems' published services.
 */
export function ownListeners(lab: Pick<Lab, 'mode' | 'proxyContract' | 'siteSystems'>): Map<string, string> {
  const listeners = new Map<string, string>();
  const contract = lab.proxyContract;
  const proxy = lab.mode === 'bridge' ? 'the bridging proxy' : lab.mode === 'tunnel' ? 'the tunnelling proxy' : 'the proxy';
  for (const listener of contract?.listeners ?? []) {
    const who = `${proxy}'s listener for ${listener.publicName}`;
    listeners.set(`${listener.bind.host}:${listener.bind.port}`, who);
    listeners.set(`${listener.publicName.toLowerCase()}:${listener.bind.port}`, who);
  }
  if (contract?.forwardProxy) listeners.set(`${contract.forwardProxy.bind.host}:${contract.forwardProxy.bind.port}`, 'the web proxy');
  if (lab.mode === 'direct' || lab.mode === 'forward')
    for (const system of lab.siteSystems)
      for (const service of system.services.filter((candidate) => candidate.published)) {
        const who = `${system.name}'s ${service.service} listener for ${system.internetFqdn}`;
        listeners.set(`${system.internetAddress ?? system.address}:${service.port}`, who);
        if (system.internetFqdn) listeners.set(`${system.internetFqdn.toLowerCase()}:${service.port}`, who);
      }
  return listeners;
}

/**
 * The exchange never opened a TCP connection — refused, unreachable, or a TCP connect that timed out
 * (not a TLS handshake or an answer that did not come: those are a peer's behaviour) — to one of
 * `listeners`: which one, and how it failed. Undefined for any other outcome.
 */
export function connectionNotOpened(
  exchange: Exchange,
  listeners: Map<string, string>,
): { endpoint: string; who: string; how: string } | undefined {
  const failed = tcpConnectFailure(exchange);
  const who = failed && listeners.get(failed.endpoint.toLowerCase());
  return failed && who ? { ...failed, who } : undefined;
}

/** Where and how the exchange's TCP connect failed (a connect error naming its `host:port`), if it did. */
function tcpConnectFailure(exchange: Exchange): { endpoint: string; how: string } | undefined {
  const { error } = exchange;
  if (!error || exchange.tls || exchange.status !== undefined) return undefined;
  const timedOut = /^connect to (\S+:\d+) timed out after (\d+) ms/.exec(error.message);
  const how = NO_CONNECTION.get(error.code) ?? (timedOut ? `was not answered within ${Number(timedOut[2]) / 1000} s` : undefined);
  const endpoint = timedOut?.[1] ?? /\b(\d{1,3}(?:\.\d{1,3}){3}:\d{1,5})\b/.exec(error.message)?.[1];
  return how && endpoint ? { endpoint, how } : undefined;
}

/**
 * One MP-list attempt on a lab variant the check started (`variantLab`: a small lab of its own, its
 * proxy started with the certificate under test), with the variant's proxy log in the evidence.
 * `leg` says what the attempt is for ("the bridge presenting an expired certificate").
 *
 * The variant's own path is a prerequisite of the leg: when the client's connection to a listener
 * the variant started could not even be opened — refused, unreachable, a TCP connect that timed out —
 * although the lab found that listener accepting TCP before handing the variant over (the contract's
 * readiness rule), no certificate was presented or met, and nothing was learnt about the leg:
 * blocked, naming the listener. Whatever the proxy does on an opened connection (a TLS handshake cut
 * short, silence) is the leg's verdict.
 */
export async function variantAttempt(lab: Lab, client: IbcmClient, evidence: Evidence, leg: string): Promise<Attempt> {
  const attempt = await mpListAttempt(lab, client, evidence);
  evidence.proxyLines(lab.topology.name, attempt.proxyLog);
  const notOpened = attempt.received.length === 0 ? connectionNotOpened(attempt.exchange, ownListeners(lab)) : undefined;
  if (!notOpened) return attempt;
  const { error } = attempt.exchange;
  throw new CheckBlocked(
    `the lab could not reach a listener it started itself — ${notOpened.who} at ${notOpened.endpoint}: the client's connection to it ${notOpened.how} (${error!.code}: ${error!.message}), although lab variant "${lab.topology.name}" had found it accepting TCP when it started — no TLS handshake took place, so nothing was learnt about ${leg}`,
  );
}

/** Asks for the MP list and records both sides in the evidence (the lab's journal of `host`). */
export async function mpListAttempt(lab: Lab, client: IbcmClient, evidence: Evidence, host = MP): Promise<Attempt> {
  const journal = lab.journal(host);
  const mark = journal.mark();
  const logMark = lab.proxyLog().length;
  const exchange = await client.getMpList();
  const received = journal.since(mark);
  evidence.sent(exchange);
  evidence.received(host, received);
  return { exchange, received, proxyLog: lab.proxyLog().slice(logMark) };
}

export function normalizeSerial(serial: string | undefined): string {
  return (serial ?? '')
    .replace(/[:\s]/g, '')
    .replace(/^0+(?=.)/, '')
    .toLowerCase();
}

/** "CN=… (serial …)" for a reason. */
export function named(certificate: { subject: string; serialNumber: string }): string {
  return `${certificate.subject} (serial ${normalizeSerial(certificate.serialNumber)})`;
}

export function certificateNamed(lab: Lab, name: string): LabCertificateFacts {
  const found = lab.certificates.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`the lab has no certificate "${name}"`);
  return found;
}

/** The certificate a client meets on the published name: the bridge's own in bridge mode, else the MP's. */
export function publishedCertificate(lab: Lab): LabCertificateFacts {
  return certificateNamed(lab, lab.mode === 'bridge' ? 'proxy-server' : MP);
}

/** Who terminates the client's TLS. */
export function terminator(mode: ProxyMode): string {
  return mode === 'bridge' ? 'the bridging proxy' : 'the MP';
}

/** The client completed the exchange and the MP served it. */
/** A `what` starting "setup: " is the check's positive control: when it fails, the check is blocked. */
export function ensureServed(attempt: Attempt, what: string, code = 'not-served'): void {
  const served = attempt.exchange.status === 200 && attempt.received.length > 0;
  const reason = `${what.replace(/^setup: /, '')}: the MP list did not come through (${describeClientResult(attempt.exchange)}; the MP received ${attempt.received.length} request(s))`;
  if (what.startsWith('setup: ')) prerequisite(served, reason);
  else ensure(served, reason, code);
}

/**
 * The client refused the server's certificate with one of `codes`, and so nothing reached the MP.
 * Returns what the client saw, for the reason.
 */
export function ensureClientRefusedServer(attempt: Attempt, codes: RegExp, what: string, accepted = 'server-certificate-accepted'): string {
  const { exchange } = attempt;
  ensure(
    !exchange.status,
    `${what}: the client accepted it and got ${exchange.status} (server certificate ${exchange.tls?.subject ?? '?'}, serial ${exchange.tls?.serialNumber ?? '?'})`,
    accepted,
  );
  ensure(
    exchange.error && codes.test(exchange.error.code),
    `${what}: the client failed, but not for the certificate: ${describeClientResult(exchange)}`,
    'failed-for-another-reason',
  );
  ensure(
    attempt.received.length === 0,
    `${what}: the client refused the certificate, yet the MP received ${attempt.received.length} request(s)`,
    'refused-yet-received',
  );
  return exchange.error.message.startsWith(exchange.error.code)
    ? exchange.error.message
    : `${exchange.error.code}: ${exchange.error.message}`;
}

/**
 * The party that terminates the client's TLS refused the client's certificate: the bridge (nothing
 * reaches the MP, the client is refused) or the MP (it answers 403 and its journal names the TLS
 * verification error of exactly that certificate). `codes` is what the MP must name; `accepted` is
 * the reason code when the certificate was let through.
 */
export function ensureSiteRefusedClient(
  mode: ProxyMode,
  attempt: Attempt,
  certificate: { subject: string; serialNumber: string },
  codes: RegExp,
  what: string,
  accepted = 'client-certificate-accepted',
): string {
  const { exchange, received } = attempt;
  if (mode === 'bridge') {
    ensure(
      received.length === 0,
      `${what}: the bridging proxy let the client through — the MP received ${received.map((entry) => `${entry.method} ${entry.target} (from ${entry.tls?.peerCertificate?.subject ?? 'no certificate'})`).join(', ')}; ${describeClientResult(exchange)}`,
      accepted,
    );
    ensure(exchange.error || (exchange.status ?? 0) >= 400, `${what}: the client was served (${describeClientResult(exchange)})`, accepted);
    // The bridge's own words, when its log has them (the Node proxy logs why it refused a client).
    const logged = attempt.proxyLog.find((line) => /reject|refus|denied|verify|certificate/i.test(line));
    return `the bridging proxy refused it (the client saw ${exchange.error ? `${exchange.error.code}: ${exchange.error.message}` : `HTTP ${exchange.status}`}${logged ? `; proxy log: "${logged.replace(/^\S+\s+/, '')}"` : ''}) and nothing reached the MP`;
  }
  const entry = received[0];
  ensure(entry, `${what}: nothing reached the MP (${describeClientResult(exchange)}), so the MP did not check it`, 'nothing-reached-mp');
  const peer = entry.tls?.peerCertificate;
  ensure(
    peer && normalizeSerial(peer.serialNumber) === normalizeSerial(certificate.serialNumber),
    `${what}: the MP saw client certificate ${peer ? `${peer.subject} serial ${peer.serialNumber}` : '(none)'}, not ${named(certificate)}`,
    'mp-saw-another-certificate',
  );
  const code = entry.error ?? entry.tls?.authorizationError ?? '';
  ensure(
    entry.response.status === 403 && !entry.tls?.authorized,
    `${what}: the MP accepted it and answered ${entry.response.status}`,
    accepted,
  );
  ensure(
    codes.test(code),
    `${what}: the MP refused it, but for ${code || 'an unknown reason'}, not the reason under test`,
    'refused-for-another-reason',
  );
  ensure(
    exchange.status === 403,
    `${what}: the MP answered 403 but the client got ${describeClientResult(exchange)}`,
    'refusal-not-delivered',
  );
  return `the MP answered 403 (${code})`;
}

/**
 * The bridge refused a site system's certificate on its upstream leg: nothing reached the MP (its
 * TLS handshake failed at the bridge) and the client was not served. `accepted` is the reason code
 * when the bridge connected anyway.
 */
export function ensureBridgeRefusedUpstream(attempt: Attempt, what: string, accepted = 'upstream-certificate-accepted'): string {
  const { exchange, received } = attempt;
  ensure(
    received.length === 0,
    `${what}: the bridging proxy accepted it and forwarded ${received.map((entry) => `${entry.method} ${entry.target} (over ${entry.tls ? entry.tls.protocol : 'plain HTTP'})`).join(', ')}`,
    accepted,
  );
  ensure(exchange.error || (exchange.status ?? 0) >= 500, `${what}: the client was served (${describeClientResult(exchange)})`, accepted);
  const logged = attempt.proxyLog.find((line) => /upstream failed|certificate|verify|altname/i.test(line));
  return `the bridge did not forward the request (the client got ${exchange.error ? exchange.error.code : exchange.status}${logged ? `; proxy log: "${logged.replace(/^\S+\s+/, '')}"` : ''})`;
}

/**
 * A `revoked-issuer` certificate as the lab's CRLs show it: "CN=… (serial …), issued by CN=… (serial
 * …), which <root CRL URL> lists as revoked". Blocked when the lab's CRLs do not list its issuer.
 */
export function revokedIssuerOf(lab: Lab, certificate: LabCertificateFacts): string {
  const issuer = certificate.issuer;
  const crl = lab.pki.crls().find((candidate) => candidate.revokedSerials.includes(normalizeSerial(issuer.serialNumber)));
  prerequisite(crl, `the issuing CA ${named(issuer)} of ${named(certificate)} is on none of the lab's CRLs`);
  const own = lab.pki.crls().find((candidate) => candidate.revokedSerials.includes(normalizeSerial(certificate.serialNumber)));
  prerequisite(!own, `${named(certificate)} is itself on ${own?.url}, so it does not test its issuer's revocation`);
  return `${named(certificate)}, issued by ${named(issuer)}, which ${crl.url} lists as revoked`;
}

/** A revocation refusal as the client saw it: the certificate, the CRL URLs it names and each try. */
export function revocationSeen(exchange: Exchange): string {
  const finding = exchange.tls?.revocation?.finding;
  if (!finding) return exchange.error ? `${exchange.error.code}: ${exchange.error.message}` : describeClientResult(exchange);
  if (finding.code === 'CERT_REVOKED') return finding.message;
  const tries = finding.attempts.length
    ? finding.attempts.map((attempt) => `CRL URL ${attempt.url} → ${attempt.outcome}`).join('; ')
    : `CRL URL ${finding.crlUrls.join(', ') || '(none in the certificate)'} could not be tried`;
  return `${finding.code} for ${named(finding.certificate)}: ${tries}`;
}

/** Where the client's CRL downloads went and what came back. */
export function crlFetchesSeen(client: IbcmClient): string {
  return (
    client.transport.crlFetches
      .map((fetch) => `GET ${fetch.origin}${fetch.target} → ${fetch.error ? fetch.error.code : fetch.status}`)
      .join(', ') || 'no CRL download'
  );
}
