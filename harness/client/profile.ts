// Everything a simulated client is given to start: its install properties, its identity and its
// place on the network. Plain data only — the client reaches the lab through DNS, TCP, TLS and
// HTTP and nothing else, so a broken proxy can always fail it (DESIGN.md, boundaries).

export interface ClientInstallProperties {
  CCMHOSTNAME: string;
  SMSSITECODE: string;
  CCMALWAYSINF: 0 | 1;
  /** CCMSetup's CCMHTTPSPORT / CCMHTTPPORT: where the site's HTTPS / HTTP listeners are. */
  CCMHTTPSPORT: number;
  CCMHTTPPORT: number;
  UsePKICert: boolean;
  /** CCMSetup /NoCRLCheck: do not check site systems' certificates against their CRLs (W:50). */
  NoCRLCheck: boolean;
  FSP?: string;
  /** CCMCERTISSUERS: root CA subjects a client certificate must chain to ("|"-separated), W:49 rule 1. */
  CCMCERTISSUERS?: string;
}

/** A certificate with its private key in the computer's Personal store. */
export interface ClientCertificate {
  certPem: string;
  keyPem: string;
  /** Leaf + issuing CA (no root): what the client sends in TLS. */
  chainPem: string;
}

export interface ClientProfile {
  name: string;
  computerName: string;
  fqdn: string;
  segment: string;
  install: ClientInstallProperties;
  /** The client's PKI certificate (workstation authentication) and the trusted roots. */
  certificate: ClientCertificate | null;
  /**
   * More certificates in the computer's Personal store: with several, the client selects one by the
   * documented rules (W:49) — see certificate-selection.ts.
   */
  otherCertificates?: ClientCertificate[];
  trustedRootsPem: string;
  /** The DNS server of the segment the client stands on. */
  dns: { host: string; port: number };
  /** Source address on the client's segment (loopback alias in the embedded driver). */
  localAddress?: string;
  /**
   * Where the client's connections leave from, when not from this machine: a relay standing on the
   * client's segment (the docker driver's client station, moved between networks with the client).
   * Every TCP connection is then an HTTP CONNECT over this Unix socket, names resolved there
   * through `dns` — so the network, not this process, decides what the client can reach.
   */
  station?: { socketPath: string };
  /** A client-side web proxy (HTTP CONNECT), as the machine's proxy settings give it. */
  webProxy?: { host: string; port: number };
  /** The domain account for Windows authentication (NTLM). */
  account?: { domain: string; user: string; password: string };
  /**
   * The site's internet-facing endpoints as the client learns them from its site (MP list,
   * content location, software-update policy, FSP install property): role, name, scheme, port.
   */
  siteSystems: SiteSystemEndpoint[];
  /** The same site systems by their intranet names (every service), as a client on the intranet learns them. */
  intranetSiteSystems?: SiteSystemEndpoint[];
  /** The computer's domain controller (domain-joined only): reaching it means "currently intranet" (W:43). */
  domainController?: { fqdn: string; port: number };
  /** Microsoft Update's download host as the internet knows it (W:42); the port is the lab's. */
  microsoftUpdate?: { fqdn: string; port: number };
  /**
   * A cloud management gateway for the client's MP, as the MP list names it (seed 003; W:51–52):
   * `https://<fqdn>:<port><pathPrefix>/…`. A client with both chooses between them (CMG-COEXIST).
   */
  cloudManagementGateway?: { fqdn: string; port: number; pathPrefix: string };
}

export interface SiteSystemEndpoint {
  role:
    | 'management-point'
    | 'distribution-point'
    | 'fallback-status-point'
    | 'application-catalog'
    | 'software-update-point'
    | 'enrollment-proxy-point'
    | 'policy-module';
  name: string;
  fqdn: string;
  scheme: 'https' | 'http';
  port: number;
}
