// The lab handle: what suites, the CLI and reports may use of a running lab. Role internals stay
// behind it; what the roles saw is only available through their journals (DESIGN.md).
import type { ApplianceWorksheet } from './appliance-worksheet.js';
import type { ClientProfile } from '../client/profile.js';
import type { LabCdpHandle } from '../hosts/crl-distribution-point/handle.js';
import type { LabDnsView } from '../hosts/dns/handle.js';
import type { LabDomainController } from '../hosts/domain-controller/handle.js';
import type { LabMicrosoftUpdate } from '../hosts/microsoft-update/handle.js';
import type { MpControlResult } from '../hosts/site-system/mp-control.js';
import type { JournalReader } from '../http/index.js';
import type { ProxyContract } from '../proxies/index.js';
import type { CertificateVariant, ProxyMode, Segment, Topology } from '../topology/index.js';

// The started handles of the host kinds a check may use, as each kind defines them (harness/hosts).
export type { MpControlResult } from '../hosts/site-system/mp-control.js';
export type { LabCdpHandle } from '../hosts/crl-distribution-point/handle.js';
export type { LabDnsView } from '../hosts/dns/handle.js';
export type { LabDomainController } from '../hosts/domain-controller/handle.js';
export type { LabMicrosoftUpdate, MicrosoftUpdateFault } from '../hosts/microsoft-update/handle.js';

// Where a host stands: defined with the plan (drivers use it without the rest of the lab handle).
export type { PlacedHost } from './plan.js';
import type { PlacedHost } from './plan.js';

export interface LabCertificateFacts {
  name: string;
  profile: string;
  subject: string;
  serialNumber: string;
  dnsNames: string[];
  crlUrls: string[];
  certPath: string;
  /** Which hierarchy signed it: the lab's ('issuing'), its revoked issuing CA ('revoked-issuing'), the untrusted one, or the cloud CA. */
  issuedBy: string;
  /** The issuing CA that signed it (subject DN, serial). */
  issuer: { subject: string; serialNumber: string };
  /** How it was made to go wrong (absent = a valid certificate). */
  variant?: CertificateVariant;
  notBefore: string;
  notAfter: string;
}

/** A client certificate the lab issued on request (PEM material for a client profile, plus its facts). */
export interface LabClientCertificate extends LabCertificateFacts {
  variant: CertificateVariant;
  certPem: string;
  keyPem: string;
  chainPem: string;
}

export interface LabCrlFacts {
  issuer: string;
  url: string;
  thisUpdate: string;
  nextUpdate: string;
  crlNumber: number;
  revokedSerials: string[];
}

/**
 * The lab PKI as checks may use it while the lab runs: make a client certificate of a variant,
 * revoke a certificate (the site systems and the proxy contract's CRL file get the new CRL), and
 * publish CRLs dated from the lab clock — or stale ones.
 */
export interface LabPkiHandle {
  /** The `pki:` options this lab was built with (clock, CDP, certificate variants). */
  readonly options: Topology['pki'];
  /** The lab clock certificates and CRLs are dated from (a copy). */
  readonly clock: Date;
  /** Root certificates (PEM): the lab's, a second hierarchy nobody trusts, the CMG's cloud CA. */
  roots(): Promise<{ lab: string; untrusted: string; cloud: string }>;
  /**
   * A new workstation certificate for a client of the topology (default: the first), issued as
   * `variant`. `revoked` here is revoked while the lab runs: the site systems get the new CRL at
   * once, a proxy only if it re-reads its CRL file — use `revokedAtStart` for the published path.
   */
  issueClientCertificate(options: {
    variant: CertificateVariant;
    client?: string;
    subject?: { kind: 'device' | 'user'; name: string };
  }): Promise<LabClientCertificate>;
  /** The first client's certificate, revoked before any site system or the proxy read the CRL. */
  readonly revokedAtStart: LabClientCertificate;
  /**
   * Serves `variant` of a site system's server certificate (default: the first MP) until `restore()`:
   * its HTTPS listener is restarted with it, so every new connection sees it. The published
   * certificate in tunnel, forward and direct mode; in bridge mode clients see the bridge's own
   * certificate and the bridge meets this one upstream (a pooling bridge may not, so bridge checks
   * use a lab variant instead).
   */
  serveSiteCertificate(
    variant: CertificateVariant,
    options?: { siteSystem?: string },
  ): Promise<{ certificate: LabCertificateFacts; restore(): Promise<void> }>;
  /** Revokes a certificate of the lab and hands the new CRL to the site systems and the proxy contract's CRL file. */
  revoke(serialNumber: string): Promise<void>;
  /**
   * Re-signs the lab's CRLs, which the CDP serves at once. `staleByHours` dates them so far back
   * that nextUpdate has passed by that much (a stale CRL). The site systems keep the CRLs they hold.
   */
  publishCrls(options?: { staleByHours?: number }): Promise<LabCrlFacts[]>;
  crls(): LabCrlFacts[];
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
  /** Direct/forward on the docker driver: its own address on the internet network. */
  internetAddress?: string;
}

/**
 * A cloud management gateway of the topology: a cloud service reached by its public name wherever the
 * client stands (through the client's web proxy in forward mode); a reverse proxy does not publish it.
 */
export interface LabCloudManagementGateway {
  name: string;
  fqdn: string;
  address: string;
  port: number;
  mpRoleId: string;
  /** The MP it forwards to. */
  managementPoint: string;
  /** `/CCM_Proxy_MutualAuth/<MP role id>` — put before the MP's own paths. */
  pathPrefix: string;
}

export interface Lab {
  readonly runId: string;
  readonly mode: ProxyMode;
  readonly proxyName: string | null;
  readonly topology: Topology;
  readonly dir: string;
  readonly hosts: PlacedHost[];
  readonly siteSystems: LabSiteSystem[];
  readonly cloudManagementGateways: LabCloudManagementGateway[];
  readonly certificates: LabCertificateFacts[];
  readonly trustBundlePem: string;
  readonly crlUrls: string[];
  readonly proxyContract: ProxyContract | null;
  /** Appliance mode (`--proxy address:`, `worksheet`, `up --listen`): what the administrator configures on the appliance. */
  readonly worksheet?: ApplianceWorksheet;
  readonly startupMs: number;
  readonly pki: LabPkiHandle;
  readonly cdp: LabCdpHandle;
  /** The mock Microsoft Update host, when the topology has one. */
  readonly microsoftUpdate?: LabMicrosoftUpdate;
  /** The domain controller beacon, when the topology has one. */
  readonly domainController?: LabDomainController;
  /**
   * The MP's own availability check (MPControl), run on the MP host with the MP's own client
   * certificate, or with none (PKI-MPCONTROL).
   */
  mpControl(options?: { certificate?: 'own' | 'none'; managementPoint?: string }): Promise<MpControlResult>;
  /**
   * The site system parses leniently (Transfer-Encoding wins over Content-Length, the last
   * Content-Length counts) from its next request on, until `restore()`: PX-SMUGGLE's back end on the
   * running lab, where no variant lab can be had (an external appliance publishes this lab only).
   */
  lenientRequestFraming(siteSystem: string): Promise<{ restore(): Promise<void> }>;
  dns(segment: Segment): LabDnsView;
  /**
   * Makes an MP of the topology that starts without internet clients (`internetFromStart: false`)
   * internet-capable while the lab runs: the site's MP lists name it and its internet name is
   * registered in DNS, until `remove()` (LOC-MP-REFRESH).
   */
  addInternetManagementPoint(name: string): Promise<{ remove(): Promise<void> }>;
  /** Stops every listener of a site system (connections are refused) until `restore()` (LOC-FAILOVER). */
  takeDown(name: string): Promise<{ restore(): Promise<void> }>;
  /** The first site system of a kind (e.g. 'distribution-point'). */
  siteSystem(kind: string): LabSiteSystem;
  /** The request journal of a site system, by host name (e.g. 'mp1', 'cdp', a CMG's name). */
  journal(host: string): JournalReader;
  /** The proxy's own log lines (empty in direct mode). */
  proxyLog(): string[];
  /**
   * Everything a simulated client needs to start — data only. `segment` puts the client on another
   * segment (its DNS view and source address change; on the intranet it has no web proxy).
   */
  clientProfile(name?: string, options?: { segment?: Segment }): ClientProfile;
  /**
   * The client (the topology's first if unnamed) moved to `segment`, and its profile there. On the
   * docker driver the client's station container is disconnected from its network and connected to
   * the segment's, so the network itself changes under the client; on the embedded driver this is
   * `clientProfile(name, { segment })` (a source address and DNS view of that segment).
   */
  moveClient(name: string | undefined, segment: Segment): Promise<ClientProfile>;
  host(name: string): PlacedHost;
  stop(): Promise<void>;
}

export type LabProgress = (event: {
  step: string;
  host?: string;
  state: 'start' | 'done' | 'failed';
  ms?: number;
  detail?: string;
}) => void;
