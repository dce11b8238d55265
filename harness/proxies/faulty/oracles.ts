// Negative controls for the oracles that compare both legs field by field (issue 11): a bridge that
// answers one client from what it fetched for another, and bridges that keep a CCMClient* header
// but repeat or re-encode it. Each is the Node reference proxy with one switchable bug, and names
// the requirements it breaks with the reason code of the assertion that must catch it.
import type { HeaderField, HttpRequestMessage, HttpResponseMessage } from '../../http/index.js';
import { startNodeProxy, type NodeProxyFaults } from '../node-proxy/index.js';
import type { ProxyImplementation } from '../types.js';

function faulty(
  name: string,
  description: string,
  breaks: Record<string, string>,
  faults: () => NodeProxyFaults,
  mayAlsoBreak?: Record<string, string>,
): ProxyImplementation {
  // `faults` is called per start, so state a fault keeps (a cache) belongs to one proxy instance.
  return {
    name,
    kind: 'faulty',
    description,
    modes: ['bridge'],
    breaks,
    ...(mayAlsoBreak ? { mayAlsoBreak } : {}),
    start: (contract) => startNodeProxy(contract, faults()),
  };
}

const isNamed = (name: string) => (field: HeaderField) => field.name.toLowerCase() === name.toLowerCase();

/** Rewrite the fields named `name`; every other field as it came. */
function mapHeader(request: HttpRequestMessage, name: string, rewrite: (field: HeaderField) => HeaderField[]): HttpRequestMessage {
  return { ...request, headers: request.headers.flatMap((field) => (isNamed(name)(field) ? rewrite(field) : [field])) };
}

/**
 * A response cache keyed by URL alone (no Vary on the CCMClient* headers), for the MP's policy
 * bodies — the "static-looking" GETs a reverse-proxy cache rule picks up. The first client's body is
 * served to every client that asks for the same policy.
 */
function policyCache(): NodeProxyFaults {
  const cache = new Map<string, HttpResponseMessage>();
  const cacheable = (request: HttpRequestMessage) =>
    request.method === 'GET' && /^\/sms_mp\/\.sms_pol\?/i.test(request.target) && !request.headers.some(isNamed('Range'));
  return {
    answerLocally: (request) => (cacheable(request) ? cache.get(request.target) : undefined),
    rewriteResponse: (response, request) => {
      if (cacheable(request) && response.status === 200 && !cache.has(request.target)) cache.set(request.target, structuredClone(response));
      return response;
    },
  };
}

export const oracleFaultyProxies: ProxyImplementation[] = [
  // Answered from the cache, a client's signed policy request never reaches the MP at all: the
  // header checks and FEAT-NO-OSD (which look for it in the MP's journal) see that, once an earlier
  // check of the run has fetched the same policy (in a full run, always).
  faulty(
    'faulty-caching-bridge',
    "bridge that caches the MP's policy bodies by URL and serves one client's policy to another",
    // PX-CT-OCTET: its secret-policy check asks for one client's secret policy as another (W:71).
    { 'PX-BRIDGE-IDENTITY': 'policy-of-another-client', 'PX-CT-OCTET': 'policy-of-another-client' },
    policyCache,
    // Which of these fail depends on the checks that warmed the cache first in the same lab (the
    // self-test spreads a project's spec files over workers), so they are collateral, not targets.
    {
      'PX-HDR-MP-CCMClientID': 'not-received',
      'PX-HDR-MP-CCMClientIDSignature': 'not-received',
      'PX-HDR-MP-CCMClientTimestamp': 'not-received',
      'PX-HDR-MP-CCMClientTimestampSignature': 'not-received',
      'FEAT-NO-OSD': 'not-received',
    },
  ),
  // nginx with `keepalive_timeout 0` for clients and an upstream `keepalive` pool: the upstream leg
  // stays persistent (one pooled connection), the client's leg closes after every response. The
  // pool is shared by clients, as nginx's is, so NTLM breaks as it does behind nginx.
  faulty(
    'faulty-client-close',
    "bridge that closes the client's connection after every response while keeping a pooled upstream connection (nginx keepalive_timeout 0 with upstream keepalive)",
    { 'PX-HTTP11': 'client-keepalive-lost', 'PX-NTLM-AFFINITY': 'handshake-broken' },
    () => ({
      closeClientAfterResponse: true,
      sharedUpstream: true,
    }),
  ),
  // The MP still takes the first field, so only the header check itself can see the repeat.
  faulty(
    'faulty-duplicate-ccmclientid',
    'bridge whose header rule adds CCMClientID instead of setting it (HAProxy add-header for set-header): the field arrives twice',
    { 'PX-HDR-MP-CCMClientID': 'header-duplicated' },
    () => ({
      rewriteRequest: (request) => mapHeader(request, 'CCMClientID', (field) => [field, { ...field }]),
    }),
  ),
  // The MP accepts lower-case hex (PXEThief sends it), so the signature still verifies: only the byte-exact value check sees it.
  faulty(
    'faulty-signature-recase',
    'bridge that normalises header values and re-encodes the CCMClientIDSignature hex in lower case',
    { 'PX-HDR-MP-CCMClientIDSignature': 'header-changed' },
    () => ({
      rewriteRequest: (request) => mapHeader(request, 'CCMClientIDSignature', (field) => [{ ...field, value: field.value.toLowerCase() }]),
    }),
  ),
];
