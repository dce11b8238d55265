// What a running lab is, as facts: its certificates, CRLs, site systems and gateways — read by
// checks through the Lab handle and written to lab.json for the report (which draws from facts only).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CertificateVariant, IssuedCertificate, LabPki } from '../pki/index.js';
import { gatewayPathPrefix } from '../hosts/cloud-management-gateway/handle.js';
import { segmentNames } from '../topology/index.js';
import type { LabCertificates } from './certificates.js';
import type { Lab, LabCertificateFacts, LabClientCertificate, LabCloudManagementGateway, LabCrlFacts, LabSiteSystem } from './lab.js';
import type { LabPlan, PlacedHost } from './plan.js';

export function certificateFactsOf(certificate: IssuedCertificate, variant?: CertificateVariant): LabCertificateFacts {
  return {
    name: certificate.name,
    profile: certificate.profile,
    subject: certificate.subject,
    serialNumber: certificate.serialNumber,
    dnsNames: certificate.dnsNames,
    crlUrls: certificate.crlUrls,
    certPath: certificate.certPath,
    issuedBy: certificate.issuedBy,
    issuer: { ...certificate.issuer },
    ...(variant ? { variant } : {}),
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
  };
}

export function clientCertificateOf(certificate: IssuedCertificate, variant: CertificateVariant): LabClientCertificate {
  return {
    ...certificateFactsOf(certificate, variant),
    variant,
    certPem: certificate.certPem,
    keyPem: certificate.keyPem,
    chainPem: certificate.chainPem,
  };
}

export function crlFactsOf(pki: LabPki): LabCrlFacts[] {
  return pki.crls().map((crl) => ({
    issuer: crl.issuer,
    url: crl.url,
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate.toISOString(),
    crlNumber: crl.crlNumber,
    revokedSerials: crl.revokedSerials,
  }));
}

/** Every certificate the lab issued at start, with the variant it was issued as. */
export function labCertificateFacts(certificates: LabCertificates): LabCertificateFacts[] {
  const all = [
    ...certificates.site.values(),
    ...certificates.clients.values(),
    certificates.revokedClient,
    ...certificates.managementPointClients.values(),
    ...certificates.cloudManagementGateways.values(),
    ...(certificates.proxyServer ? [certificates.proxyServer] : []),
    ...(certificates.proxyClient ? [certificates.proxyClient] : []),
  ];
  return all.map((certificate) => certificateFactsOf(certificate, certificates.variants.get(certificate.name)));
}

export function labSiteSystemsOf(plan: LabPlan): LabSiteSystem[] {
  return plan.siteSystems.map((system) => ({
    name: system.role.name,
    kind: system.role.kind,
    internetFqdn: system.role.internetFqdn,
    intranetFqdn: system.role.intranetFqdn,
    address: system.host.address,
    services: system.services,
    publishedAddress: system.publishedAddress,
    ...(system.internetAddress ? { internetAddress: system.internetAddress } : {}),
  }));
}

export function labGatewaysOf(plan: LabPlan): LabCloudManagementGateway[] {
  return plan.cloudManagementGateways.map((gateway) => ({
    name: gateway.role.name,
    fqdn: gateway.role.fqdn,
    address: gateway.host.address,
    port: gateway.host.ports.https!,
    mpRoleId: gateway.role.mpRoleId,
    managementPoint: gateway.role.managementPoint,
    pathPrefix: gatewayPathPrefix(gateway.role.mpRoleId),
  }));
}

/** The Lab handle's look-ups over its facts: the first site system of a kind, a host by name. */
export function factLookups(hosts: PlacedHost[], siteSystems: LabSiteSystem[]): Pick<Lab, 'siteSystem' | 'host'> {
  return {
    siteSystem(kind) {
      const found = siteSystems.find((system) => system.kind === kind);
      if (!found) throw new Error(`this lab's topology has no ${kind}`);
      return found;
    },
    host(name) {
      const host = hosts.find((candidate) => candidate.name === name);
      if (!host) throw new Error(`no host "${name}" in this lab`);
      return host;
    },
  };
}

/** Where the plan put what is not a host of its own: each client's address, each segment's DNS view. */
export interface LabPlacementFacts {
  clients: Record<string, string>;
  dns: { segment: string; host: string; port: number }[];
}

/** Every host the plan placed, in the order the lab starts them (the proxy last). */
export function placedHostsOf(plan: LabPlan): PlacedHost[] {
  const { cdp, microsoftUpdate, domainController, siteSystems, cloudManagementGateways, proxy } = plan;
  return [
    cdp.host,
    ...(microsoftUpdate ? [microsoftUpdate.host] : []),
    ...(domainController ? [domainController.host] : []),
    ...siteSystems.map((system) => system.host),
    ...cloudManagementGateways.map((gateway) => gateway.host),
    ...(proxy ? [proxy] : []),
  ];
}

export function placementFactsOf(plan: LabPlan): LabPlacementFacts {
  const { placement } = plan;
  return {
    clients: Object.fromEntries(plan.clientAddresses),
    dns: segmentNames.map((segment) => ({ segment, host: placement.dnsAddress(segment), port: placement.port(53) })),
  };
}

/** lab.json: the facts of this lab for the report and the bundle (the report draws the topology from them alone). */
export function writeLabFacts(lab: Lab, driver: string, placement: LabPlacementFacts): void {
  const { runId, mode, proxyName: proxy, topology, hosts, siteSystems, cloudManagementGateways, certificates, crlUrls, startupMs } = lab;
  writeFileSync(
    join(lab.dir, 'lab.json'),
    JSON.stringify(
      {
        runId,
        driver,
        mode,
        proxy,
        pki: topology.pki,
        hosts,
        siteSystems,
        cloudManagementGateways,
        certificates,
        crlUrls,
        startupMs,
        placement,
        // Appliance mode: the worksheet the appliance was configured from (the report shows it).
        ...(lab.worksheet ? { appliance: { worksheet: lab.worksheet.markdown, worksheetPath: lab.worksheet.path } } : {}),
      },
      null,
      2,
    ),
  );
}
