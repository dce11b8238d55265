// Client profiles: everything a simulated client of the topology needs to start, as data — its
// certificate, trusted roots, DNS view, source address, web proxy, site systems — on its own segment
// or moved to another. On the docker driver a moved client gets a station (its own network stack).
import type { ClientProfile, SiteSystemEndpoint } from '../client/profile.js';
import type { ClientStation, DriverLab } from '../hosts/driver.js';
import type { StartedMicrosoftUpdate } from '../hosts/microsoft-update/handle.js';
import type { LabPki } from '../pki/index.js';
import type { ProxyMode, Segment, Topology } from '../topology/index.js';
import { clientFqdnOf, type LabCertificates } from './certificates.js';
import type { Lab, LabCloudManagementGateway } from './lab.js';
import type { LabPlan } from './plan.js';

export interface ClientProfileInputs {
  topology: Topology;
  mode: ProxyMode;
  plan: LabPlan;
  place: DriverLab;
  pki: LabPki;
  certificates: LabCertificates;
  gateways: LabCloudManagementGateway[];
  microsoftUpdate?: StartedMicrosoftUpdate;
  /** The CMG's public root (a Windows client's store of public roots has it), when the lab has a CMG. */
  cloudRootPem?: string;
}

export type ClientProfiles = Pick<Lab, 'clientProfile' | 'moveClient'>;

export function clientProfiles(inputs: ClientProfileInputs): ClientProfiles {
  const { topology, mode, plan, place, pki, certificates, gateways, microsoftUpdate: mu, cloudRootPem } = inputs;
  const { placement, siteSystems } = plan;
  const endpoints: SiteSystemEndpoint[] = siteSystems.flatMap((system) =>
    system.services
      .filter((service) => service.published)
      .map((service) => ({
        role: system.role.kind,
        name: system.role.name,
        fqdn: system.role.internetFqdn!,
        scheme: service.service,
        port: service.port,
      })),
  );
  const intranetSiteSystems: SiteSystemEndpoint[] = siteSystems.flatMap((system) =>
    system.services.map((service) => ({
      role: system.role.kind,
      name: system.role.name,
      fqdn: system.role.intranetFqdn,
      scheme: service.service,
      port: service.port,
    })),
  );
  // A client moved to another segment gets an address there; its station (docker) one of its own.
  const addressOn = oncePerClientAndSegment((segment) => place.clientAddress(segment));
  const stationAddressOn = oncePerClientAndSegment((segment) => placement.allocate(segment));
  // Client stations (docker): one per client, started at its first move, then moved between networks.
  const stations = new Map<string, ClientStation>();
  const dc = plan.domainController;

  const clientProfile = (name?: string, profileOptions: { segment?: Segment } = {}): ClientProfile => {
    const client = name ? topology.clients.find((candidate) => candidate.name === name) : topology.clients[0];
    if (!client) throw new Error(`no client "${name}" in this topology`);
    const segment = profileOptions.segment ?? client.segment;
    const certificate = certificates.clients.get(client.name)!;
    const mp = siteSystems.find((system) => system.role.internetFqdn === client.install.CCMHOSTNAME)!;
    const gateway = gateways.find((candidate) => candidate.managementPoint === mp.role.name);
    const account = client.account
      ? topology.domain.accounts.find((candidate) => candidate.user.toLowerCase() === client.account!.toLowerCase())
      : undefined;
    return {
      name: client.name,
      computerName: client.computerName,
      fqdn: clientFqdnOf(topology, client.computerName),
      segment,
      // Quirk `clients-installed-without-crl-check`: every client installed with /NoCRLCheck.
      install: {
        ...client.install,
        ...(topology.quirks.includes('clients-installed-without-crl-check') ? { NoCRLCheck: true } : {}),
        CCMHTTPSPORT: mp.host.ports.https!,
        CCMHTTPPORT: placement.port(80),
      },
      certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem, chainPem: certificate.chainPem },
      // The site's root, and — like any Windows client's store of public roots — the CMG's public CA.
      trustedRootsPem: cloudRootPem && gateway ? pki.rootCaPem + cloudRootPem : pki.rootCaPem,
      dns: { host: placement.dnsAddress(segment), port: placement.port(53) },
      localAddress:
        profileOptions.segment && profileOptions.segment !== client.segment
          ? addressOn(client.name, profileOptions.segment)
          : plan.clientAddresses.get(client.name),
      // The web proxy is the internet connection's; on the intranet the client goes direct.
      webProxy:
        mode === 'forward' && plan.proxy && segment === 'internet'
          ? { host: plan.proxy.address, port: plan.proxy.forwardPort! }
          : undefined,
      account: account ? { domain: topology.domain.netbiosName, user: account.user, password: account.password } : undefined,
      siteSystems: endpoints,
      intranetSiteSystems,
      // "Name does not resolve" must hold for any resolver in the path, also a proxy's static
      // hosts file (Squid): while that fault is set, clients get a name that exists nowhere.
      microsoftUpdate: mu ? { fqdn: mu.fault === 'unresolvable' ? `nxdomain.${mu.fqdn}` : mu.fqdn, port: mu.port } : undefined,
      // A domain-joined computer knows its domain's DC; a workgroup computer has none.
      domainController: dc && client.domainJoined ? { fqdn: dc.role.fqdn, port: dc.host.ports.ldap! } : undefined,
      cloudManagementGateway: gateway ? { fqdn: gateway.fqdn, port: gateway.port, pathPrefix: gateway.pathPrefix } : undefined,
    };
  };

  const moveClient = async (name: string | undefined, segment: Segment): Promise<ClientProfile> => {
    const profile = clientProfile(name, { segment });
    if (!place.startClientStation) return profile;
    const address = stationAddressOn(profile.name, segment);
    let station = stations.get(profile.name);
    if (station) await station.move(segment, address);
    else {
      station = await place.startClientStation(profile.name, segment, address);
      stations.set(profile.name, station);
    }
    return { ...profile, localAddress: address, station: { socketPath: station.socketPath } };
  };
  return { clientProfile, moveClient };
}

/** A client's address on a segment, made once per client and segment by `make`. */
function oncePerClientAndSegment(make: (segment: Segment) => string) {
  const made = new Map<string, string>();
  return (clientName: string, segment: Segment): string => {
    const key = `${clientName}@${segment}`;
    if (!made.has(key)) made.set(key, make(segment));
    return made.get(key)!;
  };
}
