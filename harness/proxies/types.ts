import type { ProxyContract } from './contract/schema.js';

export type ProxyKind = 'reference' | 'faulty';

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
  start(contract: ProxyContract): Promise<StartedProxy>;
}
