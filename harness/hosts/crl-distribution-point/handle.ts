// The started CDP: plain HTTP on the internet segment serving every hierarchy's CRLs as they are now
// (a revocation or a re-signing is handed to it at once). A check can take it down and bring it back.
import type { CrlDistributionPointRole } from '../../topology/index.js';
import type { LabHost, StartHost } from '../driver.js';
import { attachedTo, listenPoints, type PlacedHost } from '../placed.js';
import type { CdpCommand, CrlFile } from './spec.js';

/** The CRL distribution point host, which a check can take down and bring back. */
export interface LabCdpHandle {
  readonly name: string;
  readonly fqdn: string;
  /** Where the certificates say the CRLs are (http:// URLs the CDP serves). */
  readonly urls: string[];
  readonly running: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface StartedCdp extends LabCdpHandle {
  readonly host: LabHost;
  /** The CRL files it serves from now on. */
  publish(crls: CrlFile[]): Promise<void>;
}

export async function startCdp(
  start: StartHost,
  cdp: { role: CrlDistributionPointRole; host: PlacedHost },
  crls: CrlFile[],
  urls: string[],
): Promise<StartedCdp> {
  const { role, host: placed } = cdp;
  const servers = listenPoints(placed, 'http', placed.ports.http!);
  const host = await start({ kind: 'crl-distribution-point', name: role.name, attach: attachedTo(placed), crls, servers });
  const send = (command: CdpCommand) => host.control(command);
  let running = true;
  return {
    name: role.name,
    fqdn: role.fqdn,
    urls,
    host,
    get running() {
      return running;
    },
    async stop() {
      await send({ op: 'stop-listening' });
      running = false;
    },
    async start() {
      await send({ op: 'listen' });
      running = true;
    },
    publish: async (files) => void (await send({ op: 'set-crl-files', crls: files })),
  };
}
