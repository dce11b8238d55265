// The mock Microsoft Update host as data, and the commands it takes.
import type { HostBase, ListenerCommand, ServerSpec } from '../spec.js';

export interface MicrosoftUpdateHostSpec extends HostBase {
  kind: 'microsoft-update';
  servers: ServerSpec[];
}

/** As the Microsoft Update role takes it (roles/microsoft-update); repeated so drivers need no role code. */
export type MicrosoftUpdateBehaviour =
  { kind: 'normal' } | { kind: 'http-error'; status: number } | { kind: 'hold'; holdMs: number } | { kind: 'block-page' };

/** How its port answers: normally, not at all (refused), or a blackhole that accepts and resets. */
export type MicrosoftUpdateListen = 'normal' | 'none' | 'blackhole';

export type MicrosoftUpdateCommand =
  ListenerCommand | { op: 'set-microsoft-update'; behaviour: MicrosoftUpdateBehaviour; listen: MicrosoftUpdateListen };
