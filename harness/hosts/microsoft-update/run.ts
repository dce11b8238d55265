// Runs the mock Microsoft Update host: the role behind plain HTTP, and the ways a check makes it
// fail as a client meets them — another behaviour of the role, nothing listening, or a blackhole.
import net from 'node:net';
import { microsoftUpdate } from '../../roles/microsoft-update/index.js';
import { HttpListeners } from '../listeners.js';
import { journalOf, listenerHost, NOT_MINE } from '../listener-host.js';
import type { HostRecorders, RunningHost } from '../running.js';
import { softwareUpdateFiles } from '../site-system/roles.js';
import type { MicrosoftUpdateBehaviour, MicrosoftUpdateCommand, MicrosoftUpdateHostSpec } from './spec.js';

export async function runMicrosoftUpdate(
  spec: MicrosoftUpdateHostSpec,
  recorders: HostRecorders,
): Promise<RunningHost<MicrosoftUpdateCommand>> {
  const journal = journalOf(recorders);
  let behaviour: MicrosoftUpdateBehaviour = { kind: 'normal' };
  const listeners = new HttpListeners(
    spec.kind,
    spec.servers,
    journal,
    microsoftUpdate({ files: softwareUpdateFiles(), behaviour: () => behaviour }),
  );
  return listenerHost<MicrosoftUpdateCommand>(spec, journal, listeners, async (command) => {
    if (command.op !== 'set-microsoft-update') return NOT_MINE;
    await listeners.stopListening();
    behaviour = command.behaviour;
    if (command.listen === 'normal') return listeners.listen();
    if (command.listen === 'blackhole') listeners.standIn(await blackhole(listeners.first));
    return undefined;
  });
}

/** A filter in the path that drops the connection without a word: accepted, then reset. Answers how to close it. */
async function blackhole(at: { host: string; port: number }): Promise<() => Promise<void>> {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.resetAndDestroy());
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
