// Every proxy the lab can start by name (`ibcm-lab proxies`). `direct` is not a proxy: it is the
// control, where clients reach the site systems without one.
import { execProxy } from './exec/index.js';
import { faultyProxies } from './faulty/index.js';
import { haproxyProxy } from './haproxy/index.js';
import { nginxProxy } from './nginx/index.js';
import { startNodeProxy } from './node-proxy/index.js';
import { squidProxy } from './squid/index.js';
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
  nginxProxy,
  haproxyProxy,
  squidProxy,
];

export const builtInProxies: ProxyImplementation[] = [...referenceProxies, ...faultyProxies];

/** A built-in proxy by name, or `exec:<command>` — any proxy started from the proxy contract. */
export function findProxy(name: string): ProxyImplementation | undefined {
  if (name.startsWith('exec:')) return name.length > 5 ? execProxy(name.slice(5)) : undefined;
  return builtInProxies.find((proxy) => proxy.name === name);
}
