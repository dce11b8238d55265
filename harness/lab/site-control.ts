// What a check can do to the site while the lab runs, through the hosts' own commands: make an MP
// internet-capable (LOC-MP-REFRESH), take a host down (LOC-FAILOVER), run an MP's own availability
// check (PKI-MPCONTROL), and read a host's request journal.
import type { ListenerCommand } from '../hosts/spec.js';
import type { LabPki } from '../pki/index.js';
import type { Topology } from '../topology/index.js';
import type { LabCertificates } from './certificates.js';
import type { Lab } from './lab.js';
import type { LabHosts } from './lab-hosts.js';
import type { LabPlan } from './plan.js';
import type { SiteDns } from './site-dns.js';

export type SiteControl = Pick<Lab, 'addInternetManagementPoint' | 'takeDown' | 'mpControl' | 'lenientRequestFraming' | 'journal'>;

export function siteControl(ctx: {
  topology: Topology;
  plan: LabPlan;
  pki: LabPki;
  certificates: LabCertificates;
  hosts: LabHosts;
  siteDns: SiteDns;
}): SiteControl {
  const { topology, plan, pki, certificates, hosts, siteDns } = ctx;
  const managementPoints = plan.siteSystems.filter((system) => system.role.kind === 'management-point');
  // The DNS host and the DC beacon have no site listeners to take down or journals to read.
  const siteHost = (name: string) => (name === 'dns' || name === plan.domainController?.role.name ? undefined : hosts.byName.get(name));
  return {
    async addInternetManagementPoint(name) {
      if (!siteDns.internetMps.some((candidate) => candidate.role.name === name))
        throw new Error(`no internet-capable management point "${name}" in this lab`);
      if (siteDns.announced.has(name)) throw new Error(`management point "${name}" is already internet-capable`);
      const announce = async () => {
        for (const mp of managementPoints) await hosts.siteSystems.get(mp.role.name)!.setInternetManagementPoints([...siteDns.announced]);
        await siteDns.refresh();
      };
      siteDns.announced.add(name);
      await announce();
      return {
        remove: async () => {
          siteDns.announced.delete(name);
          await announce();
        },
      };
    },
    async takeDown(name) {
      const host = siteHost(name);
      if (!host) throw new Error(`no site system "${name}" in this lab`);
      const send = (command: ListenerCommand) => host.control(command);
      await send({ op: 'stop-listening' });
      return { restore: async () => void (await send({ op: 'listen' })) };
    },
    async lenientRequestFraming(name) {
      const system = hosts.siteSystems.get(name);
      if (!system) throw new Error(`no site system "${name}" in this lab`);
      await system.setRequestFraming('transfer-encoding-wins');
      return { restore: () => system.setRequestFraming('strict') };
    },
    mpControl(controlOptions = {}) {
      const system = managementPoints.find(
        (candidate) => !controlOptions.managementPoint || candidate.role.name === controlOptions.managementPoint,
      );
      if (!system) throw new Error(`no management point "${controlOptions.managementPoint ?? ''}" in this lab`);
      const own = certificates.managementPointClients.get(system.role.name)!;
      const target = {
        managementPoint: system.role.name,
        fromAddress: system.host.address,
        host: system.host.address,
        port: system.host.ports.https!,
        serverName: system.role.intranetFqdn,
        siteCode: topology.site.code,
        caPem: pki.trustBundlePem,
      };
      // Quirk `site-system-lacks-client-certificate`: issued, but not in the site system's store.
      const lacksCertificate = controlOptions.certificate === 'none' || topology.quirks.includes('site-system-lacks-client-certificate');
      // On the MP's own host (in its container on the docker driver), never through the proxy.
      const certificate = lacksCertificate
        ? null
        : { keyPem: own.keyPem, chainPem: own.chainPem, subject: own.subject, serialNumber: own.serialNumber };
      return hosts.siteSystems.get(system.role.name)!.mpControl(target, certificate);
    },
    journal(name) {
      const found = siteHost(name);
      if (!found)
        throw new Error(
          `no site system "${name}" in this lab (have ${[...hosts.byName.keys()].filter((host) => siteHost(host)).join(', ')})`,
        );
      return found.journal;
    },
  };
}
