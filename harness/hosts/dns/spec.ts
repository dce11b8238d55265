// The lab's split-horizon DNS host as data (one view per segment), and the commands it takes.
import type { DnsRecord } from '../../dns/index.js';
import type { Segment } from '../../topology/index.js';
import type { HostBase } from '../spec.js';

export interface DnsViewSpec {
  segment: Segment;
  host: string;
  port: number;
  records: DnsRecord[];
}

export interface DnsHostSpec extends HostBase {
  kind: 'dns';
  views: DnsViewSpec[];
}

/** A segment's view gets a new record set (an MP announced, Microsoft Update's name withdrawn). */
export type DnsCommand = { op: 'set-records'; segment: Segment; records: DnsRecord[] };
