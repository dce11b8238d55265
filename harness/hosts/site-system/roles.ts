// The handler behind each site-system role, configured from the topology. The site-system host is
// the only place that knows which role runs where; the roles themselves only see requests.
import { createHash } from 'node:crypto';
import type { SiteHandler } from '../../http/index.js';
import { ntlmAuthenticate } from '../../ntlm/index.js';
import type { IssuedCertificate } from '../../pki/index.js';
import { applicationCatalog } from '../../roles/application-catalog/index.js';
import { enrollmentProxyPoint } from '../../roles/enrollment-proxy-point/index.js';
import { policyModule } from '../../roles/policy-module/index.js';
import { distributionPoint } from '../../roles/distribution-point/index.js';
import { fallbackStatusPoint } from '../../roles/fallback-status-point/index.js';
import { managementPoint } from '../../roles/management-point/index.js';
import { ENROLLED_DEVICE_LABEL, withMobileDeviceEndpoint } from '../../roles/management-point/mobile-devices.js';
import { softwareUpdatePoint, updateFileContent, type SoftwareUpdate } from '../../roles/software-update-point/index.js';
import type { Topology } from '../../topology/index.js';
import type { PlannedSiteSystem } from '../placed.js';
import { siteFeatureOptions } from './features.js';

/** The software updates the lab's site offers (the SUP's catalog, deployed to the DPs, on Microsoft Update). */
export const LAB_SOFTWARE_UPDATES: SoftwareUpdate[] = [
  { updateId: '7d9c1e5a-3b2f-4c8e-9a61-0f4b2d8c7e13', title: 'Security Update for Windows (KB5099999)', fileSize: 1048576 },
];

/** An update's file as the SUP names it (`<sha1>.cab`) and its bytes. */
export function softwareUpdateFiles(
  updates: SoftwareUpdate[] = LAB_SOFTWARE_UPDATES,
): { update: SoftwareUpdate; fileName: string; content: Buffer }[] {
  return updates.map((update) => {
    const content = updateFileContent(update);
    return { update, fileName: `${createHash('sha1').update(content).digest('hex')}.cab`, content };
  });
}

/** The deployment package a DP holds an update in: `Content_<UpdateID>`, version 1, the update's file. */
export function softwareUpdatePackages(): { contentId: string; version: number; files: { name: string; content: Buffer }[] }[] {
  return softwareUpdateFiles().map((file) => ({
    contentId: `Content_${file.update.updateId}`,
    version: 1,
    files: [{ name: file.fileName, content: file.content }],
  }));
}

/** What the site says now, as the lab changes it while it runs. */
export interface SiteState {
  /** Names of the MPs the site lists as internet-capable now (undefined: as the topology starts). */
  internetManagementPoints?: () => string[] | undefined;
}

export function siteRoleHandler(
  system: PlannedSiteSystem,
  topology: Topology,
  siteSystems: PlannedSiteSystem[],
  certificate: Pick<IssuedCertificate, 'certPem'> | undefined,
  site: SiteState = {},
): SiteHandler {
  const role = system.role;
  switch (role.kind) {
    case 'management-point': {
      const internetCapable = siteSystems.filter(
        (other) => other.role.kind === 'management-point' && other.role.internetFqdn && !other.role.secondarySite,
      );
      const listed = () => {
        const names =
          site.internetManagementPoints?.() ??
          internetCapable
            .filter((other) => other.role.kind !== 'management-point' || other.role.internetFromStart !== false)
            .map((other) => other.role.name);
        return internetCapable
          .filter((other) => names.includes(other.role.name))
          .map((other) => ({ name: other.role.name.toUpperCase(), fqdn: other.role.internetFqdn! }));
      };
      // Quirk `mp-list-stale`: the MP keeps the list it built at start.
      const atStart = listed();
      const handler = managementPoint({
        siteCode: topology.site.code,
        hostName: role.name.toUpperCase(),
        internetManagementPoints: topology.quirks.includes('mp-list-stale') ? atStart : listed,
        certificatePem: certificate!.certPem,
        windowsAuth: {
          domain: topology.domain.netbiosName,
          accounts: topology.domain.accounts.map((account) => ({
            domain: topology.domain.netbiosName,
            user: account.user,
            password: account.password,
          })),
        },
        features: siteFeatureOptions(role, topology, siteSystems),
        // The site's network access account, delivered as a secret policy (W:26, W:71). The account's
        // name and password are the lab's own; the password is not a real one and never leaves the lab.
        networkAccessAccount: { user: `${topology.domain.netbiosName}\\ibcm-naa`, password: `NAA-${topology.site.code}-lab-only!` },
      });
      // Enrolled mobile devices are known by their enrollment certificate (MOB-ENROLLED-NO-BRIDGE);
      // quirk `mp-accepts-any-device-certificate`: any certificate will do.
      const enrolled = new RegExp(`CN=[^,]+\\.${ENROLLED_DEVICE_LABEL}\\.${topology.domains.intranet.replace(/\./g, '\\.')}(,|$)`, 'i');
      return withMobileDeviceEndpoint(handler, {
        isEnrolledDevice: (subject) => topology.quirks.includes('mp-accepts-any-device-certificate') || enrolled.test(subject),
      });
    }
    case 'distribution-point':
      // Quirk `updates-not-on-dps-with-microsoft-update-fallback`: the update deployment package was never distributed.
      return distributionPoint({
        packages: role.packages,
        givenContent: topology.quirks.includes('updates-not-on-dps-with-microsoft-update-fallback') ? [] : softwareUpdatePackages(),
      });
    case 'fallback-status-point':
      return fallbackStatusPoint();
    case 'application-catalog':
      // The internet catalog needs Windows authentication (seed 000): NTLM, as IIS, before every catalog URL.
      return applicationCatalog({
        requireWindowsAuth: (request) => {
          const outcome = ntlmAuthenticate(
            request,
            topology.domain.accounts.map((account) => ({
              domain: topology.domain.netbiosName,
              user: account.user,
              password: account.password,
            })),
            { targetName: topology.domain.netbiosName, serverName: role.name.toUpperCase() },
          );
          return outcome.kind === 'authenticated' ? null : outcome.response;
        },
      });
    case 'enrollment-proxy-point':
      return enrollmentProxyPoint();
    case 'policy-module':
      return policyModule();
    case 'software-update-point':
      return softwareUpdatePoint({
        internetFqdn: role.internetFqdn ?? role.intranetFqdn,
        port: system.host.ports.https!,
        updates: LAB_SOFTWARE_UPDATES,
      });
  }
}
