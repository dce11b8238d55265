// The site's configuration of what it offers a client by where the client is managed from (the MP's
// site-features.ts applies it): the MP's own names, its site (primary or secondary), the client
// settings deployed to each computer, the DPs and their packages, the boundary group — and the
// topology's FEAT / ROLE quirks, which switch one of the site's rules off (harness/topology/quirks.ts).
import type { ClientPolicySettings, SiteFeatureOptions } from '../../roles/management-point/site-features.js';
import type { ManagementPointRole, Topology } from '../../topology/index.js';
import type { PlannedSiteSystem } from '../placed.js';

/** Default Client Settings: both Client Policy settings for user policy on (seed 000 prerequisites). */
export const DEFAULT_CLIENT_SETTINGS: ClientPolicySettings = {
  name: 'Default Client Settings',
  userPolicyPolling: true,
  userPolicyOnInternet: true,
};
/**
 * A custom client settings object deployed to a collection holding the topology's second computer:
 * user policy polling on, user policy requests from internet clients off — so one site has a
 * computer for each answer of the setting, as sites with custom client settings do.
 */
export const NO_INTERNET_USER_POLICY: ClientPolicySettings = {
  name: 'Internet clients without user policy',
  userPolicyPolling: true,
  userPolicyOnInternet: false,
};

export function siteFeatureOptions(role: ManagementPointRole, topology: Topology, siteSystems: PlannedSiteSystem[]): SiteFeatureOptions {
  const quirk = (name: string) => (topology.quirks as readonly string[]).includes(name);
  const customCollection = new Set(topology.clients.slice(1, 2).map((client) => client.computerName.toUpperCase()));
  return {
    siteCode: topology.site.code,
    names: { intranet: role.intranetFqdn, internet: role.internetFqdn },
    secondarySite: role.secondarySite,
    clientSettings: (netbiosName) => (customCollection.has(netbiosName.toUpperCase()) ? NO_INTERNET_USER_POLICY : DEFAULT_CLIENT_SETTINGS),
    distributionPoints: siteSystems.flatMap((system) =>
      system.role.kind === 'distribution-point'
        ? [
            {
              name: system.role.name,
              intranetFqdn: system.role.intranetFqdn,
              internetFqdn: system.role.internetFqdn,
              httpsPort: system.host.ports.https!,
              packages: system.role.packages.map((pkg) => ({ contentId: pkg.contentId, version: pkg.version })),
            },
          ]
        : [],
    ),
    // One boundary group with site assignment and every DP: IP ranges over the whole lab, wherever it
    // runs (the embedded driver's loopback, the docker driver's 198.18.0.0/15).
    boundaries: [
      ['127.0.0.0', '127.255.255.255'],
      ['198.18.0.0', '198.19.255.255'],
    ],
    faults: {
      intranetOnlyPolicyToInternet: quirk('mp-hands-intranet-only-policy-to-internet-clients'),
      osdToInternet: quirk('mp-offers-os-deployment-to-internet-clients'),
      userPolicyWithoutWindowsAuth: quirk('mp-hands-user-policy-without-windows-auth'),
      clientPushToInternet: quirk('site-pushes-client-to-internet-clients'),
      wakeOnLanToInternet: quirk('site-wakes-internet-clients'),
      remoteControlToInternet: quirk('site-remote-controls-internet-clients'),
      autoSiteAssignmentOnInternet: quirk('mp-assigns-internet-clients-automatically'),
      roamingOnInternet: quirk('mp-lets-internet-clients-roam'),
      secondaryAcceptsInternet: quirk('secondary-site-accepts-internet-clients'),
      microsoftUpdateFallback: quirk('updates-not-on-dps-with-microsoft-update-fallback'),
    },
  };
}
