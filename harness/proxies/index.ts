// Every proxy the lab can start by name (`ibcm-lab proxies`). `direct` is not a proxy: it is the
// control, where clients reach the site systems without one.
import { applianceProxy } from '../appliance/proxy.js';
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
import { parseProxyRef, type ProxyRef } from './ref.js';
import { PROXY_CONTRACT_ENV } from './contract/schema.js';

export * from './contract/schema.js';
export * from './types.js';
export * from './ref.js';

export const referenceProxies: ProxyImplementation[] = [
  {
    name: 'node',
    kind: 'reference',
    description:
      'the Node reference proxy: bridge (TLS terminated, client certificate + CRL checked, new mutual TLS upstream), tunnel (TLS passed through), forward (client-side CONNECT proxy)',
    modes: ['bridge', 'tunnel', 'forward'],
    start: (contract) => startNodeProxy(contract),
  },
  nginxProxy,
  haproxyProxy,
  squidProxy,
];

export const builtInProxies: ProxyImplementation[] = [
  ...referenceProxies,
  ...faultyProxies,
  ...smuggleFaultyProxies,
  ...upstreamPkiFaultyProxies,
  ...controlProxies,
  ...oracleFaultyProxies,
  ...benignProxies,
  ...worldFaultyProxies,
  ...hostileProxies,
];

/** The proxy a parsed `--proxy` names (undefined: no such built-in proxy). An address file that does not validate is a usage error. */
export function proxyFromRef(ref: ProxyRef): ProxyImplementation | undefined {
  switch (ref.kind) {
    case 'builtin':
      return builtInProxies.find((proxy) => proxy.name === ref.name);
    case 'exec':
      return execProxy(ref.command);
    case 'image':
      return imageProxy(ref.image);
    case 'address':
      return applianceProxy(ref.file);
  }
}

/** A proxy by its `--proxy` text: a built-in name, `exec:<command>` or `image:<ref>`. */
export function findProxy(name: string): ProxyImplementation | undefined {
  const ref = parseProxyRef(name);
  return 'invalid' in ref ? undefined : proxyFromRef(ref);
}

/** `--proxy image:<ref>`: a vendor's container image; the docker driver starts it with the contract mounted. */
export function imageProxy(image: string): ProxyImplementation {
  return {
    name: `image:${image}`,
    kind: 'external',
    description: `the container image ${image}, started by the docker driver with ${PROXY_CONTRACT_ENV} naming the mounted contract.json`,
    modes: ['bridge', 'tunnel', 'forward'],
    ref: { kind: 'image', image },
    start: () => Promise.reject(new Error(`--proxy image:${image} needs the docker driver (--driver docker)`)),
  };
}
