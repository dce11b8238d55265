// GET / HEAD / PROPFIND on the MP's static content (`/CCM_Client/`), with single byte ranges:
// what BITS needs (research W:34) — HEAD gives the size, a ranged GET gives 206 and Content-Range.
import type { SiteRequest, SiteResponse } from '../../http/index.js';
import { parseRange } from './content.js';

export interface StaticFile {
  path: string;
  content: Buffer;
  contentType: string;
}

export function serveFile(request: SiteRequest, file: StaticFile): SiteResponse {
  const size = file.content.length;
  const common: [string, string][] = [
    ['Content-Type', file.contentType],
    ['Accept-Ranges', 'bytes'],
    ['Last-Modified', 'Mon, 02 Nov 2026 08:00:00 GMT'],
  ];
  const range = parseRange(request.header('range'), size);
  if (range === null) return { status: 416, headers: [...common, ['Content-Range', `bytes */${size}`]], body: '' };
  if (range === undefined) return { status: 200, headers: common, body: file.content };
  return {
    status: 206,
    headers: [...common, ['Content-Range', `bytes ${range.start}-${range.end}/${size}`]],
    body: file.content.subarray(range.start, range.end + 1),
  };
}

/** RFC 4918 207 Multi-Status listing of a collection (research W:30). */
export function propfindListing(collectionHref: string, files: StaticFile[]): SiteResponse {
  const entry = (href: string, props: string) => `<D:response><D:href>${href}</D:href><D:propstat><D:prop>${props}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
  const body =
    '<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:">' +
    entry(collectionHref, '<D:iscollection>1</D:iscollection><D:getcontentlength>0</D:getcontentlength>') +
    files.map((file) => entry(file.path, `<D:iscollection>0</D:iscollection><D:getcontentlength>${file.content.length}</D:getcontentlength>`)).join('') +
    '</D:multistatus>';
  return { status: 207, reason: 'Multi-Status', headers: [['Content-Type', 'text/xml; charset="utf-8"']], body };
}
