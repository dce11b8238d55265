// A site system host (MP, DP, SUP, FSP, application catalog) as data, and the commands it takes.
import type { RequestFraming } from '../../http/index.js';
import type { Topology } from '../../topology/index.js';
import type { PlannedSiteSystem } from '../placed.js';
import type { HostBase, ListenerCommand, ServerSpec } from '../spec.js';
import type { MpControlTarget } from './mp-control.js';

export interface SiteSystemHostSpec extends HostBase {
  kind: 'site-system';
  system: PlannedSiteSystem;
  topology: Topology;
  siteSystems: PlannedSiteSystem[];
  /** The site system's own certificate (the MP signs with it and hands it out as MPCERT). */
  certificatePem?: string;
  servers: ServerSpec[];
}

/** The certificate an MP presents in its own availability check (none: an MP without one). */
export type MpControlCertificate = { keyPem: string; chainPem: string; subject: string; serialNumber: string } | null;

export type SiteSystemCommand =
  | ListenerCommand
  /** Serve another certificate on the HTTPS listeners. */
  | { op: 'set-tls'; key: string; cert: string }
  /** A new CRL set for the HTTPS listeners (restarted, as a TLS server reads its CRL at start). */
  | { op: 'set-crls'; crl: string[] }
  /** The MPs the site lists as internet-capable now (an MP added while the lab runs, LOC-MP-REFRESH). */
  | { op: 'set-internet-management-points'; names: string[] }
  /** Run the MP's availability check (MPControl) on this host; answers an MpControlResult. */
  | { op: 'mp-control'; target: MpControlTarget; certificate: MpControlCertificate }
  /** How the site system resolves conflicting request framing from the next request on (PX-SMUGGLE on a running lab). */
  | { op: 'set-request-framing'; framing: RequestFraming };
