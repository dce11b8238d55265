// The lab PKI as checks use it while the lab runs (LabPkiHandle): certificates issued on request,
// revocations, re-signed or stale CRLs. A revocation reaches every holder of the CRL: the site
// systems and CMGs are restarted with it (IIS reads a new CRL; a Node TLS server takes its `crl` at
// start), the CDP serves it, the contract's CRL file is rewritten (a proxy that re-reads it sees the
// change; one that read it once at start does not).
import { writeFileSync } from 'node:fs';
import { enrolledDeviceFqdn } from '../hosts/site-system/handle.js';
import type { LabPki } from '../pki/index.js';
import type { ProxyContract } from '../proxies/index.js';
import type { Topology } from '../topology/index.js';
import { asServed, clientFqdnOf, issueVariant, ldapCdpUrl, type LabCertificates } from './certificates.js';
import { contractCrlPathIn, contractUpstreamCrlPathIn } from './contract.js';
import { certificateFactsOf, clientCertificateOf, crlFactsOf } from './facts.js';
import type { LabPkiHandle } from './lab.js';
import { crlFilesOf, type LabHosts } from './lab-hosts.js';
import type { LabPlan } from './plan.js';

const HOUR = 3_600_000;

export interface PkiHandleInputs {
  topology: Topology;
  plan: LabPlan;
  dir: string;
  pki: LabPki;
  certificates: LabCertificates;
  hosts: LabHosts;
  contract: ProxyContract | null;
}

export function labPkiHandle({ topology, plan, dir, pki, certificates, hosts, contract }: PkiHandleInputs): LabPkiHandle {
  const pkiOptions = topology.pki;
  const publishCrlFiles = () => hosts.cdp.publish(crlFilesOf(pki));
  const afterRevocation = async () => {
    if (contract) writeFileSync(contractCrlPathIn(dir), pki.crlPem());
    if (contract?.mode === 'bridge') writeFileSync(contractUpstreamCrlPathIn(dir), pki.crlPem());
    await publishCrlFiles();
    for (const system of plan.siteSystems)
      if (system.services.some((service) => service.service === 'https'))
        await hosts.siteSystems.get(system.role.name)!.setCrls(pki.crlPems());
    for (const gateway of hosts.cloudManagementGateways) await gateway.setCrls(pki.crlPems());
  };
  const cdpUrls = pkiOptions.cdp === 'ldap-only' ? [ldapCdpUrl(topology, 'IBCM Lab Issuing CA', plan.cdp.role.name)] : undefined;
  let issuedOnRequest = 0;
  return {
    options: pkiOptions,
    get clock() {
      return pki.clock;
    },
    async roots() {
      const [untrusted, cloud] = await Promise.all([pki.untrusted(), pki.cloud()]);
      await publishCrlFiles();
      return { lab: pki.rootCaPem, untrusted: untrusted.rootCaPem, cloud: cloud.rootCaPem };
    },
    async issueClientCertificate({ variant, client: clientName, subject }) {
      const client = clientName ? topology.clients.find((candidate) => candidate.name === clientName) : topology.clients[0];
      if (!client) throw new Error(`no client "${clientName}" in this topology`);
      const fqdn = clientFqdnOf(topology, client.computerName);
      // A mobile device's or a user's certificate is named for it, not for a computer.
      const deviceName = enrolledDeviceFqdn(subject?.name ?? '', topology.domains.intranet);
      const named =
        subject?.kind === 'device'
          ? { subjectCn: deviceName, dnsNames: [deviceName] }
          : subject?.kind === 'user'
            ? { subjectCn: subject.name, dnsNames: [] }
            : { subjectCn: fqdn, dnsNames: [fqdn] };
      const name = `${subject?.name.replace(/[^A-Za-z0-9-]/g, '-') ?? client.name}-${variant}-${++issuedOnRequest}`;
      const issued = await issueVariant(pki, 'workstation-client', { name, ...named }, variant, { cdpUrls });
      if (variant === 'revoked') await afterRevocation();
      else await publishCrlFiles();
      return clientCertificateOf(issued, variant);
    },
    revokedAtStart: clientCertificateOf(certificates.revokedClient, 'revoked'),
    async serveSiteCertificate(variant, serveOptions = {}) {
      const system = serveOptions.siteSystem
        ? plan.siteSystems.find((candidate) => candidate.role.name === serveOptions.siteSystem)
        : plan.siteSystems.find((candidate) => candidate.role.kind === 'management-point');
      const original = system && certificates.site.get(system.role.name);
      if (!system || !original) throw new Error(`no HTTPS site system "${serveOptions.siteSystem ?? 'management-point'}" in this lab`);
      const role = system.role;
      const base = {
        name: `${role.name}-${variant}-${++issuedOnRequest}`,
        subjectCn: role.internetFqdn ?? role.intranetFqdn,
        dnsNames: [...(role.internetFqdn ? [role.internetFqdn] : []), role.intranetFqdn],
      };
      const issued = await asServed(
        pki,
        topology,
        await issueVariant(pki, 'site-system-web-server', base, variant, { intranetNames: [role.intranetFqdn], cdpUrls }),
      );
      if (variant === 'revoked') await afterRevocation();
      else await publishCrlFiles();
      const host = hosts.siteSystems.get(role.name)!;
      await host.serve(issued.keyPem, issued.chainPem);
      return { certificate: certificateFactsOf(issued, variant), restore: () => host.serve(original.keyPem, original.chainPem) };
    },
    async revoke(serialNumber) {
      await pki.revoke(serialNumber, 'keyCompromise');
      await afterRevocation();
    },
    async publishCrls(publishOptions = {}) {
      const stale = publishOptions.staleByHours;
      if (stale !== undefined && !(stale > 0)) throw new Error(`staleByHours must be > 0, got ${stale}`);
      await pki.publishCrls({ at: stale ? new Date(pki.clock.getTime() - (pkiOptions.crlValidityHours + stale) * HOUR) : undefined });
      await publishCrlFiles();
      return crlFactsOf(pki);
    },
    crls: () => crlFactsOf(pki),
  };
}
