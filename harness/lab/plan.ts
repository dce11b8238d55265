// Where everything goes: every host gets an address on its segment, every site-system service a
// port, every published service a listener on the internet side. Pure data, made before anything
// starts, so certificates, DNS views and the proxy contract all agree.
import type { ApplianceSetup } from '../appliance/setup.js';
import { planForAppliance } from './appliance-plan.js';
import type { PlacedHost, Placement, PlannedSiteSystem } from '../hosts/placed.js';
import type {
  CloudManagementGatewayRole,
  CrlDistributionPointRole,
  DomainControllerRole,
  MicrosoftUpdateRole,
  ProxyMode,
  Segment,
  SiteSystemRole,
  Topology,
} from '../topology/index.js';

// Where a host stands and the placement that put it there: host facts, defined with the hosts.
export type { PlacedHost, Placement, PlannedService, PlannedSiteSystem } from '../hosts/placed.js';

export interface LabPlan {
  placement: Placement;
  cdp: { role: CrlDistributionPointRole; host: PlacedHost };
  /** Cloud management gateways: on the internet, reached directly, never through the proxy. */
  cloudManagementGateways: { role: CloudManagementGatewayRole; host: PlacedHost }[];
  /** The mock Microsoft Update host: on the internet, reached directly (or through the client's web proxy). */
  microsoftUpdate?: { role: MicrosoftUpdateRole; host: PlacedHost };
  /** The domain controller beacon on the intranet (LDAP port only). */
  domainController?: { role: DomainControllerRole; host: PlacedHost };
  siteSystems: PlannedSiteSystem[];
  proxy?: PlacedHost & { forwardPort?: number };
  clientAddresses: Map<string, string>;
}

export function servicesOf(role: SiteSystemRole): { service: 'https' | 'http'; port: number; published: boolean }[] {
  const published = Boolean(role.internetFqdn);
  switch (role.kind) {
    case 'management-point':
      return [
        { service: 'https', port: role.httpsPort, published },
        { service: 'http', port: role.httpPort, published: false },
      ];
    case 'fallback-status-point':
      return [{ service: 'http', port: role.httpPort, published }];
    default:
      return [{ service: 'https', port: role.httpsPort, published }];
  }
}

/** `placement` is the driver's (a loopback block, or docker networks): the plan only asks it for addresses and ports. */
/** A single-name host of the lab (CDP, CMG, Microsoft Update, DC beacon): an address on its segment, its ports placed. */
function placeHost(
  placement: Placement,
  role: { name: string; kind: string; segment: Segment; fqdn: string },
  ports: Record<string, number>,
): PlacedHost {
  const placed = Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, placement.port(port)]));
  return {
    name: role.name,
    kind: role.kind,
    segment: role.segment,
    address: placement.allocate(role.segment),
    ports: placed,
    fqdns: [role.fqdn],
  };
}

export function planLab(topology: Topology, mode: ProxyMode, placement: Placement, appliance?: ApplianceSetup): LabPlan {
  const cdpRole = topology.roles.find((role): role is CrlDistributionPointRole => role.kind === 'crl-distribution-point')!;
  const cdp = {
    role: cdpRole,
    host: placeHost(placement, cdpRole, { http: cdpRole.httpPort }),
  };
  const cloudManagementGateways = topology.roles
    .filter((role): role is CloudManagementGatewayRole => role.kind === 'cloud-management-gateway')
    .map((role) => ({
      role,
      host: placeHost(placement, role, { https: role.httpsPort }),
    }));
  const muRole = topology.roles.find((role): role is MicrosoftUpdateRole => role.kind === 'microsoft-update');
  const microsoftUpdate = muRole && {
    role: muRole,
    host: placeHost(placement, muRole, { http: muRole.httpPort }),
  };
  const dcRole = topology.roles.find((role): role is DomainControllerRole => role.kind === 'domain-controller');
  const domainController = dcRole && {
    role: dcRole,
    host: placeHost(placement, dcRole, { ldap: dcRole.ldapPort }),
  };
  const siteSystems = topology.roles
    .filter(
      (role): role is SiteSystemRole =>
        role.kind !== 'crl-distribution-point' &&
        role.kind !== 'cloud-management-gateway' &&
        role.kind !== 'microsoft-update' &&
        role.kind !== 'domain-controller',
    )
    .map((role): PlannedSiteSystem => {
      const services = servicesOf(role).map((service) => ({
        service: service.service,
        wellKnownPort: service.port,
        port: placement.port(service.port),
        published: service.published,
      }));
      const host: PlacedHost = {
        name: role.name,
        kind: role.kind,
        segment: role.segment,
        address: placement.allocate(role.segment),
        ports: Object.fromEntries(services.map((service) => [service.service, service.port])),
        fqdns: [role.intranetFqdn, ...(role.internetFqdn ? [role.internetFqdn] : [])],
      };
      return { role, host, services };
    });
  let proxy: LabPlan['proxy'];
  if (mode === 'bridge' || mode === 'tunnel') {
    proxy = { name: topology.proxy.name, kind: 'proxy', segment: 'dmz', address: placement.allocate('dmz'), ports: {}, fqdns: [] };
    const unruled = topology.quirks.includes('proxy-publishes-first-internet-mp-only') ? laterInternetManagementPoints(topology) : [];
    for (const system of siteSystems.filter((candidate) => candidate.services.some((service) => service.published))) {
      system.publishedAddress = placement.allocate('internet');
      if (unruled.includes(system.role.name)) system.withoutPublishingRule = true;
      else proxy.fqdns.push(system.role.internetFqdn!);
    }
  } else if (placement.segmentsRouted === false) {
    for (const system of siteSystems.filter((candidate) => candidate.services.some((service) => service.published)))
      system.internetAddress = placement.allocate('internet');
  }
  if (mode === 'forward') {
    proxy = {
      name: topology.proxy.name,
      kind: 'proxy',
      segment: 'internet',
      address: placement.allocate('internet'),
      ports: { forward: placement.port(3128) },
      fqdns: [],
      forwardPort: placement.port(3128),
    };
  }
  if (placement.segmentsRouted === false) {
    const outside: PlacedHost[] = [
      cdp.host,
      ...cloudManagementGateways.map((gateway) => gateway.host),
      ...(microsoftUpdate ? [microsoftUpdate.host] : []),
      ...siteSystems.map((system) => system.host),
    ].filter((host) => host.segment !== 'intranet');
    for (const host of outside) host.intranetAddress = placement.allocate('intranet');
  }
  const clientAddresses = new Map(
    topology.clients.map((client) => [client.name, placement.clientAddress?.(client.segment) ?? placement.allocate(client.segment)]),
  );
  const plan = { placement, cdp, cloudManagementGateways, microsoftUpdate, domainController, siteSystems, proxy, clientAddresses };
  if (appliance) planForAppliance(plan, appliance);
  return plan;
}

/**
 * The primary site's internet MPs after its first one (by topology order): where the LOC worlds
 * (`proxy-publishes-first-internet-mp-only`, `internet-dns-lacks-second-mp`) break the publishing.
 */
export function laterInternetManagementPoints(topology: Topology): string[] {
  return topology.roles
    .filter((role) => role.kind === 'management-point' && role.internetFqdn && !role.secondarySite)
    .slice(1)
    .map((role) => role.name);
}
