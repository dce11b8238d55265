// Runs a cloud management gateway host: the CMG role in front of its MP's handler (the CMG's
// connection point), on HTTPS with mutual auth against the lab's client PKI.
import { cloudManagementGateway } from '../../roles/cloud-management-gateway/index.js';
import { HttpListeners } from '../listeners.js';
import { journalOf, listenerHost, NOT_MINE } from '../listener-host.js';
import type { HostRecorders, RunningHost } from '../running.js';
import { siteRoleHandler } from '../site-system/roles.js';
import type { GatewayCommand, GatewayHostSpec } from './spec.js';

export async function runGateway(spec: GatewayHostSpec, recorders: HostRecorders): Promise<RunningHost<GatewayCommand>> {
  const journal = journalOf(recorders);
  const mp = spec.managementPoint;
  const managementPoint = siteRoleHandler(
    mp.system,
    mp.topology,
    mp.siteSystems,
    mp.certificatePem ? { certPem: mp.certificatePem } : undefined,
  );
  const handler = cloudManagementGateway({ mpRoleId: spec.mpRoleId, managementPoint });
  const listeners = new HttpListeners('cloud-management-gateway', spec.servers, journal, handler);
  return listenerHost<GatewayCommand>(spec, journal, listeners, async (command) =>
    command.op === 'set-crls' ? listeners.restartTls({ crl: command.crl }) : NOT_MINE,
  );
}
