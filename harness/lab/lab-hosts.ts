// Every host of the lab started through its driver, each by its own kind's start function
// (harness/hosts/<kind>): the CDP, Microsoft Update, the DC beacon, the site systems, the cloud
// management gateways, and split-horizon DNS. Which certificate and trust material each gets is
// decided here, from the plan and the lab PKI.
import { startGateway, type StartedGateway } from '../hosts/cloud-management-gateway/handle.js';
import { startCdp, type StartedCdp } from '../hosts/crl-distribution-point/handle.js';
import type { CrlFile } from '../hosts/crl-distribution-point/spec.js';
import { startDns, type StartedDns } from '../hosts/dns/handle.js';
import { startDomainController, type StartedDomainController } from '../hosts/domain-controller/handle.js';
import type { LabHost, StartHost } from '../hosts/driver.js';
import { startMicrosoftUpdate, type StartedMicrosoftUpdate } from '../hosts/microsoft-update/handle.js';
import { siteRoleSpec, startSiteSystem, type StartedSiteSystem } from '../hosts/site-system/handle.js';
import { LabStartError } from '../errors.js';
import type { LabPki } from '../pki/index.js';
import type { Topology } from '../topology/index.js';
import type { LabCertificates } from './certificates.js';
import type { LabPlan } from './plan.js';
import type { SiteDns } from './site-dns.js';

export interface LabHosts {
  cdp: StartedCdp;
  microsoftUpdate?: StartedMicrosoftUpdate;
  domainController?: StartedDomainController;
  /** Site-system name → its host. */
  siteSystems: Map<string, StartedSiteSystem>;
  cloudManagementGateways: StartedGateway[];
  dns: StartedDns;
  /** Every host by name, as the lab reads its records. */
  byName: Map<string, LabHost>;
}

/** Every hierarchy's CRLs as files for the CDP, as they are now. */
export function crlFilesOf(pki: LabPki): CrlFile[] {
  return pki.allCrls().map((crl) => ({ path: crl.path, derBase64: crl.der.toString('base64') }));
}

export async function startLabHosts(
  start: StartHost,
  ctx: { topology: Topology; plan: LabPlan; pki: LabPki; certificates: LabCertificates; siteDns: SiteDns },
): Promise<LabHosts> {
  const { topology, plan, pki, certificates, siteDns } = ctx;
  const byName = new Map<string, LabHost>();
  const started = <T extends { host: LabHost }>(handle: T, name: string): T => (byName.set(name, handle.host), handle);

  const cdp = started(
    await startCdp(
      start,
      plan.cdp,
      crlFilesOf(pki),
      pki.crls().map((crl) => crl.url),
    ),
    plan.cdp.role.name,
  );
  const mu = plan.microsoftUpdate;
  const microsoftUpdate = mu && started(await startMicrosoftUpdate(start, mu, (options) => siteDns.refresh(options)), mu.role.name);
  const dc = plan.domainController;
  const domainController = dc && started(await startDomainController(start, dc), dc.role.name);

  const trust = () => ({ trustBundlePem: pki.trustBundlePem, crlPems: pki.crlPems() });
  const siteSystems = new Map<string, StartedSiteSystem>();
  await Promise.all(
    plan.siteSystems.map(async (system) => {
      const handle = await startSiteSystem(start, system, topology, plan.siteSystems, {
        certificate: certificates.site.get(system.role.name),
        ...trust(),
      });
      siteSystems.set(system.role.name, started(handle, system.role.name));
    }),
  );
  const cloudManagementGateways = await Promise.all(
    plan.cloudManagementGateways.map(async (gateway) => {
      const managementPoint = plan.siteSystems.find((system) => system.role.name === gateway.role.managementPoint);
      if (!managementPoint)
        throw new LabStartError(`cloud management gateway ${gateway.role.name}: no management point "${gateway.role.managementPoint}"`);
      const mpSpec = siteRoleSpec(managementPoint, topology, plan.siteSystems, certificates.site.get(managementPoint.role.name)?.certPem);
      const certificate = certificates.cloudManagementGateways.get(gateway.role.name)!;
      return started(await startGateway(start, gateway, mpSpec, { certificate, ...trust() }), gateway.role.name);
    }),
  );

  const dns = started(await startDns(start, siteDns.views()), 'dns');
  siteDns.servedBy(dns);
  return { cdp, microsoftUpdate, domainController, siteSystems, cloudManagementGateways, dns, byName };
}
