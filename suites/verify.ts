// Shared verifiers: compare what the client sent with what a site system received. Header names
// compare case-insensitively (HTTP allows a proxy to re-case them); values, request targets and
// bodies compare byte for byte.
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

export interface Arrival {
  entry?: JournalEntry;
  /** Every difference, in one list (what most checks report). */
  problems: string[];
  /** The differences by kind, for checks about one thing only. */
  requestLineProblem?: string;
  headerProblems: string[];
  bodyProblem?: string;
}

/** Finds the journal entry for a client exchange and lists every way it differs. */
export function arrival(exchange: Exchange, entries: JournalEntry[], options: { headers?: string[] } = {}): Arrival {
  const exact = entries.filter((entry) => entry.method === exchange.method && entry.target === exchange.target);
  let entry = exact.find((candidate) => candidate.bodySha256 === exchange.requestBodySha256) ?? exact[0];
  let requestLineProblem: string | undefined;
  if (!entry) {
    // The same request with its target or method rewritten on the way.
    const sameMethod = entries.filter((candidate) => candidate.method === exchange.method);
    const sameTarget = entries.find((candidate) => candidate.target === exchange.target);
    const rewrittenTarget = sameMethod.length === 1 ? sameMethod[0] : sameMethod.find((candidate) => candidate.bodySha256 === exchange.requestBodySha256 && exchange.requestBodyLength > 0);
    if (rewrittenTarget) {
      entry = rewrittenTarget;
      requestLineProblem = `the request target changed on the way: sent ${JSON.stringify(exchange.target)}, the site system received ${JSON.stringify(rewrittenTarget.target)}`;
    } else if (sameTarget) {
      entry = sameTarget;
      requestLineProblem = `the method changed on the way: sent ${exchange.method}, the site system received ${sameTarget.method} for ${exchange.target}`;
    } else {
      const problem = `no ${exchange.method} ${exchange.target} reached the site system (it received ${entries.length} request${entries.length === 1 ? '' : 's'}${entries.length ? ': ' + entries.map((e) => `${e.method} ${e.target}`).join(', ') : ''})`;
      return { problems: [problem], requestLineProblem: problem, headerProblems: [] };
    }
  }
  const headerProblems: string[] = [];
  const wanted = options.headers ?? exchange.requestHeaders.map(([name]) => name).filter((name) => !FRAMING.has(name.toLowerCase()));
  for (const name of wanted) {
    const sent = exchange.requestHeaders.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase())?.[1];
    const received = entry.headers.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase())?.[1];
    if (sent === undefined) continue;
    if (received === undefined) headerProblems.push(`header ${name} was sent but did not reach the site system`);
    else if (received !== sent) headerProblems.push(`header ${name} changed on the way: sent ${JSON.stringify(sent.slice(0, 60))}, received ${JSON.stringify(received.slice(0, 60))}`);
  }
  const bodyProblem =
    entry.bodySha256 !== exchange.requestBodySha256
      ? `the body changed on the way: sent ${exchange.requestBodyLength} bytes sha256 ${exchange.requestBodySha256.slice(0, 16)}…, received ${entry.bodyLength} bytes sha256 ${entry.bodySha256.slice(0, 16)}…`
      : undefined;
  const problems = [...(requestLineProblem ? [requestLineProblem] : []), ...headerProblems, ...(bodyProblem ? [bodyProblem] : [])];
  return { entry, problems, requestLineProblem, headerProblems, bodyProblem };
}

export function describeClientResult(exchange: Exchange): string {
  // A certificate refusal's message already starts with its code and names the certificate (and, for
  // revocation, the CRL URL and what the client saw there).
  if (exchange.error) return `the client's ${exchange.method} failed: ${exchange.error.message.startsWith(exchange.error.code) ? exchange.error.message : `${exchange.error.code} ${exchange.error.message}`}`;
  return `the client got ${exchange.status}${exchange.responseBodyLength !== undefined ? ` with ${exchange.responseBodyLength} bytes` : ''}`;
}

export function responseHeader(exchange: Exchange, name: string): string | undefined {
  return exchange.responseHeaders?.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase())?.[1];
}

export function siteReason(exchange: Exchange): string {
  const reason = responseHeader(exchange, 'x-ibcm-lab-reason');
  return reason ? ` (site system says: ${reason})` : '';
}

/** The client got exactly what the site system sent: status and body bytes. */
export function responseIntact(exchange: Exchange, entry: JournalEntry): string | undefined {
  if (exchange.error) return `the site system answered ${entry.response.status} but ${describeClientResult(exchange)}`;
  if (exchange.status !== entry.response.status) return `the site system answered ${entry.response.status} but the client got ${exchange.status}`;
  if (exchange.responseBodySha256 !== entry.response.bodySha256) return `the response body changed on the way: the site system sent ${entry.response.bodyLength} bytes, the client got ${exchange.responseBodyLength}`;
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
