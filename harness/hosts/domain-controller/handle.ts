// The started domain controller beacon: who connected to its LDAP port, and when (network location).
import type { DomainControllerRole } from '../../topology/index.js';
import type { LabHost, StartHost } from '../driver.js';
import { attachedTo, type PlacedHost } from '../placed.js';

/** The domain controller beacon on the intranet: who connected to its LDAP port, and when. */
export interface LabDomainController {
  readonly name: string;
  readonly fqdn: string;
  readonly address: string;
  readonly port: number;
  mark(): number;
  since(mark: number): { at: string; remoteAddress: string }[];
}

export interface StartedDomainController extends LabDomainController {
  readonly host: LabHost;
}

export async function startDomainController(
  start: StartHost,
  dc: { role: DomainControllerRole; host: PlacedHost },
): Promise<StartedDomainController> {
  const { role, host: placed } = dc;
  const listen = { host: placed.address, port: placed.ports.ldap! };
  const host = await start({ kind: 'domain-controller', name: role.name, attach: attachedTo(placed), listen });
  return {
    name: role.name,
    fqdn: role.fqdn,
    address: placed.address,
    port: placed.ports.ldap!,
    host,
    mark: () => host.connections.mark(),
    since: (mark) => host.connections.since(mark),
  };
}
