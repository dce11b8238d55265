// A lab host as data: everything one host of the lab needs to run — its listeners, certificates,
// CRLs, the role it plays, the networks it stands on. Each host kind (a folder beside this file)
// owns its spec and the commands it takes; this file only gathers them. Made by the lab from the
// plan; run in this process by the embedded driver, or written to a file and run by `ibcm-lab host`
// inside a container by the docker driver. Plain JSON, so both drivers run exactly the same host.
// Type-only and free of role code: drivers import these types and must know nothing of IBCM.
import type { DnsQueryLogEntry } from '../dns/index.js';
import type { Segment } from '../topology/index.js';
import type { GatewayCommand, GatewayHostSpec } from './cloud-management-gateway/spec.js';
import type { CdpCommand, CdpHostSpec } from './crl-distribution-point/spec.js';
import type { DnsCommand, DnsHostSpec } from './dns/spec.js';
import type { DomainControllerCommand, DomainControllerHostSpec } from './domain-controller/spec.js';
import type { MicrosoftUpdateCommand, MicrosoftUpdateHostSpec } from './microsoft-update/spec.js';
import type { SiteSystemCommand, SiteSystemHostSpec } from './site-system/spec.js';

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

export interface HostBase {
  name: string;
  attach: Attachment[];
}

/**
 * What every host with HTTP(S) listeners takes: close them all (connections are refused) — a site
 * system taken down, the CDP switched off — and open them again.
 */
export type ListenerCommand = { op: 'stop-listening' } | { op: 'listen' };

export type HostSpec =
  SiteSystemHostSpec | GatewayHostSpec | CdpHostSpec | MicrosoftUpdateHostSpec | DomainControllerHostSpec | DnsHostSpec;

/**
 * What the lab can ask of a running host (the same call in-process or over a container's control
 * socket, as JSON): the union of every kind's own commands; each kind's runner takes only its own.
 */
export type HostCommand = SiteSystemCommand | GatewayCommand | CdpCommand | MicrosoftUpdateCommand | DomainControllerCommand | DnsCommand;

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
