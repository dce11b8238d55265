// A lab variant: a small lab of its own, made from the run's topology, for a check that needs the
// world to be wrong in one way that cannot be set up on the running lab — a bridging proxy that
// presents a bad certificate (the proxy reads its certificates from its contract at start), a PKI
// that publishes its CRL only in LDAP, a CMG beside the MP. Small: the first client, its MP and the
// CDP (and the CMG when asked), so it starts in a fraction of the main lab's time. It keeps the
// main lab's loopback block and takes its own ports (offset + 10 × slot), so it never collides
// with the main lab or another variant of the same worker.
import type { CertificateVariant, Pki, Role, Topology, TopologyInput } from '../topology/index.js';
import { Topology as TopologySchema } from '../topology/index.js';

export interface LabVariant {
  pki?: {
    cdp?: Pki['cdp'];
    certificates?: Partial<Record<keyof Pki['certificates'], CertificateVariant>>;
  };
  /** Add a cloud management gateway in front of the client's MP (when the topology has none). */
  cloudManagementGateway?: boolean;
  /** Add a second internet-facing MP (mp2) beside the client's (LOC-RANDOM, LOC-FAILOVER). */
  secondManagementPoint?: boolean;
  /**
   * The client's MP serves the intranet only, and a second MP (mp2) is one the site makes
   * internet-capable while the lab runs (`lab.addInternetManagementPoint`) — LOC-MP-REFRESH.
   */
  managementPointAddedLater?: boolean;
  /** Add an MP of a secondary site (smp1), published under an internet FQDN as a customer might (ROLE-UNTRUSTED). */
  secondarySiteManagementPoint?: boolean;
  /** Add the primary site's enrollment proxy point (epp1) and Policy Module (ndes1), internet-facing (ROLE-UNTRUSTED). */
  enrollmentRoles?: boolean;
  /**
   * The client's MP parses with a lenient framing policy (PX-SMUGGLE's differential back end: it lets
   * Transfer-Encoding win over Content-Length, so a proxy that trusts Content-Length desynchronises it).
   */
  managementPointFraming?: 'transfer-encoding-wins';
}

/** A short, stable name for a variant (used for its directory and in evidence). */
export function variantKey(variant: LabVariant): string {
  const parts: string[] = [];
  if (variant.pki?.cdp && variant.pki.cdp !== 'http') parts.push(`cdp-${variant.pki.cdp}`);
  for (const [certificate, value] of Object.entries(variant.pki?.certificates ?? {}).sort())
    if (value && value !== 'valid') parts.push(`${certificate}-${value}`);
  if (variant.cloudManagementGateway) parts.push('cmg');
  if (variant.secondManagementPoint) parts.push('mp2');
  if (variant.managementPointAddedLater) parts.push('mp-added');
  if (variant.secondarySiteManagementPoint) parts.push('secondary');
  if (variant.enrollmentRoles) parts.push('enrollment');
  if (variant.managementPointFraming) parts.push(`mp-${variant.managementPointFraming}`);
  return parts.join('+') || 'plain';
}

/** Port offsets of variant slots never collide with each other or with slot 0 (the main lab) for slot < 39. */
export const MAX_VARIANT_SLOTS = 38;

export function variantTopology(topology: Topology, variant: LabVariant, slot: number): Topology {
  if (!Number.isInteger(slot) || slot < 1 || slot > MAX_VARIANT_SLOTS)
    throw new RangeError(`variant slot ${slot} is outside 1..${MAX_VARIANT_SLOTS}`);
  const client = topology.clients[0]!;
  const managementPoint = topology.roles.find(
    (role) => role.kind === 'management-point' && role.internetFqdn === client.install.CCMHOSTNAME,
  )!;
  const cdp = topology.roles.find((role) => role.kind === 'crl-distribution-point')!;
  const gateways = topology.roles.filter(
    (role) => role.kind === 'cloud-management-gateway' && role.managementPoint === managementPoint.name,
  );
  const roles: Role[] = [managementPoint, cdp, ...gateways];
  if (variant.cloudManagementGateway && gateways.length === 0) {
    const taken = new Set(topology.roles.map((role) => role.name));
    const name = ['cmg', 'cmg1', 'cmg2'].find((candidate) => !taken.has(candidate))!;
    roles.push({
      kind: 'cloud-management-gateway',
      name,
      segment: 'internet',
      fqdn: `${topology.site.code.toLowerCase()}-cmg.cloudapp.example`,
      httpsPort: 443,
      managementPoint: managementPoint.name,
      mpRoleId: '72057594037927939',
    });
  }
  if (variant.secondManagementPoint && managementPoint.kind === 'management-point') {
    const taken = new Set(topology.roles.map((role) => role.name));
    const name = ['mp2', 'mp3', 'mp9'].find((candidate) => !taken.has(candidate))!;
    roles.push({
      ...managementPoint,
      name,
      intranetFqdn: `${name}.${topology.domains.intranet}`,
      internetFqdn: `${name}.${topology.domains.internet}`,
    });
  }
  if (variant.secondarySiteManagementPoint && managementPoint.kind === 'management-point') {
    const taken = new Set(roles.map((role) => role.name));
    const name = ['smp1', 'smp2', 'smp9'].find((candidate) => !taken.has(candidate))!;
    const secondarySite = ['S01', 'S02', 'S09'].find((code) => code !== topology.site.code)!;
    roles.push({
      ...managementPoint,
      name,
      intranetFqdn: `${name}.${topology.domains.intranet}`,
      internetFqdn: `${name}.${topology.domains.internet}`,
      secondarySite,
    });
  }
  if (variant.enrollmentRoles) {
    const taken = new Set(roles.map((role) => role.name));
    for (const [kind, stem, label] of [
      ['enrollment-proxy-point', 'epp', 'enroll'],
      ['policy-module', 'ndes', 'ndes'],
    ] as const) {
      const name = [`${stem}1`, `${stem}2`, `${stem}9`].find((candidate) => !taken.has(candidate))!;
      roles.push({
        kind,
        name,
        segment: 'dmz',
        intranetFqdn: `${name}.${topology.domains.intranet}`,
        internetFqdn: `${label}.${topology.domains.internet}`,
        httpsPort: 443,
      });
    }
  }
  if (variant.managementPointFraming && managementPoint.kind === 'management-point')
    roles[0] = { ...managementPoint, requestFraming: variant.managementPointFraming };
  let installedWith = client.install;
  if (variant.managementPointAddedLater && managementPoint.kind === 'management-point') {
    const taken = new Set(roles.map((role) => role.name));
    const name = ['mp2', 'mp3', 'mp9'].find((candidate) => !taken.has(candidate))!;
    const added = {
      ...managementPoint,
      name,
      intranetFqdn: `${name}.${topology.domains.intranet}`,
      internetFqdn: `${name}.${topology.domains.internet}`,
      internetFromStart: false,
    };
    roles[0] = { ...managementPoint, internetFqdn: undefined };
    roles.push(added);
    // The topology must name an internet MP for its client; a check gives the client a profile without one (installed before it existed).
    installedWith = { ...client.install, CCMHOSTNAME: added.internetFqdn };
  }
  const input: TopologyInput = {
    ...topology,
    name: `${topology.name} [${variantKey(variant)}]`,
    roles,
    // The FSP is not in a variant lab: a state message has nowhere to go.
    clients: [{ ...client, install: { ...installedWith, FSP: undefined } }],
    pki: {
      ...topology.pki,
      ...(variant.pki?.cdp ? { cdp: variant.pki.cdp } : {}),
      certificates: { ...topology.pki.certificates, ...variant.pki?.certificates },
    },
    drivers: { embedded: { portOffset: topology.drivers.embedded.portOffset + 10 * slot } },
  };
  return TopologySchema.parse(input);
}
