// Every certificate a lab needs, issued from the lab PKI in parallel and in the variant the topology's
// `pki:` section asks for (revoked, expired, wrong EKU, no internet FQDN, untrusted root…), plus the
// lab's standing test material: a client certificate revoked before any site system or proxy reads
// the CRL (a proxy reads its CRL file once, at start), the MPs' own client certificates (PKI-MPCONTROL)
// and a CMG's server certificate from the cloud CA. Nothing here starts a server.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import {
  variantIssueOptions,
  type CertificateProfileName,
  type CertificateVariant,
  type IssueOptions,
  type IssuedCertificate,
  type LabPki,
  type Pkcs12Export,
} from '../pki/index.js';
import type { ProxyMode, Topology } from '../topology/index.js';
import type { LabPlan, PlannedSiteSystem } from './plan.js';

export interface LabCertificates {
  /** Site-system name → its server certificate (HTTPS site systems only). */
  site: Map<string, IssuedCertificate>;
  /** Topology client name → its workstation certificate. */
  clients: Map<string, IssuedCertificate>;
  /** The first client's certificate, revoked before the site systems and the proxy got the CRL. */
  revokedClient: IssuedCertificate;
  /** MP name → the MP's own client certificate (site-system-client profile). */
  managementPointClients: Map<string, IssuedCertificate>;
  /** CMG name → its server certificate (cloud CA). */
  cloudManagementGateways: Map<string, IssuedCertificate>;
  proxyServer?: IssuedCertificate;
  proxyClient?: IssuedCertificate;
  /** Bridge mode: PKCS#12 of the proxy's two certificates, for appliances that import only PKCS#12. */
  pkcs12?: { proxyServer: Pkcs12Export; proxyClient: Pkcs12Export };
  /** Certificate name → the variant it was issued as (absent = valid). */
  variants: Map<string, CertificateVariant>;
}

export function clientFqdnOf(topology: Topology, computerName: string): string {
  return `${computerName.toLowerCase()}.${topology.domains.intranet}`;
}

/** The CDP URL an AD CS issuing CA publishes in LDAP by default — reachable only inside the forest. */
export function ldapCdpUrl(topology: Topology, caName: string, cdpHost: string): string {
  const dc = topology.domains.intranet
    .split('.')
    .map((label) => `DC=${label}`)
    .join(',');
  return `ldap:///CN=${encodeURIComponent(caName)},CN=${cdpHost},CN=CDP,CN=Public%20Key%20Services,CN=Services,CN=Configuration,${dc}?certificateRevocationList?base?objectClass=cRLDistributionPoint`;
}

/**
 * Issues `profile` as `variant` (revoking it at once for `revoked`). `cdpUrls` (the LDAP-only CDP)
 * applies to every certificate of the trusted hierarchy.
 */
export async function issueVariant(
  pki: LabPki,
  profile: CertificateProfileName,
  base: IssueOptions,
  variant: CertificateVariant,
  ctx: { intranetNames?: string[]; cdpUrls?: string[] },
): Promise<IssuedCertificate> {
  const { options, revoke } = variantIssueOptions(variant, profile, base, { clock: pki.clock, intranetNames: ctx.intranetNames });
  const issuedByLab = options.issuer === undefined || options.issuer === 'issuing';
  const issued = await pki.issue(profile, { ...options, ...(ctx.cdpUrls && issuedByLab ? { cdpUrls: ctx.cdpUrls } : {}) });
  if (revoke) await pki.revoke(issued.serialNumber, 'keyCompromise');
  return issued;
}

/**
 * Quirk `pki-cross-certified-by-another-root`: a server certificate as the site sends it — its chain
 * (in memory and in its chain file, which a bridge's contract names) followed by the lab root's
 * cross-certificate by the other root. Unchanged in any other world.
 */
export async function asServed(pki: LabPki, topology: Topology, issued: IssuedCertificate): Promise<IssuedCertificate> {
  if (!topology.quirks.includes('pki-cross-certified-by-another-root')) return issued;
  const chainPem = `${issued.chainPem.replace(/\n*$/, '\n')}${await pki.crossCertifyRoot()}`;
  await writeFile(issued.chainPath, chainPem);
  return { ...issued, chainPem };
}

export async function issueLabCertificates(
  pki: LabPki,
  topology: Topology,
  mode: ProxyMode,
  plan: LabPlan,
  exports: { pkcs12: boolean } = { pkcs12: true },
): Promise<LabCertificates> {
  const { siteSystems } = plan;
  const options = topology.pki;
  const cdpUrls = options.cdp === 'ldap-only' ? [ldapCdpUrl(topology, 'IBCM Lab Issuing CA', plan.cdp.role.name)] : undefined;
  const variants = new Map<string, CertificateVariant>();
  const issue = (profile: CertificateProfileName, base: IssueOptions, variant: CertificateVariant = 'valid', intranetNames?: string[]) => {
    if (variant !== 'valid') variants.set(base.name, variant);
    return issueVariant(pki, profile, base, variant, { intranetNames, cdpUrls });
  };
  const published = siteSystems.filter((system) => system.services.some((service) => service.published));
  const publishedNames = published.map((system) => system.role.internetFqdn!);
  const httpsSystems = siteSystems.filter((system) => system.services.some((service) => service.service === 'https'));
  const managementPoints = siteSystems.filter((system) => system.role.kind === 'management-point');
  const firstClient = topology.clients[0]!;
  const bridge = mode === 'bridge';
  const siteCertificate = (system: PlannedSiteSystem) => {
    const role = system.role;
    return issue(
      'site-system-web-server',
      {
        name: role.name,
        subjectCn: role.internetFqdn ?? role.intranetFqdn,
        dnsNames: [...(role.internetFqdn ? [role.internetFqdn] : []), role.intranetFqdn],
      },
      options.certificates.site,
      [role.intranetFqdn],
    );
  };
  const clientCertificate = (name: string, computerName: string) =>
    issue('workstation-client', {
      name,
      subjectCn: clientFqdnOf(topology, computerName),
      dnsNames: [clientFqdnOf(topology, computerName)],
    });

  const [siteCerts, clientCerts, revokedClient, mpClientCerts, cmgCerts, proxyServer, proxyClient] = await Promise.all([
    Promise.all(httpsSystems.map(siteCertificate)),
    Promise.all(topology.clients.map((client) => clientCertificate(client.name, client.computerName))),
    issue(
      'workstation-client',
      {
        name: `${firstClient.name}-revoked`,
        subjectCn: clientFqdnOf(topology, firstClient.computerName),
        dnsNames: [clientFqdnOf(topology, firstClient.computerName)],
      },
      'revoked',
    ),
    Promise.all(
      managementPoints.map((system) =>
        issue('site-system-client', {
          name: `${system.role.name}-client`,
          subjectCn: system.role.intranetFqdn,
          dnsNames: [system.role.intranetFqdn],
        }),
      ),
    ),
    Promise.all(
      plan.cloudManagementGateways.map((gateway) =>
        pki.issue('site-system-web-server', {
          name: gateway.role.name,
          subjectCn: gateway.role.fqdn,
          dnsNames: [gateway.role.fqdn],
          issuer: topology.quirks.includes('cmg-certificate-from-private-ca') ? 'untrusted' : 'cloud',
        }),
      ),
    ),
    bridge
      ? issue(
          'bridging-proxy-server',
          { name: 'proxy-server', subjectCn: publishedNames[0]!, dnsNames: publishedNames },
          options.certificates.proxyServer,
          published.map((system) => system.role.intranetFqdn),
        )
      : undefined,
    bridge
      ? issue(
          'bridging-proxy-client',
          { name: 'proxy-client', subjectCn: `${topology.proxy.name}.${topology.domains.internet}` },
          options.certificates.proxyClient,
        )
      : undefined,
  ]);
  // The server certificates go out with the cross-certificate in a cross-certified world (the PKCS#12 export keeps leaf, issuing CA, root).
  const servedSiteCerts = await Promise.all(siteCerts.map((certificate) => asServed(pki, topology, certificate)));
  const servedProxyServer = proxyServer && (await asServed(pki, topology, proxyServer));
  let pkcs12: LabCertificates['pkcs12'];
  if (proxyServer && proxyClient && exports.pkcs12) {
    // One password per run, handed to the proxy in its contract (never reused, never in the repo).
    const password = randomBytes(12).toString('base64url');
    const [server, client] = await Promise.all([pki.exportPkcs12(proxyServer, password), pki.exportPkcs12(proxyClient, password)]);
    pkcs12 = { proxyServer: server, proxyClient: client };
  }
  return {
    site: new Map(httpsSystems.map((system, index) => [system.role.name, servedSiteCerts[index]!])),
    clients: new Map(topology.clients.map((client, index) => [client.name, clientCerts[index]!])),
    revokedClient,
    managementPointClients: new Map(managementPoints.map((system, index) => [system.role.name, mpClientCerts[index]!])),
    cloudManagementGateways: new Map(plan.cloudManagementGateways.map((gateway, index) => [gateway.role.name, cmgCerts[index]!])),
    proxyServer: servedProxyServer,
    proxyClient,
    pkcs12,
    variants,
  };
}
