// Network location (seed 004; W:43): "If the client can contact a domain controller or an on-premises
// management point, it sets its connection type to currently intranet", else "currently internet".
// The client probes its DC's LDAP port and its intranet MP by name, through the DNS view of where it
// stands — from the internet neither name resolves. An internet-only client (CCMALWAYSINF=1) uses
// internet site systems wherever it is (W:51); an intranet-and-internet client follows its location.
import type { IbcmClient } from './ibcm-client.js';
import type { SiteSystemEndpoint } from './profile.js';

export type NetworkLocation = 'intranet' | 'internet';

export interface LocationProbe {
  what: 'domain-controller' | 'intranet-management-point';
  target: string;
  reachable: boolean;
  error?: string;
}

export interface LocationDetection {
  location: NetworkLocation;
  reason: string;
  probes: LocationProbe[];
}

/** Probes the DC, then the intranet MP; the first that answers makes the client "currently intranet". */
export async function detectNetworkLocation(client: IbcmClient): Promise<LocationDetection> {
  const probes: LocationProbe[] = [];
  const dc = client.profile.domainController;
  if (dc) {
    const result = await client.transport.probeTcp(dc.fqdn, dc.port);
    probes.push({ what: 'domain-controller', target: `${dc.fqdn}:${dc.port}`, ...result });
    if (result.reachable) return { location: 'intranet', reason: `reached the domain controller ${dc.fqdn}`, probes };
  }
  const mp = client.profile.intranetSiteSystems?.find((endpoint) => endpoint.role === 'management-point' && endpoint.scheme === 'https');
  if (mp) {
    const result = await client.transport.probeTcp(mp.fqdn, mp.port);
    probes.push({ what: 'intranet-management-point', target: `${mp.fqdn}:${mp.port}`, ...result });
    if (result.reachable) return { location: 'intranet', reason: `reached the intranet management point ${mp.fqdn}`, probes };
  }
  return {
    location: 'internet',
    reason: probes.length
      ? `reached neither ${probes.map((probe) => probe.target).join(' nor ')}`
      : 'knows no domain controller and no intranet MP',
    probes,
  };
}

/** The site systems a client uses: internet ones when internet-only or currently internet, else intranet ones. */
export function siteSystemsFor(client: IbcmClient, location: NetworkLocation): { scope: NetworkLocation; endpoints: SiteSystemEndpoint[] } {
  if (client.profile.install.CCMALWAYSINF === 1 || location === 'internet')
    return { scope: 'internet', endpoints: client.profile.siteSystems };
  return { scope: 'intranet', endpoints: client.profile.intranetSiteSystems ?? [] };
}

/** `https://<fqdn>:<port>` of the MP the client uses at `location`. */
export function managementPointAt(client: IbcmClient, location: NetworkLocation): string {
  const { scope, endpoints } = siteSystemsFor(client, location);
  const mp =
    scope === 'internet'
      ? { fqdn: client.profile.install.CCMHOSTNAME, port: client.profile.install.CCMHTTPSPORT }
      : endpoints.find((endpoint) => endpoint.role === 'management-point' && endpoint.scheme === 'https');
  if (!mp?.fqdn) throw new Error(`${client.profile.computerName} knows no ${scope} management point`);
  return `https://${mp.fqdn}:${mp.port}`;
}

/**
 * The client's choice of internet MP (W:44–45): at random among the MP list, whatever the location
 * (LOC-RANDOM); it keeps its MP until it fails `threshold` times within `windowMs` (five attempts
 * over ten minutes, FIND-RES), then picks another at random. `now` lets a check run the clock fast.
 */
export class ManagementPointSelector {
  private currentFqdn: string;
  private failures: number[] = [];
  readonly switches: { from: string; to: string; afterFailures: number }[] = [];

  constructor(
    private readonly candidates: string[],
    private readonly random: () => number,
    /** `current`: the MP the client uses now (the one it was installed with); absent = a random first choice. */
    private readonly options: { threshold?: number; windowMs?: number; now?: () => number; current?: string } = {},
  ) {
    if (candidates.length === 0) throw new Error('an empty MP list');
    this.currentFqdn =
      options.current && candidates.includes(options.current) ? options.current : ManagementPointSelector.pick(candidates, random);
  }

  static pick(candidates: string[], random: () => number): string {
    return candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]!;
  }

  get current(): string {
    return this.currentFqdn;
  }

  recordSuccess(): void {
    this.failures = [];
  }

  /** Notes a failed attempt; true when it made the client move to another MP. */
  recordFailure(): boolean {
    const now = (this.options.now ?? Date.now)();
    const windowMs = this.options.windowMs ?? 10 * 60_000;
    this.failures = [...this.failures.filter((at) => now - at < windowMs), now];
    if (this.failures.length < (this.options.threshold ?? 5)) return false;
    const others = this.candidates.filter((candidate) => candidate !== this.currentFqdn);
    if (others.length === 0) return false;
    const to = ManagementPointSelector.pick(others, this.random);
    this.switches.push({ from: this.currentFqdn, to, afterFailures: this.failures.length });
    this.currentFqdn = to;
    this.failures = [];
    return true;
  }
}
