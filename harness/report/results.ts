// The run's results, as `--json` writes them and the table and reports read them. One entry per
// requirement per mode. Statuses: passed, failed, blocked (a prerequisite of the check failed, named
// in the reason: nothing was learnt about the requirement), error (could not run), not-applicable (the
// requirement does not apply in that mode), not-covered (no check exists yet — never a pass),
// expected-failure (a reference proxy's recorded finding, with its reason) and unexpected-pass
// (a recorded finding that no longer holds — it fails the run so the record stays true).
//
// Every result says who judges it (`judges`): `world` verdicts are about the proxy and the world; a
// `model` requirement is decided by the client simulator's own logic alone (catalog Judge), so its
// results are counted apart (`summary.model`), never among the passes, and a model pass never makes a
// run pass. A model check that does not pass is a defect of the lab's client model, not a finding about
// the world: it is named among the run's errors (exit 2).

export type Verdict = 'passed' | 'failed' | 'blocked' | 'error' | 'not-applicable' | 'expected-failure' | 'unexpected-pass';

/** What the Playwright reporter records per check. */
export interface CheckRecord {
  requirement: string;
  also: string[];
  proxy: string;
  mode: string;
  /** The Playwright project (proxy/mode, or a self-test's faulty world); absent in old records. */
  project?: string;
  title: string;
  file: string;
  status: Verdict;
  reason: string;
  /** A failed check's reason code: which assertion failed (see suites/evidence.ts). */
  code?: string;
  durationMs: number;
  evidence?: unknown;
}

/** A check Playwright was to run (requirement, mode, project): what an interrupted run did not get to. */
export interface PlannedCheck {
  requirement: string;
  mode: string;
  project?: string;
}

export interface RawRunRecord {
  checks: CheckRecord[];
  errors: string[];
  status: string;
  /** Every check the run was to run (absent when Playwright never got that far). */
  planned?: PlannedCheck[];
}

export interface RequirementResult {
  requirement: string;
  title: string;
  strength: string;
  mode: string;
  status: Verdict;
  reason: string;
  /** A failed requirement's reason code (the failing assertion). */
  code?: string;
  /** `model`: decided by the client simulator's own logic, reported apart (absent in old records: `world`). */
  judges?: 'world' | 'model';
  checks: { title: string; file: string; status: Verdict; reason: string; code?: string; durationMs: number; evidence?: unknown }[];
}

export interface RunResults {
  schema: 'ibcm-lab/results@1';
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  versions: Record<string, string>;
  driver: 'embedded' | 'docker';
  /** Docker: the image refs every lab of the run used (their tags are hashes of what they hold). */
  images?: Record<string, string>;
  proxy: string;
  modes: string[];
  grep: string | null;
  topology: { name: string; digest: string; source: string };
  summary: {
    passed: number;
    failed: number;
    blocked?: number;
    error: number;
    /** Required requirement × mode cases that did not hold: failed, blocked, expected failures. */ requiredNotHeld?: number;
    notApplicable: number;
    notCovered: number;
    /** Requirement × mode cases an interrupted run did not get to. */ notRun?: number;
    expectedFailures: number;
    unexpectedPasses: number;
    /**
     * Model requirement × mode cases (the client simulator's own logic), counted apart: the counts
     * above are the world's verdicts only.
     */
    model?: { passed: number; notPassed: number };
    exitCode: number;
  };
  results: RequirementResult[];
  notCovered: { requirement: string; title: string }[];
  /** An interrupted run: the requirement × mode cases it did not get to (no verdict, not "not covered"). */
  notRun?: { requirement: string; mode: string }[];
  errors: string[];
  /** The run's folder under .ibcm-lab/runs and its size in bytes when the results were written. */
  runDir?: string;
  runDirBytes?: number;
}

const RANK: Record<Verdict, number> = {
  error: 6,
  'unexpected-pass': 5,
  failed: 4,
  blocked: 3,
  'expected-failure': 2,
  passed: 1,
  'not-applicable': 0,
};

/** A requirement's verdict in a mode is its worst check's (several checks may cover one ID). */
export function combine(checks: CheckRecord[]): { status: Verdict; reason: string; code?: string } {
  const worst = checks.reduce((a, b) => (RANK[b.status] > RANK[a.status] ? b : a));
  return { status: worst.status, reason: worst.reason, ...(worst.code ? { code: worst.code } : {}) };
}

/** The results the world is judged by (what the counts, the matrix and the exit code rest on). */
export const worldResults = (results: RunResults): RequirementResult[] => results.results.filter((result) => result.judges !== 'model');

/** The results of model requirements: the client simulator's own logic, reported apart. */
export const modelResults = (results: RunResults): RequirementResult[] => results.results.filter((result) => result.judges === 'model');
