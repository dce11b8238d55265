// The CRL distribution point: plain HTTP on the internet segment, serving the CRLs named in every
// certificate's CDP extension (seed 001: the CRL must be published over HTTP and reachable from
// the internet). The CRL set is read on every request so a revocation is visible at once.
import type { SiteHandler, SiteResponse } from '../../http/index.js';

export interface CrlSource {
  crls(): { path: string; der: Buffer }[];
}

export function crlDistributionPoint(source: CrlSource): SiteHandler {
  return (request): SiteResponse => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return { status: 405, headers: [['Allow', 'GET, HEAD']], body: '' };
    const crl = source.crls().find((candidate) => candidate.path === request.target);
    if (!crl) return { status: 404, body: '' };
    return {
      status: 200,
      headers: [
        ['Content-Type', 'application/pkix-crl'],
        ['Cache-Control', 'max-age=60'],
      ],
      body: crl.der,
    };
  };
}
