// Evidence of one check: what the client got, what the site system received, what the proxy
// logged, and the reason for the verdict. Attached to the Playwright result as JSON; the
// reporter turns it into the run's results.
import { exchangeEvidence, type Exchange } from '../harness/client/index.js';
import type { JournalEntry } from '../harness/http/index.js';

export const EVIDENCE_ATTACHMENT = 'ibcm-evidence';

export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

export class Evidence {
  private reasonText = '';
  readonly client: ReturnType<typeof exchangeEvidence>[] = [];
  readonly journal: (JournalEntry & { host: string })[] = [];
  readonly notes: string[] = [];
  proxyLog: string[] = [];

  /** The client's view: every exchange a check makes is recorded. */
  sent(...exchanges: Exchange[]): void {
    for (const exchange of exchanges) this.client.push(exchangeEvidence(exchange));
  }

  /** The site system's view (request journal entries). */
  received(host: string, entries: JournalEntry[]): void {
    for (const entry of entries) this.journal.push({ host, ...entry });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /** Log lines of another proxy instance than the main lab's (a lab variant's), labelled. */
  proxyLines(label: string, lines: string[]): void {
    this.otherProxyLog.push(...lines.map((line) => `[${label}] ${line}`));
  }

  private readonly otherProxyLog: string[] = [];

  private verdictText?: 'failed' | 'error';

  /** The reason for a pass. */
  pass(reason: string): void {
    this.reasonText = reason;
  }

  /** A failure or could-not-run recorded instead of thrown (see fixtures.ts). */
  record(verdict: 'failed' | 'error', reason: string): void {
    this.verdictText = verdict;
    this.reasonText = reason;
  }

  get reason(): string {
    return this.reasonText;
  }

  toJSON() {
    return { verdict: this.verdictText, reason: this.reasonText, notes: this.notes, client: this.client, journal: this.journal, proxyLog: [...this.proxyLog, ...this.otherProxyLog] };
  }
}

/** Fail the check with a reason a reader of the report can act on. */
export function ensure(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new CheckFailure(reason);
}
