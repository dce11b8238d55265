// Where content lives on a distribution point, as the client builds its URLs from a content
// location reply (W:27, W:29): the package root `/SMS_DP_SMSPKG$/<ContentID>.<version>` and each
// file as `…/sccm?/<file>` — the literal `sccm?` keeps IIS request filtering off file extensions.

export function contentRootPath(contentId: string, version: number): string {
  return `/SMS_DP_SMSPKG$/${contentId}.${version}`;
}

export function contentFilePath(contentId: string, version: number, name: string): string {
  return `${contentRootPath(contentId, version)}/sccm?/${name.split('/').map(encodeURIComponent).join('/')}`;
}
