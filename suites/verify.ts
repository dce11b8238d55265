// Shared verifiers: compare what the client sent with what a site system received. Header names
// compare case-insensitively (RFC 9110 §5.1: a proxy may re-case them); values, the number of
// fields of a name, request targets and bodies compare byte for byte. Every difference carries a
// reason code (the `ensure` code a check fails with and a negative control names).
import type { Lab } from '../harness/lab/index.js';
import type { Exchange } from '../harness/client/index.js';
import type { JournalEntry } from '../harness/http/index.js';

/**
 * The name the client reached a site system by: the TLS server name of the connection, else (plain
 * HTTP) the Host header. Not Host first: nothing documented asks a bridge to keep the client's Host
 * (research W:67), while the upstream TLS server name is the contract's (PX-BRIDGE-MUTUAL).
 */
export function nameReached(entry: JournalEntry): string {
  return (entry.tls?.servername ?? entry.headers.find(([name]) => name.toLowerCase() === 'host')?.[1] ?? '').replace(/:\d+$/, '');
}

const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * Headers of the IBCM messages themselves: one the client did not send must not appear at the site
 * system (a proxy may add Via, X-Forwarded-For and the like, never a CCMClient* or BITS-* field).
 */
const MESSAGE_HEADER =
  /^(ccm|clienttoken|bits-|range$|if-range$|content-range$|content-name$|content-type$|authorization$|depth$|translate$)/i;

export type ProblemCode =
  | 'not-received'
  | 'target-changed'
  | 'method-changed'
  | 'header-dropped'
  | 'header-changed'
  | 'header-duplicated'
  | 'header-added'
  | 'body-changed';

/** One difference between what the client sent and what arrived; reads as its text. */
export interface Problem {
  code: ProblemCode;
  text: string;
  toString(): string;
}

export function problem(code: ProblemCode, text: string): Problem {
  return { code, text, toString: () => text };
}

export interface Arrival {
  entry?: JournalEntry;
  /** Every difference, in one list (what most checks report); `problems[0]?.code` is the check's code. */
  problems: Problem[];
  /** The differences by kind, for checks about one thing only. */
  requestLineProblem?: Problem;
  headerProblems: Problem[];
  bodyProblem?: Problem;
}

/** Every value of the fields named `name` (case-insensitive), in order. */
export const valuesOf = (headers: [string, string][], name: string) =>
  headers.filter(([candidate]) => candidate.toLowerCase() === name.toLowerCase()).map(([, value]) => value);
const short = (value: string) => JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);

/**
 * How the site system's fields of one name differ from the client's (none: undefined). Sent values
 * must arrive as sent — no field lost, none repeated, none rewritten; the order of fields of one
 * name is kept (RFC 9110 §5.3).
 */
export function headerDifference(name: string, sent: string[], received: string[], where = 'the site system'): Problem | undefined {
  if (sent.length === 0) {
    return received.length
      ? problem(
          'header-added',
          `header ${name} was not sent but ${where} received ${received.map(short).join(', ')}: it was added on the way`,
        )
      : undefined;
  }
  if (received.length === 0) return problem('header-dropped', `header ${name} was sent but did not reach ${where}`);
  if (received.length > sent.length)
    return problem(
      'header-duplicated',
      `header ${name} was sent ${sent.length === 1 ? 'once' : `${sent.length} times`} but ${where} received it ${received.length} times (${received.map(short).join(', ')})`,
    );
  if (received.length < sent.length)
    return problem('header-dropped', `header ${name} was sent ${sent.length} times but ${where} received it ${received.length} time(s)`);
  const changed = sent.findIndex((value, index) => received[index] !== value);
  if (changed >= 0)
    return problem(
      'header-changed',
      `header ${name} changed on the way: sent ${short(sent[changed]!)}, received ${short(received[changed]!)}`,
    );
  return undefined;
}

/** Finds the journal entry for a client exchange and lists every way it differs. */
export function arrival(exchange: Exchange, entries: JournalEntry[], options: { headers?: string[] } = {}): Arrival {
  const exact = entries.filter((entry) => entry.method === exchange.method && entry.target === exchange.target);
  let entry = exact.find((candidate) => candidate.bodySha256 === exchange.requestBodySha256) ?? exact[0];
  let requestLineProblem: Problem | undefined;
  if (!entry) {
    // The same request with its target or method rewritten on the way.
    const sameMethod = entries.filter((candidate) => candidate.method === exchange.method);
    const sameTarget = entries.find((candidate) => candidate.target === exchange.target);
    const rewrittenTarget =
      sameMethod.length === 1
        ? sameMethod[0]
        : sameMethod.find((candidate) => candidate.bodySha256 === exchange.requestBodySha256 && exchange.requestBodyLength > 0);
    if (rewrittenTarget) {
      entry = rewrittenTarget;
      requestLineProblem = problem(
        'target-changed',
        `the request target changed on the way: sent ${JSON.stringify(exchange.target)}, the site system received ${JSON.stringify(rewrittenTarget.target)}`,
      );
    } else if (sameTarget) {
      entry = sameTarget;
      requestLineProblem = problem(
        'method-changed',
        `the method changed on the way: sent ${exchange.method}, the site system received ${sameTarget.method} for ${exchange.target}`,
      );
    } else {
      const missing = problem(
        'not-received',
        `no ${exchange.method} ${exchange.target} reached the site system (it received ${entries.length} request${entries.length === 1 ? '' : 's'}${entries.length ? ': ' + entries.map((e) => `${e.method} ${e.target}`).join(', ') : ''})`,
      );
      return { problems: [missing], requestLineProblem: missing, headerProblems: [] };
    }
  }
  const headerProblems: Problem[] = [];
  const sentNames = exchange.requestHeaders.map(([name]) => name).filter((name) => !FRAMING.has(name.toLowerCase()));
  const wanted = options.headers ?? sentNames;
  const seen = new Set<string>();
  for (const name of wanted) {
    const sent = valuesOf(exchange.requestHeaders, name);
    if (sent.length === 0 || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    const difference = headerDifference(name, sent, valuesOf(entry.headers, name));
    if (difference) headerProblems.push(difference);
  }
  // Fields of the IBCM messages that the client never sent (among the names this check looks at).
  const lookedAt = options.headers ? new Set(options.headers.map((name) => name.toLowerCase())) : undefined;
  const sentLower = new Set(sentNames.map((name) => name.toLowerCase()));
  for (const name of new Set(entry.headers.map(([candidate]) => candidate))) {
    const lower = name.toLowerCase();
    if (sentLower.has(lower) || seen.has(lower) || !MESSAGE_HEADER.test(name) || (lookedAt && !lookedAt.has(lower))) continue;
    seen.add(lower);
    headerProblems.push(headerDifference(name, [], valuesOf(entry.headers, name))!);
  }
  const bodyProblem =
    entry.bodySha256 !== exchange.requestBodySha256
      ? problem(
          'body-changed',
          `the body changed on the way: sent ${exchange.requestBodyLength} bytes sha256 ${exchange.requestBodySha256.slice(0, 16)}…, received ${entry.bodyLength} bytes sha256 ${entry.bodySha256.slice(0, 16)}…`,
        )
      : undefined;
  const problems = [...(requestLineProblem ? [requestLineProblem] : []), ...headerProblems, ...(bodyProblem ? [bodyProblem] : [])];
  return { entry, problems, requestLineProblem, headerProblems, bodyProblem };
}

export function describeClientResult(exchange: Exchange): string {
  // A certificate refusal's message already starts with its code and names the certificate (and, for
  // revocation, the CRL URL and what the client saw there).
  if (exchange.error)
    return `the client's ${exchange.method} failed: ${exchange.error.message.startsWith(exchange.error.code) ? exchange.error.message : `${exchange.error.code} ${exchange.error.message}`}`;
  return `the client got ${exchange.status}${exchange.responseBodyLength !== undefined ? ` with ${exchange.responseBodyLength} bytes` : ''}`;
}

export function responseHeader(exchange: Exchange, name: string): string | undefined {
  return exchange.responseHeaders?.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase())?.[1];
}

/**
 * The digest of a BITS upload as the MP assembled it: journaled with its Close-Session (what the role
 * decided), never read from the reply, which crosses the proxy.
 */
export function uploadDigest(entries: JournalEntry[], target: string): string | undefined {
  const close = entries.filter(
    (entry) =>
      entry.target === target &&
      entry.headers.some(([name, value]) => name.toLowerCase() === 'bits-packet-type' && value.toLowerCase() === 'close-session'),
  );
  return close.at(-1)?.decided?.uploadSha256;
}

/** The account the site system authenticated on the entry's connection (journaled by the role). */
export function authenticatedAs(entry: JournalEntry | undefined): string | undefined {
  return entry?.decided?.authenticatedAs;
}

/**
 * What the site system wrote about its decision, from its own journal (the lab's explanatory
 * response header as the site sent it, whatever the proxy did to it): for reasons, never an oracle.
 */
export function siteNote(
  entry: JournalEntry | undefined,
  topic: 'reason' | 'site-assignment' | 'content-location' | 'site-action',
): string | undefined {
  return entry?.response.headers.find(([name]) => name.toLowerCase() === `x-ibcm-lab-${topic}`)?.[1];
}

/**
 * Why the site system answered as it did, for a failure's reason: read from the journal of the site
 * system that received this request (its latest entry with the same method, target and body) — never
 * from a header that crossed the proxy. A human-readable note only: never an oracle.
 */
export function siteReason(lab: Lab, exchange: Exchange): string {
  const same = (entry: JournalEntry) =>
    entry.method === exchange.method &&
    entry.target === exchange.target &&
    (exchange.requestBodyLength === 0 || entry.bodySha256 === exchange.requestBodySha256);
  const entry = lab.siteSystems
    .flatMap((system) => lab.journal(system.name).entries().filter(same))
    .sort((a, b) => b.at.localeCompare(a.at) || b.seq - a.seq)[0];
  const reason = siteNote(entry, 'reason');
  return reason ? ` (site system says: ${reason})` : '';
}

/** The client got exactly what the site system sent: status and body bytes. */
export function responseIntact(exchange: Exchange, entry: JournalEntry): string | undefined {
  if (exchange.error) return `the site system answered ${entry.response.status} but ${describeClientResult(exchange)}`;
  if (exchange.status !== entry.response.status)
    return `the site system answered ${entry.response.status} but the client got ${exchange.status}`;
  if (exchange.responseBodySha256 !== entry.response.bodySha256)
    return `the response body changed on the way: the site system sent ${entry.response.bodyLength} bytes, the client got ${exchange.responseBodyLength}`;
  return undefined;
}

/**
 * The proxy's log lines that match, waiting up to `timeoutMs` for the first: a proxy writes its
 * access log after the response has gone out (nginx's log phase), and in a container a moment later
 * still — a check that reads the log at once can be ahead of it.
 */
export async function proxyLogLines(lab: Lab, matches: (line: string) => boolean, timeoutMs = 2000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = lab.proxyLog().filter(matches);
    if (found.length > 0 || Date.now() >= deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
