// The started cloud management gateway: on the internet with the cloud CA's certificate, mutual auth
// against the lab's client PKI (and its CRL), forwarding to its MP's handler (its connection point).
import { CMG_MUTUAL_AUTH_PREFIX } from '../../roles/cloud-management-gateway/index.js';
import type { CloudManagementGatewayRole } from '../../topology/index.js';
import type { LabHost, StartHost } from '../driver.js';
import { attachedTo, listenAddresses, type PlacedHost } from '../placed.js';
import type { GatewayCommand, GatewayHostSpec } from './spec.js';

/** `/CCM_Proxy_MutualAuth/<MP role id>`: what a client puts before the MP's own paths to reach it through this CMG. */
export function gatewayPathPrefix(mpRoleId: string): string {
  return `${CMG_MUTUAL_AUTH_PREFIX}/${mpRoleId}`;
}

export interface StartedGateway {
  readonly name: string;
  readonly host: LabHost;
  setCrls(crl: string[]): Promise<void>;
}

export interface GatewayTls {
  certificate: { keyPem: string; chainPem: string };
  trustBundlePem: string;
  crlPems: string[];
}

export async function startGateway(
  start: StartHost,
  gateway: { role: CloudManagementGatewayRole; host: PlacedHost },
  managementPoint: GatewayHostSpec['managementPoint'],
  tls: GatewayTls,
): Promise<StartedGateway> {
  const { role, host: placed } = gateway;
  const host = await start({
    kind: 'cloud-management-gateway',
    name: role.name,
    attach: attachedTo(placed),
    mpRoleId: role.mpRoleId,
    managementPoint,
    servers: listenAddresses(placed).map((address) => ({
      host: address,
      port: placed.ports.https!,
      tls: {
        key: tls.certificate.keyPem,
        cert: tls.certificate.chainPem,
        ca: tls.trustBundlePem,
        crl: tls.crlPems,
        clientCertificate: 'require' as const,
      },
    })),
  });
  return { name: role.name, host, setCrls: async (crl) => void (await host.control({ op: 'set-crls', crl } satisfies GatewayCommand)) };
}
