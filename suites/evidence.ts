// Evidence of one check: what the client got, what the site system received, what the proxy
// logged, and the reason for the verdict. Attached to the Playwright result as JSON; the
// reporter turns it into the run's results.
import { exchangeEvidence, type Exchange } from '../harness/client/index.js';
import type { JournalEntry } from '../harness/http/index.js';

export { EVIDENCE_ATTACHMENT } from '../harness/run/settings.js';

/**
 * The check's requirement did not hold. `code` names the failing assertion (kebab-case, stable):
 * the self-test requires each negative control to fail its targets with exactly that code, so a
 * check that fails "for some other reason" is never counted as catching it.
 */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
  constructor(
    message: string,
    readonly code: string = 'unspecified',
  ) {
    super(message);
  }
}

/**
 * A prerequisite of the check failed (registration refused, no policy to fetch): nothing was learnt
 * about the check's own requirement. Reported as `blocked`, never as a failure of the requirement,
 * and never counted as a negative control's kill.
 */
export class CheckBlocked extends Error {
  override name = 'CheckBlocked';
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

  private verdictText?: 'failed' | 'error' | 'blocked';
  private codeText?: string;

  /** The reason for a pass. */
  pass(reason: string): void {
    this.reasonText = reason;
  }

  /** A failure, a blocked check or could-not-run recorded instead of thrown (see fixtures.ts). */
  record(verdict: 'failed' | 'error' | 'blocked', reason: string, code?: string): void {
    this.verdictText = verdict;
    this.reasonText = reason;
    this.codeText = code;
  }

  get reason(): string {
    return this.reasonText;
  }

  toJSON() {
    return {
      verdict: this.verdictText,
      reason: this.reasonText,
      code: this.codeText,
      notes: this.notes,
      client: this.client,
      journal: this.journal,
      proxyLog: [...this.proxyLog, ...this.otherProxyLog],
    };
  }
}

/**
 * Fail the check with a reason a reader of the report can act on, and the code of the assertion
 * (what a negative control names in its `breaks`).
 */
export function ensure(condition: unknown, reason: string, code?: string): asserts condition {
  if (!condition) throw new CheckFailure(reason, code);
}

/** A prerequisite of the check: when it does not hold the check is `blocked` (reason: what failed). */
export function prerequisite(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new CheckBlocked(reason);
}
