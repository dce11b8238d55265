// A cloud management gateway host as data, and the commands it takes.
import type { SiteSystemHostSpec } from '../site-system/spec.js';
import type { HostBase, ListenerCommand, ServerSpec } from '../spec.js';

export interface GatewayHostSpec extends HostBase {
  kind: 'cloud-management-gateway';
  mpRoleId: string;
  /** The MP it forwards to: the CMG's connection point runs the MP's handler. */
  managementPoint: Omit<SiteSystemHostSpec, 'kind' | 'name' | 'attach' | 'servers'>;
  servers: ServerSpec[];
}

/** Taken down like any listener; a revocation hands it the new CRL (mutual auth checks it). */
export type GatewayCommand = ListenerCommand | { op: 'set-crls'; crl: string[] };
