// Faulty proxies: negative controls (after BoGo's ProtocolBugs and tlsfuzzer's expected failures).
// Each is the Node reference proxy with one switchable bug, named for the real-world fault it
// copies, and lists the requirements it must break — no more, no less. `ibcm-lab selftest` proves
// every one of them is caught exactly, so no check in the catalog is one that cannot fail.
import type { HeaderField, HttpRequestMessage } from '../../http/index.js';
import { startNodeProxy, type NodeProxyFaults } from '../node-proxy/index.js';
import type { ProxyImplementation } from '../types.js';

export function faulty(
  name: string,
  description: string,
  breaks: Record<string, string>,
  faults: NodeProxyFaults,
  modes: ProxyImplementation['modes'] = ['bridge'],
): ProxyImplementation {
  return { name, kind: 'faulty', description, modes, breaks, start: (contract) => startNodeProxy(contract, faults) };
}

const withHeaders = (request: HttpRequestMessage, keep: (field: HeaderField) => boolean): HttpRequestMessage => ({
  ...request,
  headers: request.headers.filter(keep),
});
const named = (name: string) => (field: HeaderField) => field.name.toLowerCase() === name.toLowerCase();
const not =
  <T>(predicate: (value: T) => boolean) =>
  (value: T) =>
    !predicate(value);

// Headers the documentation's allow-list names, plus the standard ones any proxy passes.
const DOCUMENTED_ALLOW_LIST = new Set([
  'range',
  'ccmclientid',
  'ccmclientidsignature',
  'ccmclienttimestamp',
  'ccmclienttimestampssignature',
]);

export const faultyProxies: ProxyImplementation[] = [
  // Signed policy requests carry the CCMClient* headers too: OS-deployment and user-policy checks fetch policy with them.
  faulty(
    'faulty-drop-ccmclientidsignature',
    'bridge that drops the CCMClientIDSignature request header',
    { 'PX-HDR-MP-CCMClientIDSignature': 'header-dropped', 'FEAT-NO-OSD': 'task-sequence-withheld' },
    {
      rewriteRequest: (request) => withHeaders(request, not(named('CCMClientIDSignature'))),
    },
  ),
  // Signed policy requests carry the CCMClient* headers too: OS-deployment and user-policy checks fetch policy with them.
  faulty(
    'faulty-docs-header-allowlist',
    'bridge whose CCMClient* allow-list was copied from the docs: it passes the documented CCMClientTimestampsSignature (a typo) and drops the real CCMClientTimestampSignature',
    { 'PX-HDR-MP-CCMClientTimestampSignature': 'header-dropped', 'FEAT-NO-OSD': 'task-sequence-withheld' },
    {
      rewriteRequest: (request) =>
        withHeaders(request, (field) => !/^ccmclient/i.test(field.name) || DOCUMENTED_ALLOW_LIST.has(field.name.toLowerCase())),
    },
  ),
  // Signed policy requests carry the CCMClient* headers too: OS-deployment and user-policy checks fetch policy with them.
  faulty(
    'faulty-drop-ccmclientid',
    'bridge that drops the CCMClientID request header',
    { 'PX-HDR-MP-CCMClientID': 'header-dropped', 'FEAT-NO-OSD': 'task-sequence-withheld' },
    {
      rewriteRequest: (request) => withHeaders(request, not(named('CCMClientID'))),
    },
  ),
  // Signed policy requests carry the CCMClient* headers too: OS-deployment and user-policy checks fetch policy with them.
  faulty(
    'faulty-drop-ccmclienttimestamp',
    'bridge that drops the CCMClientTimestamp request header',
    { 'PX-HDR-MP-CCMClientTimestamp': 'header-dropped', 'FEAT-NO-OSD': 'task-sequence-withheld' },
    {
      rewriteRequest: (request) => withHeaders(request, not(named('CCMClientTimestamp'))),
    },
  ),
  // Every FEAT check talks to the MP in CCM_POST messages; ROLE-UNTRUSTED registers and opens a package (PROPFIND).
  faulty(
    'faulty-verb-filter',
    'bridge that forwards only RFC 9110 methods and answers CCM_POST, BITS_POST and PROPFIND with 405 (IIS request filtering / a WAF verb policy)',
    // Refusing CCM_POST also refuses registration, which every signed-message check needs first.
    {
      'PX-VERB-MP-CCM_POST': 'not-received',
      'PX-VERB-MP-BITS_POST': 'not-received',
      'PX-VERB-MP-PROPFIND': 'not-received',
      'PX-VERB-DP-PROPFIND': 'not-received',
      'PX-CT-MULTIPART': 'not-received',
      'PX-EMPTY-200': 'not-received',
      'PX-HDR-EXTRA': 'not-received',
      'PX-CT-OCTET': 'upload-failed',
      'PX-BODY-LARGE': 'upload-failed',
      'PX-NTLM-AFFINITY': 'handshake-broken',
      'ROLE-UNTRUSTED': 'primary-role-refused',
    },
    {
      rewriteRequest: (request) =>
        ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'].includes(request.method)
          ? request
          : { reject: 405, reason: `method ${request.method} not allowed by policy` },
    },
  ),
  // One upstream connection per request also breaks the Application Catalog's Windows authentication (NTLM is connection-bound).
  // User policy and the Application Catalog both need Windows authentication, which a new connection per request loses.
  faulty(
    'faulty-http10-upstream',
    'bridge that speaks HTTP/1.0 to the site system, one connection per request',
    {
      'PX-HTTP11': 'upstream-not-http11',
      'PX-NTLM-AFFINITY': 'handshake-broken',
      'PX-VERB-APPCAT-GET': 'unexpected-status',
      'APPCAT-BROWSER': 'catalog-not-opened',
      'FEAT-USER-POLICY': 'user-policy-not-delivered',
      'ROLE-UNTRUSTED': 'primary-role-refused',
    },
    { http10Upstream: true },
  ),
  // Ranged downloads through the bridge (DP fallback, a download resumed across networks) break with it.
  faulty(
    'faulty-strip-range',
    'bridge that drops the Range request header (a cache that always fetches whole objects)',
    {
      'PX-HDR-MP-Range': 'header-dropped',
      'PX-HDR-DP-Range': 'header-dropped',
      'PX-RANGE': 'header-dropped',
      'LOC-RESUME': 'range-not-served',
      'SU-DP-FALLBACK': 'not-served-by-distribution-point',
    },
    {
      rewriteRequest: (request) => withHeaders(request, not(named('Range'))),
    },
  ),
  // Accepting any client also accepts untrusted, wrong-EKU, expired and revoked client certificates.
  faulty(
    'faulty-no-client-auth',
    'bridge that accepts clients without checking their certificate',
    {
      'PX-BRIDGE-MUTUAL': 'anonymous-served',
      'PKI-MTLS': 'anonymous-served',
      'PKI-TRUST-SITE': 'client-certificate-accepted',
      'PKI-EKU': 'client-certificate-accepted',
      'PKI-EXPIRED': 'client-certificate-accepted',
      'PKI-CRL-CLIENT-REVOKED': 'revoked-client-accepted',
    },
    { skipClientAuthentication: true },
  ),
  faulty(
    'faulty-no-crl-check',
    "bridge that checks the client certificate's chain but not the CRL (nginx without ssl_crl, HAProxy without crl-file)",
    { 'PKI-CRL-CLIENT-REVOKED': 'revoked-client-accepted' },
    { skipRevocationCheck: true },
  ),
  // Verifying nothing upstream, it checks no upstream CRL either (PKI-CRL-SERVER-REVOKED's upstream leg).
  faulty(
    'faulty-no-upstream-verify',
    "bridge that does not verify the site system's certificate on its upstream leg (nginx proxy_ssl_verify off, HAProxy verify none)",
    {
      'PKI-SAN': 'upstream-certificate-accepted',
      'PKI-EKU': 'upstream-certificate-accepted',
      'PKI-EXPIRED': 'upstream-certificate-accepted',
      'PKI-CRL-SERVER-REVOKED': 'upstream-revoked-accepted',
    },
    { skipUpstreamVerification: true },
  ),
  // Plain HTTP upstream verifies no site certificate (nor its revocation) and presents no client certificate at all.
  faulty(
    'faulty-bridge-to-http',
    'bridge that terminates HTTPS and forwards to the management point over plain HTTP (unsupported by Configuration Manager)',
    {
      'PX-BRIDGE-NO-DOWNGRADE': 'downgraded-to-http',
      'PX-BRIDGE-MUTUAL': 'upstream-not-authenticated',
      'PKI-MTLS': 'site-did-not-authenticate',
      'PKI-SAN': 'upstream-certificate-accepted',
      'PKI-EKU': 'upstream-certificate-accepted',
      'PKI-EXPIRED': 'upstream-certificate-accepted',
      'PKI-CRL-SERVER-REVOKED': 'upstream-revoked-accepted',
    },
    { downgradeUpstream: true },
  ),
  // State messages to the FSP are plain-HTTP POSTs on port 80 (FSP-STATE), so both rules lose them.
  // ROLE-UNTRUSTED has every internet role accept the client, the FSP among them.
  faulty(
    'faulty-https-only',
    'bridge with an HTTPS-only publishing rule: the fallback status point on port 80 is not published',
    {
      'PX-VERB-FSP-POST': 'not-received',
      'PX-PORTS': 'port-not-published',
      'FSP-STATE': 'state-message-lost',
      'ROLE-UNTRUSTED': 'primary-role-refused',
    },
    { httpsOnly: true },
  ),
  // The WSUS scan is a SOAP POST (SyncUpdates), so refusing POST also stops every update scan.
  // ROLE-UNTRUSTED posts to the FSP, the Application Catalog and the SUP.
  faulty(
    'faulty-post-blocked',
    'bridge that refuses POST (a "read-only" web publishing rule)',
    {
      'PX-VERB-FSP-POST': 'not-received',
      'PX-VERB-APPCAT-POST': 'not-received',
      'FSP-STATE': 'state-message-lost',
      'APPCAT-BROWSER': 'catalog-request-refused',
      'SU-SCAN-INTERNET-SUP': 'scan-failed',
      'ROLE-UNTRUSTED': 'primary-role-refused',
    },
    {
      rewriteRequest: (request) => (request.method === 'POST' ? { reject: 405, reason: 'POST not allowed by policy' } : request),
    },
  ),
  // ROLE-UNTRUSTED opens the Application Catalog too.
  faulty(
    'faulty-path-allowlist',
    'bridge whose publishing rule lists the MP, DP, FSP and SUP paths but not the Application Catalog',
    {
      'PX-VERB-APPCAT-GET': 'catalog-get-refused',
      'PX-PORTS': 'port-not-published',
      'APPCAT-BROWSER': 'catalog-not-opened',
      'ROLE-UNTRUSTED': 'primary-role-refused',
    },
    {
      rewriteRequest: (request) =>
        /^\/cmapplicationcatalog/i.test(request.target) ? { reject: 404, reason: 'no publishing rule for this path' } : request,
    },
  ),
  // A rule written from one registration-and-policy cycle: of the .sms_aut queries only the MP list,
  // and no /CCM_Client (W:8, W:11) — where the checks of HEAD, PROPFIND, Range and keep-alive on the
  // MP fetch, size and list CCMSetup's download.
  faulty(
    'faulty-cycle-path-allowlist',
    'bridge whose publishing rule allows .sms_aut?MPLIST but no other .sms_aut query (MPKEYINFORMATION, SITESIGNCERT) and not /CCM_Client',
    {
      'PX-VERB-MP-GET': 'not-received',
      'PX-VERB-MP-HEAD': 'not-received',
      'PX-VERB-MP-PROPFIND': 'not-received',
      'PX-HDR-MP-Range': 'not-received',
      'PX-HTTP11': 'not-received',
    },
    {
      rewriteRequest: (request) =>
        /^\/sms_mp\/\.sms_aut\?(?!mplist)/i.test(request.target) || /^\/ccm_client(\/|$)/i.test(request.target)
          ? { reject: 404, reason: 'no publishing rule for this path' }
          : request,
    },
  ),
  faulty(
    'faulty-strip-bits-headers',
    'bridge whose header allow-list lacks the BITS-* headers',
    {
      'PX-VERB-MP-BITS_POST': 'not-received',
      'PX-HDR-EXTRA': 'header-dropped',
      'PX-CT-OCTET': 'upload-failed',
      'PX-BODY-LARGE': 'upload-failed',
    },
    {
      rewriteRequest: (request) => withHeaders(request, (field) => !/^bits-/i.test(field.name)),
    },
  ),
  faulty(
    'faulty-binary-mangler',
    'bridge that treats application/octet-stream bodies as text and re-encodes them as UTF-8',
    { 'PX-CT-OCTET': 'header-changed' },
    {
      rewriteRequest: (request) =>
        /octet-stream/i.test(request.headers.find(named('Content-Type'))?.value ?? '')
          ? { ...request, body: Buffer.from(request.body.toString('latin1'), 'utf8') }
          : request,
    },
  ),
  faulty(
    'faulty-multipart-rewriter',
    'bridge with a WAF multipart parser that rewrites part headers (adds Content-Disposition)',
    { 'PX-CT-MULTIPART': 'body-changed', 'PX-VERB-MP-CCM_POST': 'body-changed', 'PX-BODY-LARGE': 'body-changed' },
    {
      rewriteRequest: (request) =>
        /multipart\/mixed/i.test(request.headers.find(named('Content-Type'))?.value ?? '')
          ? {
              ...request,
              body: Buffer.from(
                request.body.toString('latin1').replace(/\r\ncontent-type: /g, '\r\nContent-Disposition: form-data\r\ncontent-type: '),
                'latin1',
              ),
            }
          : request,
    },
  ),
  faulty(
    'faulty-url-normaliser',
    'bridge that normalises request targets (decodes %7B and %7D)',
    { 'PX-URL-EXACT': 'target-changed' },
    {
      rewriteRequest: (request) => ({ ...request, target: request.target.replace(/%7B/gi, '{').replace(/%7D/gi, '}') }),
    },
  ),
  faulty(
    'faulty-body-limit',
    'bridge with a 1 MiB request body limit',
    { 'PX-BODY-LARGE': 'upload-failed' },
    {
      rewriteRequest: (request) => (request.body.length > 1024 * 1024 ? { reject: 413, reason: 'request body over 1 MiB' } : request),
    },
  ),
  // Asynchronous messages (inventory) get a NoReply part (W:18), not an empty 200, so the large CCM_POST is untouched.
  faulty(
    'faulty-empty-200-error-page',
    'bridge whose message inspection replaces an empty 200 answer to a CCM_POST with its own error page',
    { 'PX-EMPTY-200': 'response-changed' },
    {
      rewriteResponse: (response, request) =>
        request.method === 'CCM_POST' && response.status === 200 && response.body.length === 0
          ? {
              ...response,
              status: 502,
              reason: 'Bad Gateway',
              headers: [{ name: 'Content-Type', value: 'text/html' }],
              body: Buffer.from('<html><body>The server returned an empty response.</body></html>'),
            }
          : response,
    },
  ),
  faulty(
    'faulty-pooled-upstream',
    'bridge that shares one upstream connection among all clients (connection multiplexing)',
    { 'PX-NTLM-AFFINITY': 'handshake-broken' },
    { sharedUpstream: true },
  ),
  faulty(
    'faulty-head-blocked',
    'bridge whose WAF refuses HEAD',
    {
      'PX-VERB-MP-HEAD': 'not-received',
      'PX-VERB-DP-HEAD': 'not-received',
      'PX-RANGE': 'not-received',
      'PX-HTTP11': 'not-received',
      'LOC-RESUME': 'size-unknown',
      'SU-DP-FALLBACK': 'not-served-by-distribution-point',
    },
    {
      rewriteRequest: (request) => (request.method === 'HEAD' ? { reject: 405, reason: 'HEAD not allowed by policy' } : request),
    },
  ),
  faulty(
    'faulty-query-stripper',
    'bridge that strips "&…" parameters from query strings (a parameter normaliser)',
    { 'PX-VERB-MP-GET': 'target-changed', 'PX-URL-EXACT': 'target-changed' },
    {
      rewriteRequest: (request) => ({ ...request, target: request.target.replace(/(\?[^&]*)&.*$/, '$1') }),
    },
  ),
  faulty(
    'faulty-extension-filter',
    'bridge with request filtering that blocks .txt files (an extension deny-list)',
    { 'PX-VERB-DP-GET': 'not-received', 'PX-URL-EXACT': 'not-received' },
    {
      rewriteRequest: (request) => (/\.txt$/i.test(request.target) ? { reject: 404, reason: 'file extension denied' } : request),
    },
  ),
  // Internet clients try Microsoft Update first (W:41); a web filter that drops it silently sends
  // them to the DP although Microsoft Update is up. Only a forward proxy stands on that path.
  faulty(
    'faulty-block-microsoft-update',
    'forward proxy whose web filter drops requests to Microsoft Update hosts without an answer',
    { 'SU-MU-FIRST': 'microsoft-update-unreachable' },
    { forwardBlockHost: (host) => /(^|\.)(windowsupdate\.com|update\.microsoft\.com|download\.microsoft\.com)$/i.test(host) },
    ['forward'],
  ),
  // Its own framing disagrees with a back end that lets Transfer-Encoding win, and the pool hands the
  // desynchronised connection to the next client: the victim's request completes the hidden one.
  faulty(
    'faulty-te-sanitiser',
    'bridge whose request filter deletes Transfer-Encoding from the copy it parses (so it frames every request by Content-Length) but forwards the original head, over upstream connections pooled across clients',
    { 'PX-SMUGGLE': 'request-smuggled' },
    {
      requestFraming: 'ignore-transfer-encoding',
      forwardFramingVerbatim: true,
      upstreamPool: true,
    },
  ),
  // Legacy mobile clients are authenticated as users at the bridge (seed 000); a client-certificate rule that maps only computer certificates shuts them out.
  faulty(
    'faulty-computer-certificates-only',
    'bridge whose client-certificate rule admits only computer certificates (a DNS name in the SAN): legacy mobile clients, authenticated as users, are refused',
    { 'MOB-LEGACY-USER-AUTH': 'legacy-user-refused' },
    {
      admitClient: (certificate) => /DNS:/.test(certificate.subjectAltName ?? ''),
    },
  ),
  // ROLE-UNTRUSTED: every internet-capable primary-site role must be reachable. A rule set copied from an
  // IBCM guide that lists only the client roles (MP, DP, FSP, SUP, Application Catalog) leaves the
  // enrollment proxy point and the Policy Module (NDES) unpublished: the proxy answers 404 itself.
  faulty(
    'faulty-client-roles-only',
    'bridge whose publishing rules cover only the client roles (MP, DP, FSP, SUP, Application Catalog): it answers 404 for the enrollment proxy point and the Policy Module',
    { 'ROLE-UNTRUSTED': 'primary-role-refused' },
    {
      rewriteRequest: (request, listener) =>
        listener.role === 'enrollment-proxy-point' || listener.role === 'policy-module'
          ? { reject: 404, reason: `no publishing rule for the ${listener.role}` }
          : request,
    },
  ),
  // Legacy mobile clients are authenticated as users (seed 000): the site must learn the user. This bridge
  // admits the user's certificate but its rule for users does not delegate their credentials — ISA Server
  // 2006's default "No delegation - do not allow end-to-end delegation" (rule option "No delegation, and
  // client cannot authenticate directly"): credentials are not passed to the published server
  // ("Authentication in ISA Server 2006", learn.microsoft.com/en-us/previous-versions/tn-archive/bb794722(v=technet.10);
  // ISA 2006 help "Delegation of credentials"; KB 935767 names the rule option) — so upstream only the
  // bridge's own client certificate speaks and the MP never authenticates the user. Computers (a DNS
  // name in their certificate) are untouched.
  faulty(
    'faulty-no-user-delegation',
    "bridge that admits a legacy mobile client's user certificate but does not delegate the user's credentials: it strips their Windows authentication, so upstream the MP sees only the bridge's own identity",
    { 'MOB-LEGACY-USER-AUTH': 'user-not-authenticated' },
    {
      rewriteRequest: (request, _listener, certificate) =>
        certificate && !/DNS:/.test(certificate.subjectAltName ?? '') ? withHeaders(request, not(named('Authorization'))) : request,
    },
  ),
];
