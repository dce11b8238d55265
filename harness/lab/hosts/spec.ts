// A lab host as data: everything one host of the lab needs to run — its listeners, certificates,
// CRLs, the role it plays, the networks it stands on. Made by the lab (start-lab.ts) from the plan;
// run in this process by the embedded driver, or written to a file and run by `ibcm-lab host` inside
// a container by the docker driver. Plain JSON, so both drivers run exactly the same host.
import type { DnsQueryLogEntry, DnsRecord } from '../../dns/index.js';
import type { Segment, Topology } from '../../topology/index.js';
import type { MpControlTarget } from '../mp-control.js';
import type { PlannedSiteSystem } from '../plan.js';

export interface TlsSpec {
  key: string;
  /** Leaf + chain PEM. */
  cert: string;
  /** PEM bundle trusted for client certificates. */
  ca: string;
  crl: string[];
  clientCertificate: 'require' | 'request';
}

export interface ServerSpec {
  host: string;
  port: number;
  tls?: TlsSpec;
}

/** Where a host stands: one address per segment (the DNS server stands on all three). */
export interface Attachment {
  segment: Segment;
  address: string;
}

interface HostBase {
  name: string;
  attach: Attachment[];
}

export interface SiteSystemHostSpec extends HostBase {
  kind: 'site-system';
  system: PlannedSiteSystem;
  topology: Topology;
  siteSystems: PlannedSiteSystem[];
  /** The site system's own certificate (the MP signs with it and hands it out as MPCERT). */
  certificatePem?: string;
  servers: ServerSpec[];
}

export interface GatewayHostSpec extends HostBase {
  kind: 'cloud-management-gateway';
  mpRoleId: string;
  /** The MP it forwards to: the CMG's connection point runs the MP's handler. */
  managementPoint: Omit<SiteSystemHostSpec, 'kind' | 'name' | 'attach' | 'servers'>;
  servers: ServerSpec[];
}

export interface CrlFile {
  path: string;
  derBase64: string;
}

export interface CdpHostSpec extends HostBase {
  kind: 'crl-distribution-point';
  crls: CrlFile[];
  servers: ServerSpec[];
}

export interface MicrosoftUpdateHostSpec extends HostBase {
  kind: 'microsoft-update';
  servers: ServerSpec[];
}

export interface DomainControllerHostSpec extends HostBase {
  kind: 'domain-controller';
  listen: { host: string; port: number };
}

export interface DnsHostSpec extends HostBase {
  kind: 'dns';
  views: { segment: Segment; host: string; port: number; records: DnsRecord[] }[];
}

export type HostSpec = SiteSystemHostSpec | GatewayHostSpec | CdpHostSpec | MicrosoftUpdateHostSpec | DomainControllerHostSpec | DnsHostSpec;

/** What the lab can ask of a running host (the same call in-process or over a container's control socket). */
export type HostCommand =
  /** Close every listener (connections are refused) — a site system taken down, the CDP switched off. */
  | { op: 'stop-listening' }
  | { op: 'listen' }
  /** Serve another certificate on the HTTPS listeners. */
  | { op: 'set-tls'; key: string; cert: string }
  /** A new CRL set for the HTTPS listeners (restarted, as a TLS server reads its CRL at start). */
  | { op: 'set-crls'; crl: string[] }
  /** The CDP's published CRL files. */
  | { op: 'set-crl-files'; crls: CrlFile[] }
  /** Microsoft Update's behaviour, and whether it listens normally, not at all, or drops connections. */
  | { op: 'set-microsoft-update'; behaviour: MicrosoftUpdateBehaviour; listen: 'normal' | 'none' | 'blackhole' }
  | { op: 'set-records'; segment: Segment; records: DnsRecord[] }
  /** The MPs the site lists as internet-capable now (an MP added while the lab runs, LOC-MP-REFRESH). */
  | { op: 'set-internet-management-points'; names: string[] }
  /** Run the MP's availability check (MPControl) on this host; answers an MpControlResult. */
  | { op: 'mp-control'; target: MpControlTarget; certificate: { keyPem: string; chainPem: string; subject: string; serialNumber: string } | null };

/** As the Microsoft Update role takes it (roles/microsoft-update); repeated so drivers need no role code. */
export type MicrosoftUpdateBehaviour = { kind: 'normal' } | { kind: 'http-error'; status: number } | { kind: 'hold'; holdMs: number } | { kind: 'block-page' };

/** A DC beacon connection. */
export interface BeaconConnection {
  at: string;
  remoteAddress: string;
}

/** Files a container host writes its records to, under the lab directory. */
export function hostLogFiles(dir: string, name: string) {
  return {
    journal: `${dir}/hosts/${name}.journal.jsonl`,
    connections: `${dir}/hosts/${name}.connections.jsonl`,
    dns: (segment: Segment) => `${dir}/hosts/${name}.dns-${segment}.jsonl`,
    control: `${dir}/hosts/${name}.sock`,
    spec: `${dir}/hosts/${name}.json`,
    ready: `${dir}/hosts/${name}.ready`,
    log: `${dir}/hosts/${name}.log`,
  };
}

export type { DnsQueryLogEntry };
