// The multipart/mixed envelope of ConfigMgr messages (research W:14, W:18): a UTF-16 header part
// and an application/octet-stream (zlib) body part, lower-case `content-type`, no
// Content-Disposition, the boundary the SDK uses.

export const CCM_BOUNDARY = 'aAbBcCdDv1234567890VxXyYzZ';
export const CCM_CONTENT_TYPE = `multipart/mixed; boundary="${CCM_BOUNDARY}"`;

export interface MultipartPart {
  headers: [string, string][];
  body: Buffer;
}

export function encodeMultipart(parts: MultipartPart[], boundary = CCM_BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const head = part.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n`, 'latin1'), part.body, Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--`, 'latin1'));
  return Buffer.concat(chunks);
}

/** `boundary` parameter of a Content-Type value, quoted or not. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

export function decodeMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MultipartPart[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) throw new Error(`multipart body has no boundary "${boundary}"`);
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString('latin1') === '--') return parts;
    if (body.subarray(position, position + 2).toString('latin1') !== '\r\n') throw new Error('multipart boundary not followed by CRLF');
    position += 2;
    // A part may have no headers at all (RFC 2046): then the blank line follows at once.
    const headEnd =
      body.subarray(position, position + 2).toString('latin1') === '\r\n' ? position - 2 : body.indexOf('\r\n\r\n', position, 'latin1');
    if (headEnd < 0) throw new Error('multipart part without header end');
    const headers = body
      .subarray(position, headEnd)
      .toString('latin1')
      .split('\r\n')
      .filter(Boolean)
      .map((line): [string, string] => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      });
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n', 'latin1'), delimiter]), headEnd + 4);
    if (next < 0) throw new Error('multipart part without closing boundary');
    parts.push({ headers, body: body.subarray(headEnd + 4, next) });
    position = next + 2;
  }
}
