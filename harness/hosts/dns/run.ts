// Runs the lab's DNS host: one server per segment view, each logging its queries; a command
// replaces a view's records.
import { startDnsServer, type StartedDnsServer } from '../../dns/index.js';
import { Journal } from '../../http/index.js';
import type { Segment } from '../../topology/index.js';
import type { HostRecorders, RunningHost } from '../running.js';
import type { DnsCommand, DnsHostSpec } from './spec.js';

export async function runDns(spec: DnsHostSpec, recorders: HostRecorders): Promise<RunningHost<DnsCommand>> {
  const dns = new Map<Segment, StartedDnsServer>();
  const closeAll = async () => {
    await Promise.all([...dns.values()].map((server) => server.close()));
    dns.clear();
  };
  try {
    for (const view of spec.views) {
      const server = await startDnsServer({
        host: view.host,
        port: view.port,
        view: { name: view.segment, records: view.records },
        onQuery: recorders.dnsQuery && ((entry) => recorders.dnsQuery!(view.segment, entry)),
      });
      dns.set(view.segment, server);
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    name: spec.name,
    journal: new Journal(recorders.journal),
    dns,
    connections: [],
    async control(command) {
      const server = dns.get(command.segment);
      if (!server) throw new Error(`host ${spec.name} has no DNS view for ${command.segment}`);
      server.setRecords(command.records);
    },
    stop: closeAll,
  };
}
