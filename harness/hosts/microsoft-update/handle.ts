// The started mock Microsoft Update host (W:41–42): plain HTTP on the internet; a check can make it
// fail in each documented way (SU-DP-FALLBACK). A fault is the role's behaviour, how its port
// answers, and — for `unresolvable` — its name leaving DNS, which the lab's DNS does for it.
import type { MicrosoftUpdateRole } from '../../topology/index.js';
import type { LabHost, StartHost } from '../driver.js';
import { attachedTo, listenAddresses, type PlacedHost } from '../placed.js';
import type { MicrosoftUpdateBehaviour, MicrosoftUpdateCommand, MicrosoftUpdateListen } from './spec.js';

/** How a check can make Microsoft Update fail (SU-DP-FALLBACK), each as a client meets it. */
export type MicrosoftUpdateFault = 'unresolvable' | 'refused' | 'http-error' | 'blocked' | 'timeout' | 'block-page';

/** The mock Microsoft Update host (W:41–42). */
export interface LabMicrosoftUpdate {
  readonly name: string;
  readonly fqdn: string;
  readonly address: string;
  readonly port: number;
  readonly fault: MicrosoftUpdateFault | null;
  /**
   * `unresolvable`: its name leaves every DNS view; `refused`: nothing listens; `http-error`: it
   * answers `status` (503); `blocked`: the connection is accepted and reset without an answer (a
   * filter dropping it silently); `timeout`: it answers only after `holdMs` (3 s); `block-page`: every
   * request is answered 200 with an HTML page (a captive portal or a filter answering for it). `null` restores it.
   */
  setFault(fault: MicrosoftUpdateFault | null, options?: { status?: number; holdMs?: number }): Promise<void>;
}

export interface StartedMicrosoftUpdate extends LabMicrosoftUpdate {
  readonly host: LabHost;
}

/** How the lab's DNS registers Microsoft Update's name (all views), or leaves it out. */
export type MicrosoftUpdateDns = (options: { withoutMicrosoftUpdate?: boolean }) => Promise<void>;

export async function startMicrosoftUpdate(
  start: StartHost,
  mu: { role: MicrosoftUpdateRole; host: PlacedHost },
  dns: MicrosoftUpdateDns,
): Promise<StartedMicrosoftUpdate> {
  const { role, host: placed } = mu;
  const servers = listenAddresses(placed).map((address) => ({ host: address, port: placed.ports.http! }));
  const host = await start({ kind: 'microsoft-update', name: role.name, attach: attachedTo(placed), servers });
  const set = async (behaviour: MicrosoftUpdateBehaviour, listen: MicrosoftUpdateListen = 'normal') => {
    await host.control({ op: 'set-microsoft-update', behaviour, listen } satisfies MicrosoftUpdateCommand);
  };
  let fault: MicrosoftUpdateFault | null = null;
  return {
    name: role.name,
    fqdn: role.fqdn,
    address: placed.address,
    port: placed.ports.http!,
    host,
    get fault() {
      return fault;
    },
    async setFault(next, options = {}) {
      // Back to normal first: the name resolves, the server listens, it answers.
      await dns({});
      fault = next;
      switch (next) {
        case null:
          return set({ kind: 'normal' });
        case 'unresolvable':
          await dns({ withoutMicrosoftUpdate: true });
          return set({ kind: 'normal' });
        case 'refused':
          return set({ kind: 'normal' }, 'none'); // nothing listens
        case 'http-error':
          return set({ kind: 'http-error', status: options.status ?? 503 });
        case 'timeout':
          return set({ kind: 'hold', holdMs: options.holdMs ?? 3000 });
        case 'block-page':
          return set({ kind: 'block-page' });
        case 'blocked':
          // A filter in the path that drops the connection without a word: accepted, then reset.
          return set({ kind: 'normal' }, 'blackhole');
      }
    },
  };
}
