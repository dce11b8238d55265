// Playwright reporter for the conformance suites: prints one line per check as it finishes and
// writes every check's verdict, reason and evidence to the run's raw results file for the CLI.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { CHECK_EVIDENCE_DIR, EVIDENCE_ATTACHMENT, checkEvidenceFile, readRunSettings, type RecordedVerdict } from '../run/settings.js';
import { ProgressView, progressEventsIn } from './progress.js';
import type { CheckRecord, PlannedCheck, Verdict } from './results.js';
import { paint, symbolOf } from './style.js';

export default class IbcmReporter implements Reporter {
  private readonly checks: CheckRecord[] = [];
  /** Skipped with no reason given: Playwright's "not run" for the rest of a stopped worker's job. */
  private readonly unexplainedSkips: CheckRecord[] = [];
  private readonly errors: string[] = [];
  private planned: PlannedCheck[] = [];
  private total = 0;
  private rootDir = '';
  private readonly progress = new ProgressView();
  /** Read once: the settings travel as JSON in the environment (a self-test's list of projects is long). */
  private readonly settings = readRunSettings();
  /** When this runner got Ctrl-C (its process group's, the CLI's, or its own when the CLI died). */
  private interruptedAt: number | undefined;

  constructor() {
    const mark = () => {
      this.interruptedAt ??= Date.now();
      // Alone on SIGINT (Playwright not listening yet): let it do what it would have done.
      if (process.listenerCount('SIGINT') === 0) process.kill(process.pid, 'SIGINT');
    };
    process.once('SIGINT', mark);
  }

  printsToStdio(): boolean {
    return true;
  }

  onBegin(config: FullConfig, suite: Suite): void {
    this.rootDir = config.rootDir;
    this.total = suite.allTests().length;
    this.planned = suite
      .allTests()
      .map((test) => ({ requirement: requirementOf(test), mode: modeOf(test), project: test.parent.project()?.name }));
    process.stdout.write(
      `Running ${this.total} checks in ${config.projects.map((project) => project.name).join(', ')} mode${config.projects.length > 1 ? 's' : ''} (${config.workers} worker${config.workers > 1 ? 's' : ''})\n`,
    );
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const requirement = requirementOf(test);
    const also = test.annotations.filter((annotation) => annotation.type === 'also').map((annotation) => annotation.description ?? '');
    const metadata = (test.parent.project()?.metadata ?? {}) as { mode?: string; proxy?: string };
    const mode = modeOf(test);
    const proxy = metadata.proxy ?? this.settings.proxy;
    const evidence = takeEvidence(this.settings.runDir, test, result) as
      { reason?: string; code?: string; verdict?: RecordedVerdict } | undefined;
    let status: Verdict;
    let reason: string;
    let code: string | undefined;
    const skipReason =
      test.annotations.find((annotation) => annotation.type === 'skip')?.description ??
      result.annotations?.find?.((annotation) => annotation.type === 'skip')?.description;
    if (result.status === 'skipped') {
      status = 'not-applicable';
      reason = skipReason ?? 'skipped';
    } else if (result.status === 'passed' && evidence?.verdict) {
      // Recorded, not thrown, so the worker (and its lab) lives on.
      status = evidence.verdict;
      reason = evidence.reason ?? evidence.verdict;
      code = evidence.code;
    } else if (result.status === 'passed') {
      status = 'passed';
      reason = evidence?.reason ?? 'passed';
    } else if (result.status === 'interrupted') {
      // Cut short by Ctrl-C or a stopped run: nothing was learnt, never a failure of the requirement.
      status = 'error';
      reason = 'interrupted: the run was stopped before this check finished';
    } else {
      // Thrown, not recorded: a check run outside `ibcm-lab run`'s recording, or an unexpected error.
      const message = errorMessage(result);
      status = 'failed';
      reason =
        result.status === 'timedOut' ? `timed out after ${result.duration} ms${message ? `: ${message}` : ''}` : message || result.status;
    }
    // Ended after the interruption with a failure: the stop (a lab coming down under the check) may be
    // the cause, so nothing was learnt — never a failure of the requirement.
    if (this.interruptedAt !== undefined && (status === 'failed' || status === 'blocked')) {
      reason = `interrupted: the run was stopped while this check ran (it then reported: ${reason})`;
      status = 'error';
      code = undefined;
    }
    const record: CheckRecord = {
      requirement,
      also,
      proxy,
      mode,
      project: test.parent.project()?.name,
      title: test.title,
      file: specFileOf(test, this.rootDir),
      status,
      reason,
      ...(code ? { code } : {}),
      durationMs: result.duration,
      evidence,
    };
    if (result.status === 'skipped' && skipReason === undefined) {
      this.unexplainedSkips.push(record);
      return;
    }
    this.checks.push(record);
    const width = Math.max(20, (process.stdout.columns || 120) - 60);
    const where = test.parent.project()?.name ?? mode;
    this.progress.line(
      `  ${paint(status, symbolOf(status))} ${requirement.padEnd(38)} ${where.padEnd(Math.max(7, where.length))} ${paint(status, status.padEnd(14))} ${String(result.duration).padStart(5)}ms${status === 'passed' || status === 'not-applicable' ? '' : `  ${reason.slice(0, width)}`}\n`,
    );
  }

  /** Workers report lab start-up here (see progress.ts); their other output is not shown. */
  onStdOut(chunk: string | Buffer): void {
    for (const event of progressEventsIn(chunk)) this.progress.event(event);
  }

  onError(error: { message?: string }): void {
    this.errors.push(stripAnsi(error.message ?? String(error)));
  }

  onEnd(result: FullResult): void {
    this.progress.end();
    const settings = this.settings;
    rmSync(join(settings.runDir, CHECK_EVIDENCE_DIR), { recursive: true, force: true });
    mkdirSync(dirname(settings.resultsFile), { recursive: true });
    const interrupted = result.status === 'interrupted' || this.interruptedAt !== undefined;
    // In a stopped run, a skip with no reason is a check that never ran (the summary lists it as not run).
    if (!interrupted) this.checks.push(...this.unexplainedSkips);
    writeFileSync(
      settings.resultsFile,
      JSON.stringify(
        { checks: this.checks, errors: this.errors, status: interrupted ? 'interrupted' : result.status, planned: this.planned },
        null,
        2,
      ),
    );
  }
}

/** The check's evidence as its worker left it (a file in the run folder, removed once read), or as an attachment. */
function takeEvidence(runDir: string, test: TestCase, result: TestResult): unknown {
  const file = checkEvidenceFile(runDir, test.id, result.retry);
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    rmSync(file, { force: true });
    return JSON.parse(text);
  }
  const attachment = result.attachments.find((item) => item.name === EVIDENCE_ATTACHMENT);
  return attachment?.body ? JSON.parse(attachment.body.toString('utf8')) : undefined;
}

function requirementOf(test: TestCase): string {
  return test.annotations.find((annotation) => annotation.type === 'requirement')?.description ?? test.title.split(' ')[0]!;
}

function modeOf(test: TestCase): string {
  const metadata = (test.parent.project()?.metadata ?? {}) as { mode?: string };
  return metadata.mode ?? test.parent.project()?.name ?? 'unknown';
}

/**
 * The spec file a check is declared in, relative to the suites folder: the title of its file suite
 * (its own location is check()'s call to test(), in fixtures.ts). Run compiled (harness/cli/compiled-suites.ts)
 * the title names the compiled .js; the source is the .ts of the same name.
 */
function specFileOf(test: TestCase, rootDir: string): string {
  let suite: Suite | undefined = test.parent;
  while (suite && suite.type !== 'file') suite = suite.parent;
  return suite ? suite.title.replace(/\.spec\.js$/, '.spec.ts') : relative(rootDir, test.location.file);
}

function errorMessage(result: TestResult): string {
  const error = result.errors[0] ?? result.error;
  if (!error) return '';
  return stripAnsi(error.message ?? error.value ?? '')
    .replace(/^(Error|CheckFailure): /, '')
    .split('\n')[0]!
    .trim();
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
