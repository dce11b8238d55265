// The started site system: HTTPS with the client certificate required and checked against CA + CRL
// (IIS always checks the CRL for client certificates, W:50); HTTP where the role speaks HTTP.
import { ENROLLED_DEVICE_LABEL } from '../../roles/management-point/mobile-devices.js';
import type { RequestFraming } from '../../http/index.js';
import type { Topology } from '../../topology/index.js';
import type { LabHost, StartHost } from '../driver.js';
import { attachedTo, listenPoints, type PlannedSiteSystem } from '../placed.js';
import type { MpControlResult, MpControlTarget } from './mp-control.js';
import type { MpControlCertificate, SiteSystemCommand, SiteSystemHostSpec } from './spec.js';

/** What a site system serves its HTTPS with: its certificate, and the lab's trust material. */
export interface SiteTls {
  certificate?: { keyPem: string; chainPem: string; certPem: string };
  trustBundlePem: string;
  crlPems: string[];
}

export interface StartedSiteSystem {
  readonly name: string;
  readonly host: LabHost;
  /** Serves another certificate on its HTTPS listeners. */
  serve(key: string, cert: string): Promise<void>;
  /** From the next request on: how the site system resolves conflicting request framing. */
  setRequestFraming(framing: RequestFraming): Promise<void>;
  setCrls(crl: string[]): Promise<void>;
  setInternetManagementPoints(names: string[]): Promise<void>;
  mpControl(target: MpControlTarget, certificate: MpControlCertificate): Promise<MpControlResult>;
}

/** The part of a site system's spec a CMG in front of it runs too (its connection point runs the MP's handler). */
export function siteRoleSpec(
  system: PlannedSiteSystem,
  topology: Topology,
  siteSystems: PlannedSiteSystem[],
  certificatePem: string | undefined,
): Omit<SiteSystemHostSpec, 'kind' | 'name' | 'attach' | 'servers'> {
  return { system, topology, siteSystems, certificatePem };
}

export async function startSiteSystem(
  start: StartHost,
  system: PlannedSiteSystem,
  topology: Topology,
  siteSystems: PlannedSiteSystem[],
  tls: SiteTls,
): Promise<StartedSiteSystem> {
  const certificate = tls.certificate;
  const host = await start({
    kind: 'site-system',
    name: system.role.name,
    // Where the segments are separate networks, a published site system in direct and forward mode
    // also stands on the internet, at its public address (plan.ts: internetAddress).
    attach: [
      ...attachedTo(system.host),
      ...(system.internetAddress ? [{ segment: 'internet' as const, address: system.internetAddress }] : []),
    ],
    ...siteRoleSpec(system, topology, siteSystems, certificate?.certPem),
    servers: system.services.flatMap((service) =>
      [
        ...listenPoints(system.host, service.service, service.port),
        ...(system.internetAddress && service.published ? [{ host: system.internetAddress, port: service.port }] : []),
      ].map((point) => ({
        ...point,
        tls:
          service.service === 'https'
            ? {
                key: certificate!.keyPem,
                cert: certificate!.chainPem,
                ca: tls.trustBundlePem,
                crl: tls.crlPems,
                clientCertificate: clientCertificatePolicy(system),
              }
            : undefined,
      })),
    ),
  });
  const send = (command: SiteSystemCommand) => host.control(command);
  return {
    name: system.role.name,
    host,
    serve: async (key, cert) => void (await send({ op: 'set-tls', key, cert })),
    setCrls: async (crl) => void (await send({ op: 'set-crls', crl })),
    setInternetManagementPoints: async (names) => void (await send({ op: 'set-internet-management-points', names })),
    mpControl: (target, mpCertificate) => send({ op: 'mp-control', target, certificate: mpCertificate }) as Promise<MpControlResult>,
    setRequestFraming: async (framing) => void (await send({ op: 'set-request-framing', framing })),
  };
}

/** The name a mobile device enrolled through the site's MP carries in its certificate. */
export function enrolledDeviceFqdn(device: string, intranetDomain: string): string {
  return `${device}.${ENROLLED_DEVICE_LABEL}.${intranetDomain}`;
}

/**
 * The SUP does not authenticate clients by certificate (PKI-REQ: "except for the software update point");
 * nor do the enrollment proxy point and the Policy Module (NDES), whose clients come to get their first one.
 */
function clientCertificatePolicy(system: PlannedSiteSystem): 'require' | 'request' {
  return ['software-update-point', 'enrollment-proxy-point', 'policy-module'].includes(system.role.kind) ? 'request' : 'require';
}
