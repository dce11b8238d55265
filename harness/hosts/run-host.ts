// Runs one lab host from its spec, in this process: the embedded driver calls it for every host, and
// `ibcm-lab host` calls it inside a container. Picks the runner of the spec's kind; each kind's
// runner owns its listeners and the commands of its kind.
import { runGateway } from './cloud-management-gateway/run.js';
import { runCdp } from './crl-distribution-point/run.js';
import { runDns } from './dns/run.js';
import { runDomainController } from './domain-controller/run.js';
import { runMicrosoftUpdate } from './microsoft-update/run.js';
import type { HostRecorders, RunningHost } from './running.js';
import { runSiteSystem } from './site-system/run.js';
import type { HostCommand, HostSpec } from './spec.js';

export type { HostRecorders, RunningHost } from './running.js';

export async function runHost(spec: HostSpec, recorders: HostRecorders = {}): Promise<RunningHost> {
  // A command arriving for this host is of its kind (the lab sends it through the kind's handle);
  // the runner refuses one that is not.
  const widen = <C extends HostCommand>(host: RunningHost<C>): RunningHost => ({
    ...host,
    control: (command) => host.control(command as C),
  });
  switch (spec.kind) {
    case 'site-system':
      return widen(await runSiteSystem(spec, recorders));
    case 'cloud-management-gateway':
      return widen(await runGateway(spec, recorders));
    case 'crl-distribution-point':
      return widen(await runCdp(spec, recorders));
    case 'microsoft-update':
      return widen(await runMicrosoftUpdate(spec, recorders));
    case 'domain-controller':
      return widen(await runDomainController(spec, recorders));
    case 'dns':
      return widen(await runDns(spec, recorders));
  }
}
