// The lab handle: what suites, the CLI and reports may use of a running lab. Role internals stay
// behind it; what the roles saw is only available through their journals (DESIGN.md).
import type { ClientProfile } from '../client/profile.js';
import type { DnsQueryLogEntry } from '../dns/index.js';
import type { Journal } from '../http/index.js';
import type { ProxyContract } from '../proxies/index.js';
import type { ProxyMode, Segment, Topology } from '../topology/index.js';

export interface PlacedHost {
  name: string;
  kind: string;
  segment: Segment;
  address: string;
  /** Service name → port actually listened on (after the driver's port offset). */
  ports: Record<string, number>;
  fqdns: string[];
}

export interface LabCertificateFacts {
  name: string;
  profile: string;
  subject: string;
  serialNumber: string;
  dnsNames: string[];
  crlUrls: string[];
  certPath: string;
}

export interface LabDnsView {
  segment: Segment;
  host: string;
  port: number;
  queries(): DnsQueryLogEntry[];
  mark(): number;
  since(mark: number): DnsQueryLogEntry[];
}

export interface LabSiteSystem {
  name: string;
  kind: string;
  internetFqdn?: string;
  intranetFqdn: string;
  address: string;
  services: { service: 'https' | 'http'; wellKnownPort: number; port: number; published: boolean }[];
  /** Bridge/tunnel: the proxy address that publishes it on the internet. */
  publishedAddress?: string;
}

export interface Lab {
  readonly runId: string;
  readonly mode: ProxyMode;
  readonly proxyName: string | null;
  readonly topology: Topology;
  readonly dir: string;
  readonly hosts: PlacedHost[];
  readonly siteSystems: LabSiteSystem[];
  readonly certificates: LabCertificateFacts[];
  readonly trustBundlePem: string;
  readonly crlUrls: string[];
  readonly proxyContract: ProxyContract | null;
  readonly startupMs: number;
  dns(segment: Segment): LabDnsView;
  /** The first site system of a kind (e.g. 'distribution-point'). */
  siteSystem(kind: string): LabSiteSystem;
  /** The request journal of a site system, by host name (e.g. 'mp1', 'cdp'). */
  journal(host: string): Journal;
  /** The proxy's own log lines (empty in direct mode). */
  proxyLog(): string[];
  /** Everything a simulated client needs to start — data only. */
  clientProfile(name?: string): ClientProfile;
  host(name: string): PlacedHost;
  stop(): Promise<void>;
}

export type LabProgress = (event: { step: string; host?: string; state: 'start' | 'done' | 'failed'; ms?: number; detail?: string }) => void;
