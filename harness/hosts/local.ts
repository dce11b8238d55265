// The embedded way to run a host: right here, in this process (also what `ibcm-lab host` does
// inside a container). Turns a running host into the LabHost the lab reads and commands.
import type { LabHost } from './driver.js';
import { listLog } from './log.js';
import { runHost } from './run-host.js';
import type { HostSpec } from './spec.js';

export async function runLocalHost(spec: HostSpec): Promise<LabHost> {
  const host = await runHost(spec);
  return {
    name: host.name,
    journal: host.journal,
    dnsLog(segment) {
      const server = host.dns.get(segment);
      if (!server) throw new Error(`host ${spec.name} has no DNS view for ${segment}`);
      return { entries: () => server.queries(), mark: () => server.mark(), since: (mark) => server.since(mark) };
    },
    connections: listLog(host.connections),
    control: (command) => host.control(command),
    stop: () => host.stop(),
  };
}
