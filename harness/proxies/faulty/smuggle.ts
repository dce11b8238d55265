// Negative controls of PX-SMUGGLE: front ends whose framing disagrees with a back end that lets
// Transfer-Encoding win (RFC 9112 §6.1) and that hand upstream connections from one client to the
// next, so a request hidden in one client's body is completed by — and answered to — another.
import type { ProxyImplementation } from '../types.js';
import { faulty } from './index.js';

export const smuggleFaultyProxies: ProxyImplementation[] = [
  faulty(
    'faulty-forward-ambiguous-framing',
    'bridge that frames a request with both Content-Length and Transfer-Encoding by its Content-Length (and repeated Content-Length by the first), forwards such requests verbatim, and pools upstream connections across clients',
    { 'PX-SMUGGLE': 'request-smuggled' },
    { requestFraming: 'content-length-wins', forwardFramingVerbatim: true, upstreamPool: true },
  ),
];
