// Runs the domain controller beacon: a TCP listener on the LDAP port that notes who connected
// (network location, W:43). It takes no commands.
import net from 'node:net';
import { Journal } from '../../http/index.js';
import type { HostRecorders, RunningHost } from '../running.js';
import { unknownCommand } from '../running.js';
import type { BeaconConnection } from '../spec.js';
import type { DomainControllerCommand, DomainControllerHostSpec } from './spec.js';

export async function runDomainController(
  spec: DomainControllerHostSpec,
  recorders: HostRecorders,
): Promise<RunningHost<DomainControllerCommand>> {
  const connections: BeaconConnection[] = [];
  const beacon = net.createServer((socket) => {
    const entry = { at: new Date().toISOString(), remoteAddress: socket.remoteAddress ?? '' };
    connections.push(entry);
    recorders.connection?.(entry);
    socket.on('error', () => undefined);
    socket.end();
  });
  await new Promise<void>((resolve, reject) => {
    beacon.once('error', reject);
    beacon.listen(spec.listen.port, spec.listen.host, () => resolve());
  });
  let open = true;
  return {
    name: spec.name,
    journal: new Journal(recorders.journal),
    dns: new Map(),
    connections,
    control: async (command: { op: string }) => {
      throw unknownCommand(spec.name, spec.kind, command);
    },
    async stop() {
      if (!open) return;
      open = false;
      await new Promise<void>((resolve) => beacon.close(() => resolve()));
    },
  };
}
