// Every proxy the lab can start by name (`ibcm-lab proxies`). `direct` is not a proxy: it is the
// control, where clients reach the site systems without one.
import { execProxy } from './exec/index.js';
import { controlProxies } from './faulty/controls.js';
import { faultyProxies } from './faulty/index.js';
import { smuggleFaultyProxies } from './faulty/smuggle.js';
import { upstreamPkiFaultyProxies } from './faulty/upstream-pki.js';
import { benignProxies } from './benign/index.js';
import { oracleFaultyProxies } from './faulty/oracles.js';
import { worldFaultyProxies } from './faulty/worlds.js';
import { haproxyProxy } from './haproxy/index.js';
import { hostileProxies } from './hostile/index.js';
import { nginxProxy } from './nginx/index.js';
import { startNodeProxy } from './node-proxy/index.js';
import { squidProxy } from './squid/index.js';
import type { ProxyImplementation } from './types.js';
import { PROXY_CONTRACT_ENV } from './contract/schema.js';

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

export const builtInProxies: ProxyImplementation[] = [...referenceProxies, ...faultyProxies, ...smuggleFaultyProxies, ...upstreamPkiFaultyProxies, ...controlProxies, ...oracleFaultyProxies, ...benignProxies, ...worldFaultyProxies, ...hostileProxies];

/** A built-in proxy by name, or `exec:<command>` — any proxy started from the proxy contract. */
export function findProxy(name: string): ProxyImplementation | undefined {
  if (name.startsWith('exec:')) return name.length > 5 ? execProxy(name.slice(5)) : undefined;
  if (name.startsWith('image:')) return name.length > 6 ? imageProxy(name.slice(6)) : undefined;
  return builtInProxies.find((proxy) => proxy.name === name);
}

/** `--proxy image:<ref>`: a vendor's container image; the docker driver starts it with the contract mounted. */
export function imageProxy(ref: string): ProxyImplementation {
  return {
    name: `image:${ref}`,
    kind: 'external',
    description: `the container image ${ref}, started by the docker driver with ${PROXY_CONTRACT_ENV} naming the mounted contract.json`,
    modes: ['bridge', 'tunnel', 'forward'],
    start: () => Promise.reject(new Error(`--proxy image:${ref} needs the docker driver (--driver docker)`)),
  };
}
