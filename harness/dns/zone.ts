// Answering one question from one view: pure data, no sockets, so the
// resolution rules (CNAME chasing, NODATA vs NXDOMAIN) are easy to reason about.
import type { Answer } from 'dns-packet';
import { DEFAULT_TTL, normalizeName, type DnsRecord } from './records.js';

export const QTYPE = { A: 1, CNAME: 5, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, IXFR: 251, AXFR: 252, ANY: 255 } as const;

const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  41: 'OPT',
  43: 'DS',
  46: 'RRSIG',
  48: 'DNSKEY',
  64: 'SVCB',
  65: 'HTTPS',
  251: 'IXFR',
  252: 'AXFR',
  255: 'ANY',
  257: 'CAA',
};

export function typeName(qtype: number): string {
  return TYPE_NAMES[qtype] ?? `TYPE${qtype}`;
}

const RECORD_QTYPE: Record<DnsRecord['type'], number> = { A: 1, CNAME: 5, TXT: 16, SRV: 33 };

export interface ZoneResult {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  /** Human-readable answers for the query log, e.g. `www.ibcm-lab.test A 198.18.0.1`. */
  text: string[];
}

/** Split long TXT strings into <=255-byte character-strings (RFC 1035 3.3.14). */
function txtChunks(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return [bytes];
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  return out;
}

function toAnswer(owner: string, r: DnsRecord): { answer: Answer; text: string } {
  const ttl = r.ttl ?? DEFAULT_TTL;
  switch (r.type) {
    case 'A':
      return { answer: { name: owner, type: 'A', ttl, data: r.address }, text: `${r.name} A ${r.address}` };
    case 'CNAME':
      return { answer: { name: owner, type: 'CNAME', ttl, data: r.target }, text: `${r.name} CNAME ${r.target}` };
    case 'SRV': {
      const priority = r.priority ?? 0;
      const weight = r.weight ?? 0;
      return {
        answer: { name: owner, type: 'SRV', ttl, data: { priority, weight, port: r.port, target: r.target } },
        text: `${r.name} SRV ${priority} ${weight} ${r.port} ${r.target}`,
      };
    }
    case 'TXT':
      return { answer: { name: owner, type: 'TXT', ttl, data: txtChunks(r.text) }, text: `${r.name} TXT ${JSON.stringify(r.text)}` };
  }
}

export class Zone {
  private readonly byName = new Map<string, DnsRecord[]>();
  /** Ancestors of owner names: they exist (empty non-terminals) and answer NODATA, not NXDOMAIN. */
  private readonly interior = new Set<string>();

  /** `records` must already be validated/normalized (see validateRecords). */
  constructor(records: DnsRecord[]) {
    for (const r of records) {
      const list = this.byName.get(r.name) ?? [];
      list.push(r);
      this.byName.set(r.name, list);
      const labels = r.name.split('.');
      for (let i = 1; i < labels.length; i++) this.interior.add(labels.slice(i).join('.'));
    }
  }

  /**
   * Answer `qtype` for `qname` (as sent; used verbatim as the first owner name so
   * the client sees its own spelling). Anything not in the view is NXDOMAIN:
   * the server never recurses, forwards or admits that other names exist.
   */
  answer(qname: string, qtype: number): ZoneResult {
    const answers: Answer[] = [];
    const text: string[] = [];
    let owner = qname;
    let key = normalizeName(qname);
    // Validation rejects loops; the hop limit is only a second line of defence.
    for (let hop = 0; hop < 16; hop++) {
      const records = this.byName.get(key);
      if (records === undefined) {
        // RFC 6604: with a CNAME chain the rcode describes the last name.
        return { rcode: this.interior.has(key) ? 'NOERROR' : 'NXDOMAIN', answers, text };
      }
      const cname = records.find((r) => r.type === 'CNAME');
      if (cname !== undefined && qtype !== QTYPE.CNAME) {
        const a = toAnswer(owner, cname);
        answers.push(a.answer);
        text.push(a.text);
        if (qtype === QTYPE.ANY) break;
        owner = key = (cname as { target: string }).target;
        continue;
      }
      for (const r of records) {
        if (qtype === QTYPE.ANY || RECORD_QTYPE[r.type] === qtype) {
          const a = toAnswer(owner, r);
          answers.push(a.answer);
          text.push(a.text);
        }
      }
      break; // name exists: matching records or NODATA (e.g. AAAA)
    }
    return { rcode: 'NOERROR', answers, text };
  }
}
