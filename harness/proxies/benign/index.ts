// Benign controls: proxies that differ from the reference but are correct, as real proxies do by
// default. Each is the Node reference proxy with one rewrite; every applicable check must pass
// through it (the self-test runs them like the reference proxies). A check that fails one of them
// reads something a correct proxy may change — a false failure to fix in the check, not here.
import type { HeaderField, HttpRequestMessage, HttpResponseMessage } from '../../http/index.js';
import { startNodeProxy, type NodeProxyFaults } from '../node-proxy/index.js';
import type { ProxyImplementation } from '../types.js';

function benign(name: string, description: string, rewrites: NodeProxyFaults): ProxyImplementation {
  return { name, kind: 'benign', description, modes: ['bridge'], start: (contract) => startNodeProxy(contract, rewrites) };
}

const withRequestHeaders = (request: HttpRequestMessage, rewrite: (headers: HeaderField[]) => HeaderField[]): HttpRequestMessage => ({
  ...request,
  headers: rewrite(request.headers),
});
const withResponseHeaders = (response: HttpResponseMessage, rewrite: (headers: HeaderField[]) => HeaderField[]): HttpResponseMessage => ({
  ...response,
  headers: rewrite(response.headers),
});
const lowerCased = (headers: HeaderField[]) => headers.map((field) => ({ ...field, name: field.name.toLowerCase() }));
const without = (pattern: RegExp) => (headers: HeaderField[]) => headers.filter((field) => !pattern.test(field.name));
const VIA = { name: 'Via', value: '1.1 ibcm-edge' };

export const benignProxies: ProxyImplementation[] = [
  // Envoy (and every HTTP/2 hop) sends header names in lower case; names are case-insensitive (RFC 9110 §5.1).
  benign('benign-lowercase-names', 'bridge that lower-cases every header name both ways (Envoy default)', {
    rewriteRequest: (request) => withRequestHeaders(request, lowerCased),
    rewriteResponse: (response) => withResponseHeaders(response, lowerCased),
  }),
  // RFC 9110 §7.6.3: a proxy appends Via both ways (Squid, Apache ProxyVia, Traefik).
  benign('benign-via', 'bridge that adds Via to requests and responses (RFC 9110 §7.6.3)', {
    rewriteRequest: (request) => withRequestHeaders(request, (headers) => [...headers, VIA]),
    rewriteResponse: (response) => withResponseHeaders(response, (headers) => [...headers, VIA]),
  }),
  // Hardening guides strip X-* response headers (X-Powered-By, X-AspNet-Version); the lab's own X-IBCM-Lab-* go with them.
  benign('benign-strip-x-response', 'bridge that removes every X-* response header (a hardening rule against X-Powered-By and the like)', {
    rewriteResponse: (response) => withResponseHeaders(response, without(/^x-/i)),
  }),
  // Squid's default (forwarded_for on, or "unknown" when hidden) and RFC 7239 Forwarded.
  benign(
    'benign-forwarded',
    'bridge that adds X-Forwarded-For, X-Forwarded-Proto and Forwarded to requests (Squid, nginx, HAProxy option forwardfor)',
    {
      rewriteRequest: (request) =>
        withRequestHeaders(request, (headers) => [
          ...headers,
          { name: 'X-Forwarded-For', value: 'unknown' },
          { name: 'X-Forwarded-Proto', value: 'https' },
          { name: 'Forwarded', value: 'for=unknown;proto=https' },
        ]),
    },
  ),
  // Envoy's server_header_transformation OVERWRITE, nginx's server_tokens: the origin's Server and Date are replaced.
  benign(
    'benign-server-header',
    "bridge that replaces the site system's Server header with its own (Envoy server_header_transformation: OVERWRITE)",
    {
      rewriteResponse: (response) =>
        withResponseHeaders(response, (headers) => [...without(/^server$/i)(headers), { name: 'Server', value: 'envoy' }]),
    },
  ),
];
