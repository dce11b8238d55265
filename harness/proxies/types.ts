import type { ProxyContract } from './contract/schema.js';

/** reference: ours, must pass; faulty: a negative control; external: someone's proxy under test (exec:, image:). */
export type ProxyKind = 'reference' | 'faulty' | 'external';

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
  /** Faulty proxies: the requirement IDs they are built to break (and nothing else). */
  breaks?: string[];
  /** Reference proxies: results known to differ from the requirement, with the reason. */
  expectations?: Expectation[];
  /** Binaries this proxy needs on PATH (for `ibcm-lab doctor` and a clear error when missing). */
  binaries?: string[];
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
  reason: string;
}
