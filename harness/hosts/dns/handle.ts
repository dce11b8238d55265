// The started DNS host: split-horizon, one view per segment, one host standing on all three. The lab
// decides the records (harness/lab/dns-views.ts); this handle only serves and logs them.
import type { DnsQueryLogEntry, DnsRecord } from '../../dns/index.js';
import type { Segment } from '../../topology/index.js';
import type { LabHost, StartHost } from '../driver.js';
import type { DnsCommand, DnsViewSpec } from './spec.js';

/** One segment's DNS view: where it answers, and the queries it was asked. */
export interface LabDnsView {
  segment: Segment;
  host: string;
  port: number;
  queries(): DnsQueryLogEntry[];
  mark(): number;
  since(mark: number): DnsQueryLogEntry[];
}

export interface StartedDns {
  readonly host: LabHost;
  setRecords(segment: Segment, records: DnsRecord[]): Promise<void>;
  view(segment: Segment): LabDnsView;
}

export async function startDns(start: StartHost, views: DnsViewSpec[]): Promise<StartedDns> {
  const host = await start({
    kind: 'dns',
    name: 'dns',
    attach: views.map((view) => ({ segment: view.segment, address: view.host })),
    views,
  });
  return {
    host,
    setRecords: async (segment, records) => void (await host.control({ op: 'set-records', segment, records } satisfies DnsCommand)),
    view(segment) {
      const at = views.find((view) => view.segment === segment)!;
      const log = host.dnsLog(segment);
      return {
        segment,
        host: at.host,
        port: at.port,
        queries: () => log.entries(),
        mark: () => log.mark(),
        since: (mark) => log.since(mark),
      };
    },
  };
}
