// GET / HEAD / PROPFIND on static content, with single byte ranges: what BITS needs (research W:34) —
// HEAD gives the size, a ranged GET gives 206 and Content-Range, an unsatisfiable range 416 with
// `Content-Range: bytes */size`. Used by the MP (`/CCM_Client/`), the DP (package content) and the SUP
// (`/Content/`, `/selfupdate/`).
import type { SiteRequest, SiteResponse } from '../../http/index.js';
import { parseRange } from './content.js';

export interface StaticFile {
  /** The href a PROPFIND listing gives for this file. */
  path: string;
  content: Buffer;
  contentType: string;
}

/** Fixed, so two runs of the lab serve byte- and header-identical files (BITS compares it on resume). */
export const LAST_MODIFIED = 'Mon, 02 Nov 2026 08:00:00 GMT';

export function serveFile(request: SiteRequest, file: StaticFile): SiteResponse {
  const size = file.content.length;
  const common: [string, string][] = [
    ['Content-Type', file.contentType],
    ['Accept-Ranges', 'bytes'],
    ['Last-Modified', LAST_MODIFIED],
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

/** One member of a 207 listing. `href` is written as given: the caller percent-encodes it. */
export interface MultiStatusEntry {
  href: string;
  collection: boolean;
  length: number;
}

/**
 * RFC 4918 207 Multi-Status answering the properties the ConfigMgr client asks for in its PROPFIND
 * (`iscollection`, `getcontentlength`, research W:30). The exact body a real DP sends is not public
 * (W:30 [INFER]); this is the plain RFC 4918 shape.
 */
export function multiStatus(entries: readonly MultiStatusEntry[]): SiteResponse {
  const entry = ({ href, collection, length }: MultiStatusEntry): string =>
    `<D:response><D:href>${href}</D:href><D:propstat><D:prop>` +
    `<D:iscollection>${collection ? 1 : 0}</D:iscollection><D:getcontentlength>${length}</D:getcontentlength>` +
    `</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
  const body = '<?xml version="1.0" encoding="utf-8"?><D:multistatus xmlns:D="DAV:">' + entries.map(entry).join('') + '</D:multistatus>';
  return { status: 207, reason: 'Multi-Status', headers: [['Content-Type', 'text/xml; charset="utf-8"']], body };
}

/** 207 listing of a collection and the files in it (research W:30). */
export function propfindListing(collectionHref: string, files: StaticFile[]): SiteResponse {
  return multiStatus([
    { href: collectionHref, collection: true, length: 0 },
    ...files.map((file) => ({ href: file.path, collection: false, length: file.content.length })),
  ]);
}
