// Runs the CDP host: plain HTTP serving the CRL files it was last handed.
import { crlDistributionPoint } from '../../roles/crl-distribution-point/index.js';
import { HttpListeners } from '../listeners.js';
import { journalOf, listenerHost, NOT_MINE } from '../listener-host.js';
import type { HostRecorders, RunningHost } from '../running.js';
import type { CdpCommand, CdpHostSpec, CrlFile } from './spec.js';

export async function runCdp(spec: CdpHostSpec, recorders: HostRecorders): Promise<RunningHost<CdpCommand>> {
  const journal = journalOf(recorders);
  let crlFiles: CrlFile[] = spec.crls;
  const handler = crlDistributionPoint({
    crls: () => crlFiles.map((crl) => ({ path: crl.path, der: Buffer.from(crl.derBase64, 'base64') })),
  });
  const listeners = new HttpListeners(spec.kind, spec.servers, journal, handler);
  return listenerHost<CdpCommand>(spec, journal, listeners, async (command) => {
    if (command.op !== 'set-crl-files') return NOT_MINE;
    crlFiles = command.crls;
    return undefined;
  });
}
