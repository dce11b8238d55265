// Every proxy the lab can start by name (`ibcm-lab proxies`). `direct` is not a proxy: it is the
// control, where clients reach the site systems without one.
import { faultyProxies } from './faulty/index.js';
import { startNodeProxy } from './node-proxy/index.js';
import type { ProxyImplementation } from './types.js';

export * from './contract/schema.js';
export * from './types.js';

export const referenceProxies: ProxyImplementation[] = [
  {
    name: 'node',
    kind: 'reference',
    description: 'the Node reference proxy: bridge (TLS terminated, client certificate + CRL checked, new mutual TLS upstream), tunnel (TLS passed through), forward (client-side CONNECT proxy)',
    modes: ['bridge', 'tunnel', 'forward'],
    start: (contract) => startNodeProxy(contract),
  },
];

export const builtInProxies: ProxyImplementation[] = [...referenceProxies, ...faultyProxies];

export function findProxy(name: string): ProxyImplementation | undefined {
  return builtInProxies.find((proxy) => proxy.name === name);
}
