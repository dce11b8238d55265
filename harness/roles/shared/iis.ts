// What the roles share with the IIS they imitate: the 404 / 405 answers, and how a request target is
// split and decoded before a path is matched (IIS decodes %XX and matches paths case-insensitively;
// research W:29 shows tools using `sms_dp_smspkg$` in lower case against real DPs).
import type { SiteResponse } from '../../http/index.js';

/** IIS "404 - File or directory not found." for an unknown path. */
export function notFound(): SiteResponse {
  return { status: 404, headers: [['Content-Type', 'text/html']], body: '<html><body>404 - File or directory not found.</body></html>' };
}

/** IIS 405 for a verb the resource does not allow, with the `Allow` list (RFC 9110 §15.5.6). */
export function methodNotAllowed(allow: readonly string[]): SiteResponse {
  return {
    status: 405,
    headers: [
      ['Allow', allow.join(', ')],
      ['Content-Type', 'text/html'],
    ],
    body: '<html><body>405 - HTTP verb used to access this page is not allowed.</body></html>',
  };
}

/** IIS 400 for a request target it cannot decode. */
export function badRequest(reason: string): SiteResponse {
  return {
    status: 400,
    headers: [
      ['Content-Type', 'text/html'],
      ['X-IBCM-Lab-Reason', reason],
    ],
    body: '<html><body>Bad Request - Invalid URL</body></html>',
  };
}

/** Path and query of a request target, split at the first `?` as a server does (no decoding). */
export function splitTarget(target: string): { path: string; query: string | undefined } {
  const index = target.indexOf('?');
  return index < 0 ? { path: target, query: undefined } : { path: target.slice(0, index), query: target.slice(index + 1) };
}

/**
 * Percent-decode a piece of a request target as UTF-8. The HTTP reader hands the target over as
 * latin1 text of the raw bytes, so raw (unencoded) UTF-8 is re-read as UTF-8 first. `+` stays a plus:
 * these are paths, not form fields. Undefined when an escape is malformed.
 */
export function decodeTargetPart(raw: string): string | undefined {
  const text = /[\x80-\xff]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Percent-encode a relative file name for an href, keeping `/` between its segments. */
export function encodePathSegments(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
