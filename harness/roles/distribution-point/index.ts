// The distribution point: package content under `/SMS_DP_SMSPKG$/<ContentID>.<version>` (research W:29),
// enumerated with WebDAV PROPFIND (W:30), fetched the BITS way — HEAD for the size, GET with one Range
// (W:34) — and the content signature under `/SMS_DP_SMSSIG$/` (W:29). Verbs GET, HEAD, PROPFIND (W:31);
// unknown paths 404 as on IIS (an anonymous DP answers an unknown package with 404, W:32).
//
// Files are requested as `…/<ContentID>.<version>/sccm?/<relative file>` (W:29). On IIS the `?` starts
// the query string, so the server sees the path `…/sccm` and the query `/<file>`; this role splits the
// target the same way. A device that percent-encodes the `?` (`sccm%3F/`) or drops it has changed the
// request a real DP answers, and gets 404 here too (W:57 PX-NORMALIZE).
//
// What tools that enumerate a DP over HTTP read (W:70): GET on a package (or a folder in it) is a
// directory page whose anchors are absolute `http(s)://<host>/SMS_DP_SMSPKG$/<pkg>/<file>` URLs, with
// `<dir>` before a sub-folder; those plain paths download the file; `/SMS_DP_SMSPKG$/Datalib` lists
// the packages of the content library (`<pkg>` folders and `<pkg>.INI` files). SCCMSecrets
// `file_dumper.py` (`fetch_package_ids_from_datalib`, `recursive_package_directory_fetch`,
// `download_files`) and sccm-http-looter rely on exactly this.
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { deterministicContent } from '../shared/content.js';
import { multiStatus, serveFile, type MultiStatusEntry } from '../shared/files.js';
import { badRequest, decodeTargetPart, encodePathSegments, methodNotAllowed, notFound, splitTarget } from '../shared/iis.js';
import { escapeXml } from '../shared/xml.js';

export interface DistributionPointFile {
  /** Relative name inside the package; `/` separates sub-folders; spaces and non-ASCII allowed. */
  name: string;
  size: number;
}

export interface DistributionPointPackage {
  /** `Content_<guid>` (applications) or a legacy package ID such as `LAB00001` (W:29). */
  contentId: string;
  version: number;
  files: DistributionPointFile[];
}

export interface DistributionPointOptions {
  packages: DistributionPointPackage[];
  /**
   * Packages whose bytes are given rather than generated: software-update deployment packages, whose
   * files must be the update files the SUP's metadata names by SHA-1 (the fallback source, W:41).
   */
  givenContent?: { contentId: string; version: number; files: { name: string; content: Buffer }[] }[];
}

/** Verbs IIS on a DP must allow (W:31). */
export const DP_VERBS = ['GET', 'HEAD', 'PROPFIND'] as const;
export const CONTENT_ROOT = '/SMS_DP_SMSPKG$';
export const SIGNATURE_ROOT = '/SMS_DP_SMSSIG$';
export const SIGNATURE_SIZE = 2048;

/** The bytes of a package file: a pure function of content ID and name, so a client can check them. */
export function packageFileContent(contentId: string, name: string, size: number): Buffer {
  return deterministicContent(`${contentId}/${name}`, size);
}

/** The bytes of `/SMS_DP_SMSSIG$/<ContentID>.<version>.tar`: a small stand-in for the signature tar. */
export function packageSignatureContent(contentId: string, version: number): Buffer {
  return deterministicContent(`${contentId}.${version}.tar`, SIGNATURE_SIZE);
}

/** `/SMS_DP_SMSPKG$/<ContentID>.<version>` — the package root the client PROPFINDs (W:29, W:30). */
export function packageRootPath(contentId: string, version: number): string {
  return `${CONTENT_ROOT}/${contentId}.${version}`;
}

/** `/SMS_DP_SMSPKG$/<ContentID>.<version>/sccm?/<file>` with the file name percent-encoded (W:29). */
export function packageFilePath(contentId: string, version: number, name: string): string {
  return `${packageRootPath(contentId, version)}/sccm?/${encodePathSegments(name)}`;
}

interface PackageEntry {
  contentId: string;
  version: number;
  files: Map<string, DistributionPointFile>;
}

type Resource =
  | { kind: 'root'; pkg: PackageEntry }
  | { kind: 'folder'; pkg: PackageEntry; folder: string }
  | { kind: 'file'; pkg: PackageEntry; file: DistributionPointFile }
  | { kind: 'signature'; pkg: PackageEntry }
  | { kind: 'datalib' }
  | { kind: 'datalib-ini'; pkg: PackageEntry };

/** The content library index under the package share (W:29, W:70). */
export const DATALIB_PATH = `${CONTENT_ROOT}/Datalib`;

export function distributionPoint(options: DistributionPointOptions): SiteHandler {
  // IIS on NTFS: package and file names match case-insensitively (tools use `sms_dp_smspkg$`, W:29).
  const packages = new Map<string, PackageEntry>();
  const given = new Map<string, Buffer>();
  const allPackages: DistributionPointPackage[] = [...options.packages];
  for (const pkg of options.givenContent ?? []) {
    allPackages.push({
      contentId: pkg.contentId,
      version: pkg.version,
      files: pkg.files.map((file) => ({ name: file.name, size: file.content.length })),
    });
    for (const file of pkg.files) given.set(`${pkg.contentId}/${file.name}`, file.content);
  }
  for (const pkg of allPackages) {
    const key = `${pkg.contentId}.${pkg.version}`.toLowerCase();
    if (packages.has(key)) throw new Error(`distribution point: package ${pkg.contentId}.${pkg.version} is configured twice`);
    const files = new Map<string, DistributionPointFile>();
    for (const file of pkg.files) {
      if (!Number.isInteger(file.size) || file.size < 0)
        throw new Error(`distribution point: ${pkg.contentId}/${file.name} has an invalid size ${file.size}`);
      if (file.name === '' || file.name.startsWith('/'))
        throw new Error(`distribution point: ${pkg.contentId} has an invalid file name "${file.name}"`);
      if (files.has(file.name.toLowerCase())) throw new Error(`distribution point: ${pkg.contentId} lists "${file.name}" twice`);
      files.set(file.name.toLowerCase(), file);
    }
    packages.set(key, { contentId: pkg.contentId, version: pkg.version, files });
  }

  // Content is generated on first use (packages may be large) and kept: every later range is a slice.
  const cache = new Map<string, Buffer>(given);
  const contentOf = (key: string, make: () => Buffer): Buffer => {
    let content = cache.get(key);
    if (!content) cache.set(key, (content = make()));
    return content;
  };

  return (request: SiteRequest): SiteResponse => {
    const located = locate(request.target, packages);
    if (located === 'bad-target') return badRequest('request target has a malformed percent-escape');
    if (!located) return notFound();
    if (!(DP_VERBS as readonly string[]).includes(request.method)) return methodNotAllowed(DP_VERBS);

    switch (located.kind) {
      case 'root':
        if (request.method === 'PROPFIND') return listing(located.pkg, request.header('Depth'));
        return directoryPage(request, `${packageRootPath(located.pkg.contentId, located.pkg.version)}/`, folderEntries(located.pkg, ''));
      case 'folder': {
        const { pkg, folder } = located;
        if (request.method === 'PROPFIND')
          return multiStatus(
            [...pkg.files.values()]
              .filter((file) => file.name.toLowerCase().startsWith(`${folder.toLowerCase()}/`))
              .map((file) => ({ href: packageFilePath(pkg.contentId, pkg.version, file.name), collection: false, length: file.size })),
          );
        return directoryPage(
          request,
          `${packageRootPath(pkg.contentId, pkg.version)}/${encodePathSegments(folder)}/`,
          folderEntries(pkg, folder),
        );
      }
      case 'datalib': {
        if (request.method === 'PROPFIND') return methodNotAllowed(['GET', 'HEAD']);
        const entries = [...packages.values()].flatMap((pkg): DirectoryEntry[] => [
          { name: `${pkg.contentId}.${pkg.version}`, href: `${DATALIB_PATH}/${pkg.contentId}.${pkg.version}`, directory: true },
          {
            name: `${pkg.contentId}.${pkg.version}.INI`,
            href: `${DATALIB_PATH}/${pkg.contentId}.${pkg.version}.INI`,
            directory: false,
            size: datalibIni(pkg).length,
          },
        ]);
        return directoryPage(request, `${DATALIB_PATH}/`, entries);
      }
      case 'datalib-ini':
        if (request.method === 'PROPFIND') return methodNotAllowed(['GET', 'HEAD']);
        return serveFile(request, {
          path: `${DATALIB_PATH}/${located.pkg.contentId}.${located.pkg.version}.INI`,
          content: datalibIni(located.pkg),
          contentType: 'text/plain',
        });
      case 'file': {
        const { pkg, file } = located;
        if (request.method === 'PROPFIND')
          return multiStatus([{ href: packageFilePath(pkg.contentId, pkg.version, file.name), collection: false, length: file.size }]);
        const content = contentOf(`${pkg.contentId}/${file.name}`, () => packageFileContent(pkg.contentId, file.name, file.size));
        return serveFile(request, {
          path: packageFilePath(pkg.contentId, pkg.version, file.name),
          content,
          contentType: 'application/octet-stream',
        });
      }
      case 'signature': {
        const { pkg } = located;
        if (request.method === 'PROPFIND') return methodNotAllowed(['GET', 'HEAD']);
        const content = contentOf(`${pkg.contentId}.${pkg.version}.tar`, () => packageSignatureContent(pkg.contentId, pkg.version));
        return serveFile(request, {
          path: `${SIGNATURE_ROOT}/${pkg.contentId}.${pkg.version}.tar`,
          content,
          contentType: 'application/x-tar',
        });
      }
    }
  };
}

/** Map a request target onto a package resource; undefined for anything this DP does not have. */
function locate(target: string, packages: Map<string, PackageEntry>): Resource | 'bad-target' | undefined {
  const { path: rawPath, query: rawQuery } = splitTarget(target);
  const path = decodeTargetPart(rawPath);
  const query = rawQuery === undefined ? undefined : decodeTargetPart(rawQuery);
  if (path === undefined || (query === undefined && rawQuery !== undefined)) return 'bad-target';
  const segments = path.split('/');
  if (segments[0] !== '' || segments.length < 3) return undefined;
  const root = `/${segments[1]!}`.toLowerCase();

  if (root === SIGNATURE_ROOT.toLowerCase()) {
    // `/SMS_DP_SMSSIG$/<ContentID>.<version>.tar` (W:29).
    if (segments.length !== 3 || query !== undefined || !segments[2]!.toLowerCase().endsWith('.tar')) return undefined;
    const pkg = packages.get(segments[2]!.slice(0, -'.tar'.length).toLowerCase());
    return pkg && { kind: 'signature', pkg };
  }
  if (root !== CONTENT_ROOT.toLowerCase()) return undefined;
  if (segments[2]!.toLowerCase() === 'datalib' && query === undefined) {
    // `/SMS_DP_SMSPKG$/Datalib[/]` and `/SMS_DP_SMSPKG$/Datalib/<ContentID>.<version>.INI` (W:70).
    if (segments.length === 3 || (segments.length === 4 && segments[3] === '')) return { kind: 'datalib' };
    const ini =
      segments.length === 4 && segments[3]!.toLowerCase().endsWith('.ini')
        ? packages.get(segments[3]!.slice(0, -'.ini'.length).toLowerCase())
        : undefined;
    return ini && { kind: 'datalib-ini', pkg: ini };
  }
  const pkg = packages.get(segments[2]!.toLowerCase());
  if (!pkg) return undefined;
  const rest = segments.slice(3);

  if (query === undefined) {
    // `/SMS_DP_SMSPKG$/<ContentID>.<version>` or with a trailing slash: the package root.
    if (rest.length === 0 || (rest.length === 1 && rest[0] === '')) return { kind: 'root', pkg };
    // The plain `…/<ContentID>.<version>/<relative file>` a directory page links to (W:70), or a folder.
    const relative = (rest[rest.length - 1] === '' ? rest.slice(0, -1) : rest).join('/');
    const file = rest[rest.length - 1] === '' ? undefined : pkg.files.get(relative.toLowerCase());
    if (file) return { kind: 'file', pkg, file };
    const isFolder = [...pkg.files.keys()].some((name) => name.startsWith(`${relative.toLowerCase()}/`));
    return isFolder ? { kind: 'folder', pkg, folder: relative } : undefined;
  }
  // `…/sccm?/<file>`: the path ends in the `sccm` segment and the query is `/<relative file>`.
  if (rest.length !== 1 || rest[0]!.toLowerCase() !== 'sccm') return undefined;
  if (query === '' || query === '/') return { kind: 'root', pkg };
  if (!query.startsWith('/')) return undefined;
  const file = pkg.files.get(query.slice(1).toLowerCase());
  return file && { kind: 'file', pkg, file };
}

/**
 * PROPFIND on the package root (W:30): the client sends `Depth: infinity`; `1` is answered the same
 * way (all files, whatever their folder), `0` with the collection alone; no Depth means infinity
 * (RFC 4918 §9.1). Hrefs use the `…/sccm?/<file>` form the client then downloads (W:29).
 */
function listing(pkg: PackageEntry, depth: string | undefined): SiteResponse {
  const entries: MultiStatusEntry[] = [{ href: `${packageRootPath(pkg.contentId, pkg.version)}/`, collection: true, length: 0 }];
  if (depth?.trim() !== '0') {
    for (const file of pkg.files.values())
      entries.push({ href: packageFilePath(pkg.contentId, pkg.version, file.name), collection: false, length: file.size });
  }
  return multiStatus(entries);
}

interface DirectoryEntry {
  name: string;
  /** Path of the entry; the page makes it absolute with the request's scheme and Host. */
  href: string;
  directory: boolean;
  size?: number;
}

/** The files and sub-folders directly in `folder` ('' for the package root), folders first. */
function folderEntries(pkg: PackageEntry, folder: string): DirectoryEntry[] {
  const prefix = folder === '' ? '' : `${folder}/`;
  const base = packageRootPath(pkg.contentId, pkg.version);
  const folders = new Map<string, string>();
  const files: DirectoryEntry[] = [];
  for (const file of pkg.files.values()) {
    if (!file.name.toLowerCase().startsWith(prefix.toLowerCase())) continue;
    const rest = file.name.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) folders.set(rest.slice(0, slash).toLowerCase(), `${prefix}${rest.slice(0, slash)}`);
    else files.push({ name: rest, href: `${base}/${encodePathSegments(file.name)}`, directory: false, size: file.size });
  }
  const directories = [...folders.values()].map((name): DirectoryEntry => ({
    name: name.slice(prefix.length),
    href: `${base}/${encodePathSegments(name)}`,
    directory: true,
  }));
  return [...directories, ...files];
}

/**
 * A directory page as the DP's IIS writes it (W:70): one line per entry, `<dir>` before a folder or
 * the size before a file, and an absolute `http(s)://<host>/…` anchor — the host the client named in
 * `Host`, the scheme of the connection. SCCMSecrets tells folders by the text before the anchor
 * containing `dir` and downloads each anchor as it is; the date column is [INFER].
 */
function directoryPage(request: SiteRequest, path: string, entries: DirectoryEntry[]): SiteResponse {
  const origin = `${request.connection.tls ? 'https' : 'http'}://${request.header('Host') ?? 'localhost'}`;
  const lines = entries.map(
    (entry) =>
      ` 11/2/2026  8:00 AM ${(entry.directory ? '&lt;dir&gt;' : String(entry.size ?? 0)).padStart(12)} <A HREF="${escapeXml(origin + entry.href)}">${escapeXml(entry.name)}</A><br>`,
  );
  const title = `${escapeXml(request.header('Host') ?? '')} - ${escapeXml(path)}`;
  const body = `<html><head><title>${title}</title></head><body><H1>${title}</H1><hr>\r\n\r\n<pre>${lines.join('')}</pre><hr></body></html>`;
  return { status: 200, headers: [['Content-Type', 'text/html; charset=utf-8']], body };
}

/** `Datalib/<ContentID>.<version>.INI`: the content library's package record (layout [INFER]). */
function datalibIni(pkg: PackageEntry): Buffer {
  return Buffer.from(`[Content]\r\nContentID=${pkg.contentId}\r\nVersion=${pkg.version}\r\nFiles=${pkg.files.size}\r\n`, 'latin1');
}
