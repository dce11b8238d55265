// The running-host shape every HTTP(S) host kind shares: a journal, its listeners (open at start),
// and the listener commands; the kind adds its own commands through `own`.
import { Journal } from '../http/index.js';
import type { HttpListeners } from './listeners.js';
import type { HostRecorders, RunningHost } from './running.js';
import { unknownCommand } from './running.js';
import type { HostBase, HostCommand, ListenerCommand } from './spec.js';

/** A kind's own commands: answers `handled: false` for one it does not know. */
export type OwnCommands<C> = (command: Exclude<C, ListenerCommand>) => Promise<unknown> | typeof NOT_MINE;
export const NOT_MINE = Symbol('not a command of this kind');

export function journalOf(recorders: HostRecorders): Journal {
  return new Journal(recorders.journal);
}

export async function listenerHost<C extends HostCommand>(
  spec: HostBase & { kind: string },
  journal: Journal,
  listeners: HttpListeners,
  own: OwnCommands<C>,
): Promise<RunningHost<C>> {
  await listeners.listen();
  return {
    name: spec.name,
    journal,
    dns: new Map(),
    connections: [],
    async control(command) {
      if (command.op === 'stop-listening') return listeners.stopListening();
      if (command.op === 'listen') return listeners.listen();
      const answer = await own(command as Exclude<C, ListenerCommand>);
      if (answer === NOT_MINE) throw unknownCommand(spec.name, spec.kind, command);
      return answer;
    },
    stop: () => listeners.stopListening(),
  };
}
