// Faulty proxies: negative controls. Each is the Node reference proxy with one switchable bug and
// names the requirements it must break; the self-test proves every one of them is caught.
import type { HeaderField } from '../../http/index.js';
import { startNodeProxy } from '../node-proxy/index.js';
import type { ProxyImplementation } from '../types.js';

function dropRequestHeader(header: string) {
  return (headers: HeaderField[]) => headers.filter((field) => field.name.toLowerCase() !== header.toLowerCase());
}

export const faultyProxies: ProxyImplementation[] = [
  {
    name: 'faulty-drop-ccmclientidsignature',
    kind: 'faulty',
    description: 'bridge that drops the CCMClientIDSignature request header',
    modes: ['bridge'],
    breaks: ['PX-HDR-MP-CCMClientIDSignature'],
    start: (contract) => startNodeProxy(contract, { rewriteRequest: (request) => ({ ...request, headers: dropRequestHeader('CCMClientIDSignature')(request.headers) }) }),
  },
  {
    name: 'faulty-docs-header-allowlist',
    kind: 'faulty',
    description: 'bridge whose header allow-list was copied from the docs: passes CCMClientTimestampsSignature (the typo) but drops the real CCMClientTimestampSignature',
    modes: ['bridge'],
    breaks: ['PX-HDR-MP-CCMClientTimestampSignature'],
    start: (contract) => startNodeProxy(contract, { rewriteRequest: (request) => ({ ...request, headers: dropRequestHeader('CCMClientTimestampSignature')(request.headers) }) }),
  },
  {
    name: 'faulty-verb-filter',
    kind: 'faulty',
    description: 'bridge that only forwards RFC 9110 methods and refuses CCM_POST, BITS_POST and PROPFIND with 405',
    modes: ['bridge'],
    // Blocking CCM_POST also blocks registration, which every signed-message check needs first.
    breaks: ['PX-VERB-MP-CCM_POST', 'PX-VERB-MP-BITS_POST', 'PX-VERB-MP-PROPFIND', 'PX-CT-MULTIPART', 'PX-BRIDGE-IDENTITY', 'PX-HDR-MP-CCMClientID', 'PX-HDR-MP-CCMClientIDSignature', 'PX-HDR-MP-CCMClientTimestamp', 'PX-HDR-MP-CCMClientTimestampSignature'],
    start: (contract) =>
      startNodeProxy(contract, {
        rewriteRequest: (request) => (['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'].includes(request.method) ? request : { reject: 405, reason: `method ${request.method} not allowed by policy` }),
      }),
  },
];
