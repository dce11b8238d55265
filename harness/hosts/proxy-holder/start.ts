// Starts the proxy under test from its contract, exactly as a vendor's would be, where its holder stands.
import type { ProxyContract, ProxyImplementation, StartedProxy } from '../../proxies/index.js';
import type { DriverLab } from '../driver.js';
import type { ProxyHolderSpec } from './spec.js';

export function startProxyHolder(
  place: DriverLab,
  implementation: ProxyImplementation,
  contract: ProxyContract,
  spec: ProxyHolderSpec,
): Promise<StartedProxy> {
  return place.startProxy(implementation, contract, spec.attach);
}
