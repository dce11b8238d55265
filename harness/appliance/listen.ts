// `--listen <address>`: the lab's address an appliance reaches. It must be an address of this machine
// (a loopback address, or one of its interfaces): the lab binds its site systems there and never
// targets anything else. Not a wildcard: the worksheet names one address the appliance connects to.
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

export function checkListenAddress(value: string | undefined, flag = '--listen'): string {
  if (!value) throw new UsageError(`${flag} needs an address of this machine the appliance can reach (e.g. 127.0.0.2)`);
  if (isIP(value) === 0) throw new UsageError(`${flag} ${value}: an IP address, not a name`);
  if (value === '0.0.0.0' || value === '::')
    throw new UsageError(`${flag} ${value}: one address the appliance connects to, not a wildcard`);
  const loopback = value.startsWith('127.') || value === '::1';
  const local = Object.values(networkInterfaces())
    .flat()
    .some((entry) => entry?.address === value);
  if (!loopback && !local) throw new UsageError(`${flag} ${value} is not an address of this machine (see 'ip address')`);
  return value;
}

/** The mode an appliance is configured for: bridge or tunnel (forward is not offered for an external appliance yet). */
export function applianceMode(value: string | undefined): 'bridge' | 'tunnel' {
  if (value === 'bridge' || value === 'tunnel') return value;
  throw new UsageError(`--mode must be bridge or tunnel for an appliance (got "${value ?? ''}")`);
}
