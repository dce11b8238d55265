// Negative controls for what the bridge checks only looked at on the MP (issue 11, findings 5 and 6)
// and a benign control for the Host header (research W:67). Like the other faulty proxies, each is
// the Node reference proxy with one switchable bug; `breaks` names requirement → reason code.
import { readFileSync } from 'node:fs';
import type { HttpRequestMessage } from '../../http/index.js';
import type { ProxyContract, ProxyListener } from '../contract/schema.js';
import { startNodeProxy, type NodeProxyFaults } from '../node-proxy/index.js';
import type { ProxyImplementation } from '../types.js';
import { startInspectingTunnel } from './inspecting-tunnel.js';

/**
 * The name a reverse proxy would be configured with for a listener's upstream when the administrator
 * writes the site system's intranet FQDN (`proxy_pass https://mp1.corp.example`): a name of the
 * proxy's resolver that points at the upstream address and is not a published name.
 */
function upstreamIntranetNames(contract: ProxyContract): Map<string, string> {
  const published = new Set(contract.listeners.map((listener) => listener.publicName.toLowerCase()));
  const byAddress = new Map<string, string>();
  for (const line of readFileSync(contract.resolver.hostsFile, 'utf8').split('\n')) {
    const [address, name] = line.trim().split(/\s+/);
    if (address && name && !published.has(name.toLowerCase()) && !byAddress.has(address)) byAddress.set(address, name);
  }
  return new Map(
    contract.listeners.flatMap((listener) =>
      byAddress.has(listener.upstream.host) ? [[listener.name, byAddress.get(listener.upstream.host)!] as [string, string]] : [],
    ),
  );
}

/** nginx's default `proxy_set_header Host $proxy_host`: the upstream gets the name of the `proxy_pass` URL. */
function hostFromProxyPass(names: Map<string, string>) {
  return (request: HttpRequestMessage, listener: ProxyListener): HttpRequestMessage => {
    const name = names.get(listener.name);
    if (!name) return request;
    const port = listener.upstream.port === (listener.scheme === 'https' ? 443 : 80) ? '' : `:${listener.upstream.port}`;
    return {
      ...request,
      headers: request.headers.map((field) =>
        field.name.toLowerCase() === 'host' ? { name: field.name, value: `${name}${port}` } : field,
      ),
    };
  };
}

function control(
  kind: 'faulty' | 'benign',
  name: string,
  description: string,
  modes: ProxyImplementation['modes'],
  faults: NodeProxyFaults | ((contract: ProxyContract) => NodeProxyFaults),
  breaks?: Record<string, string>,
): ProxyImplementation {
  return {
    name,
    kind,
    description,
    modes,
    ...(breaks ? { breaks } : {}),
    start: (contract) => startNodeProxy(contract, typeof faults === 'function' ? faults(contract) : faults),
  };
}

export const controlProxies: ProxyImplementation[] = [
  // Finding 5: a client without a certificate was only ever tried on the MP.
  control(
    'faulty',
    'faulty-optional-client-cert',
    "bridge whose DP, Application Catalog and SUP listeners request a client certificate but admit clients without one (nginx ssl_verify_client optional); only the MP's listener requires one",
    ['bridge'],
    { optionalClientCertificate: (listener) => listener.role !== 'management-point' },
    { 'PX-BRIDGE-MUTUAL': 'anonymous-served', 'PKI-MTLS': 'anonymous-served' },
  ),
  // Finding 6: the upstream TLS server name was recorded but not asserted.
  control(
    'faulty',
    'faulty-no-upstream-sni',
    "bridge that sends no TLS server name upstream (nginx's default: proxy_ssl_server_name off)",
    ['bridge'],
    { upstreamServerName: () => null },
    { 'PX-BRIDGE-MUTUAL': 'upstream-sni' },
  ),
  // PX-CLIENT-PROXY: a web proxy whose CONNECT allow-list names the published site systems and
  // missed one — the software update point (on 8531 here, the other documented SUP port). The SUP's
  // own checks and ROLE-UNTRUSTED (it posts to the SUP) lose it too; PX-PORTS finds its port closed.
  control(
    'faulty',
    'faulty-connect-allowlist',
    'client-side web proxy whose CONNECT allow-list lists the published site systems by name but not the software update point (403 to CONNECT sup…)',
    ['forward'],
    {
      forwardRefuseConnect: (host) => /^sup\./i.test(host),
    },
    {
      'PX-CLIENT-PROXY': 'connect-refused',
      'PX-PORTS': 'port-not-published',
      'SU-SCAN-INTERNET-SUP': 'scan-failed',
      'ROLE-UNTRUSTED': 'primary-role-refused',
    },
  ),
  // PX-TUNNEL-PASSTHRU / PX-PORTFORWARD: a "tunnel" that terminates TLS and re-encrypts (inbound TLS inspection).
  {
    name: 'faulty-inspecting-tunnel',
    kind: 'faulty',
    description:
      "tunnel that terminates TLS with the site systems' own imported certificates and re-encrypts upstream with the MP's client certificate (inbound TLS inspection)",
    modes: ['tunnel'],
    // Every check that needs the client's own certificate at the MP, or the MP's live certificate at the client, fails with it.
    breaks: {
      'PX-TUNNEL-PASSTHRU': 'tls-terminated',
      'PX-PORTFORWARD': 'tls-terminated',
      'PKI-MTLS': 'site-saw-other-certificate',
      'PKI-TRUST-SITE': 'mp-saw-another-certificate',
      'PKI-SAN': 'failed-for-another-reason',
      'PKI-EKU': 'failed-for-another-reason',
      'PKI-EXPIRED': 'failed-for-another-reason',
      'PKI-CRL-CLIENT-REVOKED': 'mp-saw-another-certificate',
      'PKI-CRL-SERVER-REVOKED': 'revoked-server-accepted',
      'MOB-ENROLLED-NO-BRIDGE': 'tunnel-did-not-carry',
    },
    start: (contract) => startInspectingTunnel(contract),
  },
  // PX-CT-OCTET, response direction (W:26, W:71): content inspection that reads policy downloads as
  // text. Plain policy bodies are ASCII XML and come through unchanged; a secret policy (binary CMS
  // EnvelopedData, application/octet-stream) is re-encoded and no longer opens with the client's key.
  control(
    'faulty',
    'faulty-policy-body-transcoder',
    'bridge whose content inspection reads policy downloads (/SMS_MP/.sms_pol) as text and re-encodes them as UTF-8, binary secret policies included',
    ['bridge'],
    {
      rewriteResponse: (response, request) =>
        /^\/sms_mp[^/]*\/\.sms_pol\?/i.test(request.target) &&
        /octet-stream/i.test(response.headers.find((field) => field.name.toLowerCase() === 'content-type')?.value ?? '')
          ? { ...response, body: Buffer.from(response.body.toString('latin1'), 'utf8') }
          : response,
    },
    { 'PX-CT-OCTET': 'body-changed' },
  ),
  // W:1 (appcmd list) / W:72: a publishing rule written from one registration-and-policy cycle lists the
  // MP applications that cycle uses (/SMS_MP, /ccm_system, /ccm_system_windowsauth, /CCM_Incoming,
  // /CCM_Client) and leaves out client notification (/BGB), the token service and the token- and
  // Windows-authenticated policy applications.
  control(
    'faulty',
    'faulty-mp-app-allowlist',
    'bridge whose MP publishing rule lists /SMS_MP, /ccm_system, /ccm_system_windowsauth, /CCM_Incoming and /CCM_Client but not /BGB, /CCM_STS, /CCM_System_TokenAuth, /SMS_MP_TokenAuth or /SMS_MP_WindowsAuth',
    ['bridge'],
    {
      rewriteRequest: (request) =>
        /^\/(bgb|ccm_sts|ccm_system_tokenauth|sms_mp_tokenauth|sms_mp_windowsauth)(\/|\?|$)/i.test(request.target)
          ? { reject: 404, reason: 'no publishing rule for this path' }
          : request,
    },
    { 'PX-VERB-MP-GET': 'not-received', 'PX-VERB-MP-CCM_POST': 'not-received' },
  ),
  // W:67: the Host header is not among the documented requirements, and the MP tells internet
  // from intranet clients by the TLS server name of the connection, so rewriting Host is harmless.
  control(
    'benign',
    'benign-host-rewrite',
    "bridge that sends the site system's intranet FQDN as Host upstream (nginx's default proxy_set_header Host $proxy_host with proxy_pass to the intranet name), keeping the contract's TLS server name",
    ['bridge'],
    (contract) => ({
      rewriteRequest: hostFromProxyPass(upstreamIntranetNames(contract)),
    }),
  ),
];
