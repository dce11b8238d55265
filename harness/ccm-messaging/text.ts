// Text encodings of ConfigMgr messages (research W:15, W:16):
// - the header part is UTF-16LE *with* a byte-order mark (FF FE);
// - a *request* body is UTF-16LE without BOM, NUL-terminated, followed by ASCII CRLF, then
//   zlib-compressed; its `Body Length` is the UTF-16 byte length without the trailing CRLF;
// - a *reply* body (what the MP sends back) ends at the NUL, with no CRLF (W:68): tools that parse
//   replies strip exactly one trailing character before the XML parser (SCCMSecrets
//   `ET.fromstring(register_response[:-1])`).
import { deflateSync, inflateSync } from 'node:zlib';

const BOM = Buffer.from([0xff, 0xfe]);

export function encodeHeaderText(xml: string): Buffer {
  return Buffer.concat([BOM, Buffer.from(xml, 'utf16le')]);
}

export function decodeHeaderText(bytes: Buffer): string {
  if (bytes[0] !== 0xff || bytes[1] !== 0xfe) throw new Error('message header part does not start with the UTF-16LE byte-order mark FF FE');
  return bytes.subarray(2).toString('utf16le');
}

export interface EncodedBody {
  compressed: Buffer;
  /** UTF-16 byte length of the payload incl. the NUL terminator, excluding the trailing CRLF. */
  length: number;
}

export function encodeBody(xml: string): EncodedBody {
  const utf16 = Buffer.from(`${xml}\0`, 'utf16le');
  return { compressed: deflateSync(Buffer.concat([utf16, Buffer.from('\r\n', 'latin1')])), length: utf16.length };
}

/**
 * The body of an MP *reply*: UTF-16LE XML and one UTF-16 NUL, zlib-compressed — no CRLF (W:68).
 * SCCMSecrets `policies_dumper.py` decodes it and parses `[:-1]` (the NUL alone), so a CRLF after
 * the NUL leaves `\0\r` behind and expat fails with "not well-formed (invalid token)".
 */
export function encodeReplyBody(xml: string): EncodedBody {
  const utf16 = Buffer.from(`${xml}\0`, 'utf16le');
  return { compressed: deflateSync(utf16), length: utf16.length };
}

export function decodeBody(compressed: Buffer): { xml: string; length: number } {
  let raw = inflateSync(compressed);
  if (raw.subarray(-2).toString('latin1') === '\r\n') raw = raw.subarray(0, -2);
  const text = raw.toString('utf16le');
  return { xml: text.replace(/\0+$/, ''), length: raw.length };
}

/** UTF-16LE of a string plus its NUL terminator: what ConfigMgr signs for IDs and timestamps (W:20). */
export function utf16WithNul(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf16le');
}
