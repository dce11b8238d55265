// Where a lab host stands: its address on its segment, its ports, its names — plain data made by the
// lab's plan (harness/lab/plan.ts) before anything starts, and read by every host kind's spec and by
// the drivers, which hand out the addresses (Placement) without knowing IBCM.
import type { Segment, SiteSystemRole } from '../topology/index.js';
import type { Attachment } from './spec.js';

/** A host of the lab and where it stands. */
export interface PlacedHost {
  name: string;
  kind: string;
  segment: Segment;
  address: string;
  /** Service name → port actually listened on (after the driver's port offset). */
  ports: Record<string, number>;
  fqdns: string[];
  /**
   * Where segments are separate networks (docker): the host's leg on the intranet network, standing
   * for the routes a real intranet has to the DMZ and the internet. The intranet DNS view answers
   * the host's names with it, so a client whose station stands on the intranet reaches the host
   * there. The embedded driver needs none: every loopback address reaches every other.
   */
  intranetAddress?: string;
  /**
   * Appliance mode (`--listen`): where an appliance the lab does not start reaches this host — the
   * lab's listen address, with a port of this host's own per service (harness/appliance/listen.ts).
   */
  applianceLeg?: { address: string; ports: Record<string, number> };
}

export interface PlannedService {
  service: 'https' | 'http';
  /** The documented port (443, 80, 8531…) and the one actually listened on. */
  wellKnownPort: number;
  port: number;
  /** Reachable from the internet (through the proxy, or directly in direct/forward mode). */
  published: boolean;
}

export interface PlannedSiteSystem {
  role: SiteSystemRole;
  host: PlacedHost;
  services: PlannedService[];
  /** Bridge/tunnel: the proxy's internet-side address that publishes this site system. */
  publishedAddress?: string;
  /**
   * Quirk `proxy-publishes-first-internet-mp-only`: its name resolves to `publishedAddress`, but the
   * proxy has no publishing rule (no listener) for it.
   */
  withoutPublishingRule?: boolean;
  /**
   * Direct/forward where segments are separate networks (docker): the site system's own address on
   * the internet — its public address, as a DMZ host reachable from the internet has one. On the
   * embedded driver every loopback address reaches every other, so the DMZ address serves as it.
   */
  internetAddress?: string;
}

/** Addresses and ports for one lab, handed out by the driver (loopback blocks, or docker networks). */
export interface Placement {
  /** The segment's DNS server address. */
  dnsAddress(segment: Segment): string;
  /** Next free host address on a segment. */
  allocate(segment: Segment): string;
  /** The port a service with this well-known port listens on. */
  port(wellKnown: number): number;
  /** Where a client on a segment comes from, when the driver decides it (docker: this machine's bridge address). */
  clientAddress?(segment: Segment): string;
  /** False where a host on one segment cannot reach another segment's addresses (docker's internal networks). */
  readonly segmentsRouted?: boolean;
}

/** A host stands on its segment, and on the intranet too where it has a leg there (plan.ts: intranetAddress). */
export function attachedTo(host: PlacedHost): Attachment[] {
  return [
    { segment: host.segment, address: host.address },
    ...(host.intranetAddress ? [{ segment: 'intranet' as const, address: host.intranetAddress }] : []),
  ];
}

/** Every address a host's listeners bind: its own, and its intranet leg. */
export function listenAddresses(host: PlacedHost): string[] {
  return [host.address, ...(host.intranetAddress ? [host.intranetAddress] : [])];
}

/** Where a host's service listens: each of its addresses at the service's port, and its appliance leg if it has one. */
export function listenPoints(host: PlacedHost, service: string, port: number): { host: string; port: number }[] {
  const leg = host.applianceLeg;
  return [
    ...listenAddresses(host).map((address) => ({ host: address, port })),
    ...(leg?.ports[service] !== undefined ? [{ host: leg.address, port: leg.ports[service] }] : []),
  ];
}
