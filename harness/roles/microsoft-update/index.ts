// A mock Microsoft Update download host (W:41–42): plain HTTP, as `download.windowsupdate.com` is,
// serving update files with HEAD and Range (Windows Update needs Range through proxies, W:42) under
// `/c/msdownload/update/software/secu/<file>` — the layout of the public download URLs; the file
// name is the one the SUP's metadata gives (`<SHA-1>.cab`). The lab can make it fail on purpose
// (an HTTP error, or an answer that never comes) so checks see the client fall back to the DP.
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { serveFile, type StaticFile } from '../shared/files.js';
import { methodNotAllowed, notFound, splitTarget } from '../shared/iis.js';

export const MICROSOFT_UPDATE_ROOT = '/c/msdownload/update/software/secu';

/** Where Microsoft Update serves an update file named `fileName` (e.g. `<sha1>.cab`). */
export function microsoftUpdatePath(fileName: string): string {
  return `${MICROSOFT_UPDATE_ROOT}/${fileName.toLowerCase()}`;
}

/**
 * How the host answers right now: normally, with an HTTP error, not at all within `holdMs`, or with
 * a 200 HTML page for every request (what a captive portal or a filter in the path answers).
 */
export type MicrosoftUpdateBehaviour =
  { kind: 'normal' } | { kind: 'http-error'; status: number } | { kind: 'hold'; holdMs: number } | { kind: 'block-page' };

export interface MicrosoftUpdateOptions {
  files: { fileName: string; content: Buffer }[];
  behaviour: () => MicrosoftUpdateBehaviour;
}

export function microsoftUpdate(options: MicrosoftUpdateOptions): SiteHandler {
  const byPath = new Map<string, StaticFile>(
    options.files.map((file) => [
      microsoftUpdatePath(file.fileName),
      { path: microsoftUpdatePath(file.fileName), content: file.content, contentType: 'application/vnd.ms-cab-compressed' },
    ]),
  );
  return async (request: SiteRequest): Promise<SiteResponse> => {
    const behaviour = options.behaviour();
    if (behaviour.kind === 'http-error')
      return {
        status: behaviour.status,
        headers: [
          ['Content-Type', 'text/html'],
          ['X-IBCM-Lab-Reason', 'Microsoft Update made to fail by the lab'],
        ],
        body: `<html><body>${behaviour.status}</body></html>`,
      };
    if (behaviour.kind === 'block-page')
      return {
        status: 200,
        headers: [
          ['Content-Type', 'text/html; charset=utf-8'],
          ['X-IBCM-Lab-Reason', 'Microsoft Update answered with a block page by the lab'],
        ],
        body: '<!DOCTYPE html><html><head><title>Access denied</title></head><body><h1>This site is blocked</h1><p>Software updates are not allowed by policy.</p></body></html>',
      };
    if (behaviour.kind === 'hold') await new Promise((resolve) => setTimeout(resolve, behaviour.holdMs).unref());
    const file = byPath.get(splitTarget(request.target).path.toLowerCase());
    if (!file) return notFound();
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET', 'HEAD']);
    return serveFile(request, file);
  };
}
