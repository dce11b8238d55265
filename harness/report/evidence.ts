// The evidence of one check as the reports read it back from the results JSON: the client's view
// (its exchanges, with the TLS facts of its leg), the site systems' journal entries (with the TLS
// facts of theirs), the proxy's log lines and notes. Written by suites/evidence.ts; read here only.
import type { Exchange } from '../client/exchange.js';
import type { JournalEntry } from '../http/journal.js';
import type { RequirementResult } from './results.js';

export type ClientExchangeEvidence = Omit<Exchange, 'responseBody'> & { responseBodyPreview?: string };
export type JournalEvidence = JournalEntry & { host: string };

export interface CheckEvidence {
  verdict?: 'failed' | 'error';
  reason: string;
  notes: string[];
  client: ClientExchangeEvidence[];
  journal: JournalEvidence[];
  proxyLog: string[];
}

/** A check's evidence with every list present (older or hand-made results may lack some). */
export function evidenceOf(check: RequirementResult['checks'][number]): CheckEvidence {
  const raw = (check.evidence ?? {}) as Partial<CheckEvidence>;
  return {
    verdict: raw.verdict,
    reason: raw.reason ?? check.reason,
    notes: Array.isArray(raw.notes) ? raw.notes : [],
    client: Array.isArray(raw.client) ? raw.client : [],
    journal: Array.isArray(raw.journal) ? raw.journal : [],
    proxyLog: Array.isArray(raw.proxyLog) ? raw.proxyLog : [],
  };
}

/** `METHOD origin/target → status (n bytes)` — one line of the client's view. */
export function describeExchange(exchange: ClientExchangeEvidence): string {
  const sent = `${exchange.method} ${exchange.origin}${exchange.target}${exchange.requestBodyLength ? ` (${exchange.requestBodyLength} bytes, sha256 ${exchange.requestBodySha256.slice(0, 16)}…)` : ''}`;
  if (exchange.error) return `${sent} → ${exchange.error.code}: ${exchange.error.message}`;
  const tls = exchange.tls
    ? `; server certificate ${exchange.tls.subject} issued by ${exchange.tls.issuer}${exchange.tls.authorized ? '' : ` (not trusted: ${exchange.tls.authorizationError})`}`
    : '';
  return `${sent} → ${exchange.status ?? '?'} (${exchange.responseBodyLength ?? 0} bytes)${tls}`;
}

/** `[host] request line → status` — one line of a site system's journal. */
export function describeJournalEntry(entry: JournalEvidence): string {
  const body = entry.bodyLength ? ` (${entry.bodyLength} bytes, sha256 ${entry.bodySha256.slice(0, 16)}…)` : '';
  const peer = entry.tls
    ? `; TLS ${entry.tls.protocol ?? '?'}, client certificate ${entry.tls.peerCertificate ? entry.tls.peerCertificate.subject : 'none'}`
    : '; plain HTTP';
  return `[${entry.host}] ${entry.requestLine}${body} from ${entry.remoteAddress} → ${entry.response.status}${peer}${entry.error ? `; ${entry.error}` : ''}`;
}

/** The evidence of every check of a result as plain text (JUnit system-out, logs). */
export function evidenceText(result: RequirementResult): string {
  const lines: string[] = [];
  for (const check of result.checks) {
    const evidence = evidenceOf(check);
    lines.push(`check: ${check.title} — ${check.status} (${check.durationMs} ms): ${check.reason}`);
    for (const note of evidence.notes) lines.push(`  note: ${note}`);
    if (evidence.client.length) lines.push('  client view:', ...evidence.client.map((exchange) => `    ${describeExchange(exchange)}`));
    if (evidence.journal.length)
      lines.push('  site-system journal:', ...evidence.journal.map((entry) => `    ${describeJournalEntry(entry)}`));
    if (evidence.proxyLog.length) lines.push('  proxy log:', ...evidence.proxyLog.map((line) => `    ${line}`));
  }
  return lines.join('\n');
}
