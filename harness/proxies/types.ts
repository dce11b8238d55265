import type { ProxyContract } from './contract/schema.js';
import type { ProxyRef } from './ref.js';
import type { ApplianceSetup } from '../appliance/setup.js';

/**
 * reference: ours, must pass; faulty: a negative control; benign: differs from the reference but is
 * correct, must pass every check (a benign control); hostile: misbehaves at the transport level
 * (garbage, silence, trickle, endless header, reset, half a handshake) — the lab must end every check
 * it meets in time with a failure naming what it did; external: someone's proxy under test (exec:, image:);
 * appliance: an external appliance the lab does not start (address:), configured from the worksheet.
 */
export type ProxyKind = 'reference' | 'faulty' | 'benign' | 'hostile' | 'external' | 'appliance';

export interface StartedProxy {
  /** The proxy's own log lines: evidence in the report. */
  log(): string[];
  close(): Promise<void>;
}

export interface ProxyImplementation {
  name: string;
  kind: ProxyKind;
  description: string;
  modes: ('bridge' | 'tunnel' | 'forward')[];
  /**
   * Faulty proxies: the requirements they are built to break (and nothing else), each with the reason
   * code of the assertion that must fail — requirement ID → code (see `ensure` in suites/evidence.ts).
   */
  breaks?: Record<string, string>;
  /**
   * Faulty proxies: requirements they may break as well, depending on what ran before in the same lab
   * (a cache warmed by an earlier check) — never counted as kills; when one fails, it must fail with
   * this code, or the self-test counts it as a failure for the wrong reason.
   */
  mayAlsoBreak?: Record<string, string>;
  /**
   * Hostile proxies: the checks the self-test runs against it (each goes through the proxy), and what
   * a failed or blocked check's reason must say to have named what the proxy did.
   */
  hostile?: { checks: string[]; says: RegExp };
  /** Reference proxies: results known to differ from the requirement, with the reason. */
  expectations?: Expectation[];
  /** Binaries this proxy needs on PATH (for `ibcm-lab doctor` and a clear error when missing). */
  binaries?: string[];
  /** External proxies: the parsed `--proxy` they came from (a driver starts an image:, refuses an exec:). */
  ref?: ProxyRef;
  /** Appliance mode (address:): where the lab binds the appliance's upstreams and keeps its lasting material. */
  appliance?: ApplianceSetup;
  start(contract: ProxyContract): Promise<StartedProxy>;
}

/**
 * A result a reference proxy is known to give, with the reason (a finding, not a bug to hide).
 * An expected failure that starts passing fails the run, so the record stays true.
 */
export interface Expectation {
  requirement: string;
  modes: ('bridge' | 'tunnel' | 'forward')[];
  status: 'failed';
  /**
   * The failure depends on timing the lab does not control (which pooled upstream connection a
   * request gets): a pass is then not an unexpected pass, a failure is still an expected failure.
   */
  intermittent?: boolean;
  reason: string;
}
