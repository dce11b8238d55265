// The domain controller beacon as data: one TCP listener on the LDAP port. It takes no commands.
import type { HostBase } from '../spec.js';

export interface DomainControllerHostSpec extends HostBase {
  kind: 'domain-controller';
  listen: { host: string; port: number };
}

export type DomainControllerCommand = never;
