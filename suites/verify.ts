// Shared verifiers: compare what the client sent with what a site system received. Header names
// compare case-insensitively (HTTP allows a proxy to re-case them); values, request targets and
// bodies compare byte for byte.
import type { Exchange } from '../harness/client/index.js';
import type { JournalEntry } from '../harness/http/index.js';

const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

export interface Arrival {
  entry?: JournalEntry;
  problems: string[];
}

/** Finds the journal entry for a client exchange and lists every way it differs. */
export function arrival(exchange: Exchange, entries: JournalEntry[], options: { headers?: string[] } = {}): Arrival {
  const candidates = entries.filter((entry) => entry.method === exchange.method && entry.target === exchange.target);
  const entry = candidates.find((candidate) => candidate.bodySha256 === exchange.requestBodySha256) ?? candidates[0];
  if (!entry) {
    const sameTarget = entries.find((candidate) => candidate.target === exchange.target);
    const sameMethodOnly = entries.filter((candidate) => candidate.method === exchange.method).map((candidate) => candidate.target);
    const problems = [
      sameTarget
        ? `the site system received ${sameTarget.method} instead of ${exchange.method} for ${exchange.target}`
        : sameMethodOnly.length
          ? `the site system received ${exchange.method} but for ${sameMethodOnly.map((target) => JSON.stringify(target)).join(', ')} instead of ${JSON.stringify(exchange.target)}`
          : `no ${exchange.method} ${exchange.target} reached the site system (it received ${entries.length} request${entries.length === 1 ? '' : 's'}${entries.length ? ': ' + entries.map((e) => `${e.method} ${e.target}`).join(', ') : ''})`,
    ];
    return { problems };
  }
  const problems: string[] = [];
  if (entry.bodySha256 !== exchange.requestBodySha256) problems.push(`body changed on the way: sent ${exchange.requestBodyLength} bytes sha256 ${exchange.requestBodySha256.slice(0, 16)}…, received ${entry.bodyLength} bytes sha256 ${entry.bodySha256.slice(0, 16)}…`);
  // Framing headers belong to a connection, and a bridge re-frames legitimately.
  const wanted = options.headers ?? exchange.requestHeaders.map(([name]) => name).filter((name) => !FRAMING.has(name.toLowerCase()));
  for (const name of wanted) {
    const sent = exchange.requestHeaders.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase())?.[1];
    const received = entry.headers.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase())?.[1];
    if (sent === undefined) continue;
    if (received === undefined) problems.push(`header ${name} was sent but did not reach the site system`);
    else if (received !== sent) problems.push(`header ${name} changed on the way: sent ${JSON.stringify(sent.slice(0, 60))}, received ${JSON.stringify(received.slice(0, 60))}`);
  }
  return { entry, problems };
}

export function describeClientResult(exchange: Exchange): string {
  if (exchange.error) return `the client's ${exchange.method} failed: ${exchange.error.code} ${exchange.error.message}`;
  return `the client got ${exchange.status}${exchange.responseBodyLength !== undefined ? ` with ${exchange.responseBodyLength} bytes` : ''}`;
}

export function responseHeader(exchange: Exchange, name: string): string | undefined {
  return exchange.responseHeaders?.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase())?.[1];
}

export function siteReason(exchange: Exchange): string {
  const reason = responseHeader(exchange, 'x-ibcm-lab-reason');
  return reason ? ` (site system says: ${reason})` : '';
}
