// Faulty proxies of the worlds around the site: what a client's own network does to the public
// services it needs besides the site systems (Microsoft Update, W:41–42). Like faulty/index.ts: the
// Node reference proxy with one switchable bug, and the requirements it must break, each with the
// reason code of the assertion that must fail.
import type { HttpResponseMessage } from '../../http/index.js';
import { startNodeProxy, type NodeProxyFaults } from '../node-proxy/index.js';
import type { ProxyImplementation } from '../types.js';

function faulty(
  name: string,
  description: string,
  breaks: Record<string, string>,
  faults: NodeProxyFaults,
  modes: ProxyImplementation['modes'],
): ProxyImplementation {
  return { name, kind: 'faulty', description, modes, breaks, start: (contract) => startNodeProxy(contract, faults) };
}

const MICROSOFT_UPDATE_HOSTS = /(^|\.)(windowsupdate\.com|update\.microsoft\.com|download\.microsoft\.com)$/i;

/** A web filter's block page: 200, HTML, for any request — what a category filter shows a browser. */
function blockPage(target: string): HttpResponseMessage {
  const body = Buffer.from(
    '<!DOCTYPE html><html><head><title>Access denied</title></head><body><h1>This site is blocked</h1>' +
      `<p>Access to ${target.replace(/[<>&"]/g, '')} is not allowed by your organisation's web filtering policy (category: Software Updates).</p></body></html>`,
  );
  return {
    statusLine: 'HTTP/1.1 200 OK',
    version: 'HTTP/1.1',
    status: 200,
    reason: 'OK',
    headers: [
      { name: 'Content-Type', value: 'text/html; charset=utf-8' },
      { name: 'Cache-Control', value: 'no-store' },
    ],
    body,
    framing: 'content-length',
    trailers: [],
  };
}

export const worldFaultyProxies: ProxyImplementation[] = [
  // Internet clients try Microsoft Update first (W:41). A filter that answers for it with a 200 block
  // page keeps the update from coming from Microsoft Update although the client tried it first; the
  // client must tell the page from the file (no 206, not the size, not the SHA-1) and fall back to
  // the DP with the DP's own size — SU-DP-FALLBACK must still pass through this proxy.
  faulty(
    'faulty-mu-block-page',
    'forward proxy whose web filter answers requests to Microsoft Update hosts itself with a 200 HTML block page (every method, Range ignored)',
    { 'SU-MU-FIRST': 'microsoft-update-answer-not-the-file' },
    { forwardAnswer: (_request, url) => (MICROSOFT_UPDATE_HOSTS.test(url.hostname) ? blockPage(url.href) : undefined) },
    ['forward'],
  ),
];
