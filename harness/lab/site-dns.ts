// The site's DNS while the lab runs: the records of every segment's view (dns-views.ts), and the MPs
// the site makes internet-capable only while the lab runs (LOC-MP-REFRESH): until announced, their
// internet names are in no DNS view and in no MP list (the proxy's publishing rule is ready).
import type { StartedDns } from '../hosts/dns/handle.js';
import type { DnsViewSpec } from '../hosts/dns/spec.js';
import type { PlannedSiteSystem } from '../hosts/placed.js';
import { segmentNames, type ProxyMode, type Segment, type Topology } from '../topology/index.js';
import { dnsRecords } from './dns-views.js';
import type { LabPlan } from './plan.js';

export class SiteDns {
  readonly internetMps: PlannedSiteSystem[];
  /** The internet MPs the site lists now. */
  readonly announced: Set<string>;
  private dns: StartedDns | undefined;

  constructor(
    private readonly topology: Topology,
    private readonly mode: ProxyMode,
    private readonly plan: LabPlan,
  ) {
    this.internetMps = plan.siteSystems.filter((system) => system.role.kind === 'management-point' && system.role.internetFqdn);
    const fromStart = this.internetMps.filter(
      (system) => system.role.kind !== 'management-point' || system.role.internetFromStart !== false,
    );
    this.announced = new Set(fromStart.map((system) => system.role.name));
  }

  /** A segment's records now (`withoutMicrosoftUpdate`: its name gone from every view). */
  records(segment: Segment, options: { withoutMicrosoftUpdate?: boolean } = {}) {
    const unannouncedInternetNames = this.internetMps
      .filter((system) => !this.announced.has(system.role.name))
      .map((system) => system.role.internetFqdn!);
    return dnsRecords(segment, this.topology, this.mode, this.plan, { ...options, unannouncedInternetNames });
  }

  /** One view per segment, for the DNS host's spec. */
  views(): DnsViewSpec[] {
    const { placement } = this.plan;
    return segmentNames.map((segment) => ({
      segment,
      host: placement.dnsAddress(segment),
      port: placement.port(53),
      records: this.records(segment),
    }));
  }

  /** The DNS host that serves these records (started from `views()`). */
  servedBy(dns: StartedDns): void {
    this.dns = dns;
  }

  /** Hands every view its records as they are now. */
  async refresh(options: { withoutMicrosoftUpdate?: boolean } = {}): Promise<void> {
    for (const segment of segmentNames) await this.dns!.setRecords(segment, this.records(segment, options));
  }
}
