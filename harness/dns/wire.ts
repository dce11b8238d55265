// DNS wire format for the server side. Queries are parsed by hand (not with
// dns-packet's decoder) because the server must survive arbitrary bytes and
// must echo the question exactly as received; responses are encoded with
// dns-packet and the original question bytes are spliced back in.
import dnsPacket, { type Answer } from 'dns-packet';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'NOTIMP' | 'FORMERR' | 'REFUSED';

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;

export interface Header {
  id: number;
  opcode: number;
  rd: boolean;
}

export interface Question {
  /** Exact question bytes (name + type + class) to echo in the response. */
  raw: Buffer;
  /** Presentation form, no trailing dot; odd bytes escaped as `\DDD` so they can never match a record. */
  name: string;
  type: number;
  cls: number;
}

export type ParsedQuery =
  /** Too short for a header, or a response (never answer responses: avoids packet loops). */
  | { kind: 'ignore' }
  | { kind: 'formerr'; header: Header; question?: Question }
  | { kind: 'notimp'; header: Header; question?: Question }
  | { kind: 'query'; header: Header; question: Question; ednsPayload?: number };

function labelText(buf: Buffer, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b === 0x2e || b === 0x5c) s += '\\' + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\' + b.toString().padStart(3, '0');
  }
  return s;
}

/** Read an uncompressed name; returns [text, nextOffset] or undefined if malformed. */
function readQuestionName(buf: Buffer, offset: number): [string, number] | undefined {
  const labels: string[] = [];
  let total = 1;
  for (;;) {
    if (offset >= buf.length) return undefined;
    const len = buf[offset++];
    if (len === 0) break;
    if (len > 63) return undefined; // compression pointers make no sense in a question
    if (offset + len > buf.length) return undefined;
    total += len + 1;
    if (total > 255) return undefined;
    labels.push(labelText(buf, offset, offset + len));
    offset += len;
  }
  return [labels.length === 0 ? '.' : labels.join('.'), offset];
}

/** Skip a (possibly compressed) name in a resource record; returns next offset. */
function skipName(buf: Buffer, offset: number): number | undefined {
  for (let guard = 0; guard < 128; guard++) {
    if (offset >= buf.length) return undefined;
    const len = buf[offset];
    if (len === 0) return offset + 1;
    if ((len & 0xc0) === 0xc0) return offset + 2 <= buf.length ? offset + 2 : undefined;
    if ((len & 0xc0) !== 0) return undefined;
    offset += 1 + len;
  }
  return undefined;
}

export function parseQuery(msg: Buffer): ParsedQuery {
  if (msg.length < 12) return { kind: 'ignore' };
  const flags = msg.readUInt16BE(2);
  if (flags & FLAG_QR) return { kind: 'ignore' };
  const header: Header = { id: msg.readUInt16BE(0), opcode: (flags >> 11) & 0xf, rd: (flags & FLAG_RD) !== 0 };
  const qdcount = msg.readUInt16BE(4);
  const rrcount = msg.readUInt16BE(6) + msg.readUInt16BE(8);
  const arcount = msg.readUInt16BE(10);

  let question: Question | undefined;
  let offset = 12;
  if (qdcount === 1) {
    const name = readQuestionName(msg, 12);
    if (name !== undefined && name[1] + 4 <= msg.length) {
      offset = name[1] + 4;
      question = { raw: msg.subarray(12, offset), name: name[0], type: msg.readUInt16BE(name[1]), cls: msg.readUInt16BE(name[1] + 2) };
    }
  }
  if (header.opcode !== 0) return { kind: 'notimp', header, question };
  if (question === undefined) return { kind: 'formerr', header };

  // Walk the remaining records only to find EDNS (OPT) in the additional section.
  let ednsPayload: number | undefined;
  for (let i = 0; i < rrcount + arcount; i++) {
    const at = skipName(msg, offset);
    if (at === undefined || at + 10 > msg.length) return { kind: 'formerr', header, question };
    const type = msg.readUInt16BE(at);
    const rdlen = msg.readUInt16BE(at + 8);
    offset = at + 10 + rdlen;
    if (offset > msg.length) return { kind: 'formerr', header, question };
    if (type === 41) {
      if (i < rrcount || ednsPayload !== undefined) return { kind: 'formerr', header, question }; // RFC 6891 6.1.1
      ednsPayload = msg.readUInt16BE(at + 2);
    }
  }
  return { kind: 'query', header, question, ednsPayload };
}

export interface ResponseSpec {
  header: Header;
  question?: Question;
  rcode: Rcode;
  authoritative: boolean;
  answers: Answer[];
  /** Present when the query carried EDNS: we answer with our own OPT. */
  edns: boolean;
  truncated?: boolean;
}

/** Our advertised EDNS buffer (the DNS Flag Day 2020 value). */
export const EDNS_PAYLOAD = 1232;

export function encodeResponse(spec: ResponseSpec): Buffer {
  let flags = FLAG_QR | (spec.header.opcode << 11) | RCODE[spec.rcode];
  if (spec.authoritative) flags |= FLAG_AA;
  if (spec.header.rd) flags |= FLAG_RD; // echoed; RA stays clear: no recursion here
  if (spec.truncated) flags |= FLAG_TC;
  const body = dnsPacket.encode({
    type: 'response',
    id: spec.header.id,
    flags,
    questions: [],
    answers: spec.answers,
    additionals: spec.edns
      ? [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_PAYLOAD, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }]
      : [],
  });
  if (spec.question === undefined) return body;
  // dns-packet never compresses names, so inserting bytes after the header is safe.
  body.writeUInt16BE(1, 4);
  return Buffer.concat([body.subarray(0, 12), spec.question.raw, body.subarray(12)]);
}

/** Max UDP response size: 512 without EDNS (RFC 1035), else the client's buffer within [512, our buffer]. */
export function udpLimit(ednsPayload: number | undefined): number {
  return ednsPayload === undefined ? 512 : Math.min(Math.max(ednsPayload, 512), EDNS_PAYLOAD);
}
