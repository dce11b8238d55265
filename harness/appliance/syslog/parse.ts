// One syslog message → a typed record: RFC 5424, RFC 3164 (BSD) as real senders write it, or
// 'unknown'. Appliance mode reads the appliance's own syslog as evidence, so the parser must take
// whatever a proxy appliance sends and never throw: a line it cannot read is still evidence, kept
// whole as 'unknown'.
//
// Written by hand on purpose: no maintained npm library parses both RFCs well (the popular ones are
// unmaintained, handle only one format, or choke on the variants real senders emit — HAProxy
// without a hostname, nginx's space-padded day, a missing PRI). The grammar is small enough to own.

export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'unknown';

/** SD-ID → PARAM-NAME → unescaped PARAM-VALUE (RFC 5424 §6.3). */
export type StructuredData = Record<string, Record<string, string>>;

export interface SyslogMessage {
  format: SyslogFormat;
  /** 0–23. Without a PRI, 1 (user), as RFC 3164 §4.3.3 tells a relay to assume. */
  facility: number;
  /** 0 (emergency) – 7 (debug). Without a PRI, 5 (notice), as RFC 3164 §4.3.3. */
  severity: number;
  /** As written by the sender (RFC 3339 for 5424, `Mmm dd hh:mm:ss` for BSD); absent for NILVALUE. */
  timestamp?: string;
  hostname?: string;
  /** RFC 5424 APP-NAME, or the TAG of a BSD message (`nginx`, `haproxy`). */
  appName?: string;
  /** RFC 5424 PROCID, or the `[pid]` of a BSD TAG. */
  procId?: string;
  msgId?: string;
  structuredData?: StructuredData;
  /** The free-form MSG (BOM removed); for 'unknown', the raw text itself. */
  message: string;
  /** The text exactly as handed to the parser. */
  raw: string;
}

/** RFC 3164 §4.3.3: a message without a PRI is treated as <13> (user.notice). */
const DEFAULT_PRI = 13;
const MAX_PRI = 191;
const NILVALUE = '-';
const BOM = '\uFEFF';

const PRI = /^<(\d{1,3})>/;
// RFC 3339 as RFC 5424 §6.2.3 allows it (fraction up to 6 digits, Z or ±hh:mm); tolerant of more digits.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
// BSD timestamp: `Dec  7 17:00:00` (day space-padded per RFC 3164); also `Dec 7` and `Dec 07`, and the
// fractional seconds some daemons add. Followed by a space or the end of the line.
const BSD_TIMESTAMP = /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?= |$)/;
// rsyslog's forward format puts an RFC 3339 stamp where BSD has its own: `<13>2024-01-02T03:04:05Z host tag: msg`.
const ISO_TIMESTAMP_3164 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})(?= |$)/;
// BSD TAG: `name:`, `name[pid]:`, or `name[pid]` without the colon. RFC 3164 says alphanumerics up to 32,
// real tags carry `-`, `_`, `.`, `/`; a colon inside the name (an IPv6 hostname) means it is not a tag.
const BSD_TAG = /^([^\s[\]:]{1,64})(?:\[([^\]\s]*)\]:?|:)(?: |$)/;

/** Parse one syslog message. Never throws: what it cannot read comes back as format 'unknown'. */
export function parseSyslog(raw: string): SyslogMessage {
  try {
    return parseOrUnknown(raw);
  } catch {
    // Defensive: the parsers below do not throw, but a parser bug must not lose evidence.
    return unknown(raw, DEFAULT_PRI);
  }
}

function parseOrUnknown(raw: string): SyslogMessage {
  const text = withoutTrailer(raw);
  const pri = PRI.exec(text);
  const priValue = pri ? Number(pri[1]) : undefined;
  if (priValue !== undefined && priValue > MAX_PRI) return unknown(raw, DEFAULT_PRI);
  const rest = pri ? text.slice(pri[0].length) : text;
  const priOrDefault = priValue ?? DEFAULT_PRI;
  if (pri && /^[1-9]\d{0,2} /.test(rest)) {
    const parsed = parse5424(raw, rest, priOrDefault);
    if (parsed) return parsed;
  }
  return parse3164(raw, rest, priOrDefault) ?? unknown(raw, priOrDefault);
}

/**
 * Drop the CR, LF and NUL trailers some senders leave on a datagram or a frame; never part of the
 * message. A loop, not `/[\r\n\0]+$/`: that regex is quadratic on a long run of newlines mid-text.
 */
function withoutTrailer(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\n' || text[end - 1] === '\r' || text[end - 1] === '\0')) end -= 1;
  return end === text.length ? text : text.slice(0, end);
}

function unknown(raw: string, pri: number): SyslogMessage {
  return { format: 'unknown', ...splitPri(pri), message: raw, raw };
}

function splitPri(pri: number): { facility: number; severity: number } {
  return { facility: pri >> 3, severity: pri & 7 };
}

/** RFC 5424 §6: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]. */
function parse5424(raw: string, rest: string, pri: number): SyslogMessage | undefined {
  // Six header fields after the version, each a run of non-space characters.
  const header = /^(\d{1,3}) (\S+) (\S+) (\S+) (\S+) (\S+)(?: |$)/.exec(rest);
  if (!header) return undefined;
  const [, , timestamp, hostname, appName, procId, msgId] = header;
  if (timestamp !== NILVALUE && !RFC3339.test(timestamp)) return undefined;
  const record: SyslogMessage = { format: 'rfc5424', ...splitPri(pri), message: '', raw };
  assignUnlessNil(record, 'timestamp', timestamp);
  assignUnlessNil(record, 'hostname', hostname);
  assignUnlessNil(record, 'appName', appName);
  assignUnlessNil(record, 'procId', procId);
  assignUnlessNil(record, 'msgId', msgId);

  const afterHeader = rest.slice(header[0].length);
  if (afterHeader === '') return record;
  if (afterHeader === NILVALUE || afterHeader.startsWith(NILVALUE + ' ')) {
    record.message = stripBom(afterHeader.slice(2));
    return record;
  }
  const sd = afterHeader.startsWith('[') ? parseStructuredData(afterHeader) : undefined;
  if (!sd || (sd.end < afterHeader.length && afterHeader[sd.end] !== ' ')) {
    // The header is sound but the SD is not: keep the header and everything after it as the
    // message, rather than throwing the whole record away as 'unknown'.
    record.message = afterHeader;
    return record;
  }
  record.structuredData = sd.data;
  record.message = stripBom(afterHeader.slice(sd.end + 1));
  return record;
}

function assignUnlessNil(record: SyslogMessage, key: 'timestamp' | 'hostname' | 'appName' | 'procId' | 'msgId', value: string): void {
  if (value !== NILVALUE) record[key] = value;
}

function stripBom(message: string): string {
  return message.startsWith(BOM) ? message.slice(BOM.length) : message;
}

/**
 * RFC 5424 §6.3: one or more `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]`, no space between elements.
 * In a value, `\"`, `\\` and `\]` are escapes; any other backslash is a literal backslash (§6.3.3).
 * Returns the index just past the last `]`, or undefined when the text is not well-formed SD.
 */
function parseStructuredData(text: string): { data: StructuredData; end: number } | undefined {
  const data: StructuredData = {};
  let i = 0;
  while (text[i] === '[') {
    const id = /^[^\s=\]"]+/.exec(text.slice(i + 1, i + 1 + 256));
    if (!id) return undefined;
    i += 1 + id[0].length;
    // A repeated SD-ID is not allowed (§6.3.2); merge rather than lose either.
    const params = (data[id[0]] ??= {});
    while (text[i] === ' ') {
      const name = /^[^\s=\]"]+/.exec(text.slice(i + 1, i + 1 + 256));
      if (!name || text[i + 1 + name[0].length] !== '=' || text[i + 2 + name[0].length] !== '"') return undefined;
      i += 3 + name[0].length;
      let value = '';
      for (;;) {
        const ch = text[i];
        if (ch === undefined) return undefined;
        if (ch === '"') break;
        if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\' || text[i + 1] === ']')) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        value += ch;
        i += 1;
      }
      params[name[0]] = value;
      i += 1; // the closing quote
    }
    if (text[i] !== ']') return undefined;
    i += 1;
  }
  return { data, end: i };
}

/**
 * RFC 3164 §4.1 as senders really write it: `TIMESTAMP SP [HOSTNAME SP] TAG[pid]: MSG`. HAProxy leaves
 * the hostname out unless `log-send-hostname` is set; nginx sends `<190>Dec  7 17:00:00 host nginx: …`.
 * A first word shaped like a TAG (ends in `:` or `]`) is taken as the TAG, so a missing hostname is
 * recognised; otherwise the first word is the hostname. Without a recognisable timestamp the text is
 * not treated as BSD syslog at all.
 */
function parse3164(raw: string, rest: string, pri: number): SyslogMessage | undefined {
  const stamp = BSD_TIMESTAMP.exec(rest) ?? ISO_TIMESTAMP_3164.exec(rest);
  if (!stamp) return undefined;
  const record: SyslogMessage = { format: 'rfc3164', ...splitPri(pri), timestamp: stamp[0], message: '', raw };
  let body = rest.slice(stamp[0].length + 1);

  if (!BSD_TAG.test(body)) {
    const host = /^(\S+)(?: |$)/.exec(body);
    if (host) {
      record.hostname = host[1];
      body = body.slice(host[0].length);
    }
  }
  const tag = BSD_TAG.exec(body);
  if (tag) {
    record.appName = tag[1];
    if (tag[2] !== undefined && tag[2] !== '') record.procId = tag[2];
    body = body.slice(tag[0].length);
  }
  record.message = body;
  return record;
}
