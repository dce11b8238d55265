// The CRL distribution point host as data, and the commands it takes.
import type { HostBase, ListenerCommand, ServerSpec } from '../spec.js';

export interface CrlFile {
  path: string;
  derBase64: string;
}

export interface CdpHostSpec extends HostBase {
  kind: 'crl-distribution-point';
  crls: CrlFile[];
  servers: ServerSpec[];
}

/** Switched off and on (a check takes the CDP down); the CRL files it publishes. */
export type CdpCommand = ListenerCommand | { op: 'set-crl-files'; crls: CrlFile[] };
