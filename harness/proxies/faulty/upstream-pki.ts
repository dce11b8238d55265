// Faulty bridges that get revocation wrong on the upstream leg or above the leaf (issue 11, findings
// 3 and 4): each is the Node reference bridge with one switchable bug, and names the requirement it
// breaks with the reason code of the assertion that must catch it (suites/pki/revocation.spec.ts).
import { startNodeProxy, type NodeProxyFaults } from '../node-proxy/index.js';
import type { ProxyImplementation } from '../types.js';

function faultyBridge(name: string, description: string, breaks: Record<string, string>, faults: NodeProxyFaults): ProxyImplementation {
  return { name, kind: 'faulty', description, modes: ['bridge'], breaks, start: (contract) => startNodeProxy(contract, faults) };
}

export const upstreamPkiFaultyProxies: ProxyImplementation[] = [
  // Verifies the site system's chain and name, but never looks at the contract's upstream CRL: it
  // connects to an MP whose certificate is revoked (and so also to one whose issuing CA is).
  faultyBridge(
    'faulty-no-upstream-crl',
    "bridge that verifies the site system's certificate chain but not against the upstream CRL (nginx without proxy_ssl_crl, HAProxy without crl-file on the server line)",
    { 'PKI-CRL-SERVER-REVOKED': 'upstream-revoked-accepted' },
    { skipUpstreamRevocationCheck: true },
  ),
  // Looks up only the peer's own serial on the CRLs (Apache's `SSLCARevocationCheck leaf`): a revoked
  // leaf is refused on both legs, a certificate from a revoked issuing CA is accepted on both.
  faultyBridge(
    'faulty-leaf-only-crl',
    "bridge that checks only the leaf certificate's serial against the CRLs, never its issuing CA's (Apache SSLCARevocationCheck leaf), on the client and the upstream leg",
    { 'PKI-CRL-CLIENT-REVOKED': 'revoked-issuer-client-accepted', 'PKI-CRL-SERVER-REVOKED': 'upstream-revoked-issuer-accepted' },
    { leafOnlyRevocationCheck: true },
  ),
];
