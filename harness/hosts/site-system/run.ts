// Runs a site system host: its role's handler (roles.ts) behind its HTTP(S) listeners, and the
// commands a site system takes (new certificate, new CRL, the site's internet MP list, MPControl).
import { HttpListeners } from '../listeners.js';
import { journalOf, listenerHost, NOT_MINE } from '../listener-host.js';
import type { HostRecorders, RunningHost } from '../running.js';
import { mpControlCheck } from './mp-control.js';
import { siteRoleHandler } from './roles.js';
import type { SiteSystemCommand, SiteSystemHostSpec } from './spec.js';

export async function runSiteSystem(spec: SiteSystemHostSpec, recorders: HostRecorders): Promise<RunningHost<SiteSystemCommand>> {
  const journal = journalOf(recorders);
  let internetManagementPoints: string[] | undefined;
  const handler = siteRoleHandler(
    spec.system,
    spec.topology,
    spec.siteSystems,
    spec.certificatePem ? { certPem: spec.certificatePem } : undefined,
    {
      internetManagementPoints: () => internetManagementPoints,
    },
  );
  // A lenient MP parser is a property of the role (topology), so it reaches a container host through its spec too.
  const role = spec.system.role;
  const listeners = new HttpListeners(
    role.kind,
    spec.servers,
    journal,
    handler,
    role.kind === 'management-point' ? role.requestFraming : undefined,
  );
  return listenerHost<SiteSystemCommand>(spec, journal, listeners, async (command) => {
    switch (command.op) {
      case 'set-tls':
        return listeners.restartTls({ key: command.key, cert: command.cert });
      case 'set-crls':
        return listeners.restartTls({ crl: command.crl });
      case 'set-internet-management-points':
        internetManagementPoints = command.names;
        return;
      case 'mp-control':
        return mpControlCheck(command.target, command.certificate);
      case 'set-request-framing':
        listeners.setRequestFraming(command.framing);
        return;
      default:
        return NOT_MINE;
    }
  });
}
