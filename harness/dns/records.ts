// Record and view model for the lab's split-horizon DNS.
//
// A view is the complete set of names one network segment can see. The DNS
// server is authoritative for exactly these records and nothing else, so the
// internet view must simply not contain intranet names (that *is* the split).
import net from 'node:net';

export type DnsRecord =
  | { name: string; type: 'A'; address: string; ttl?: number }
  | { name: string; type: 'CNAME'; target: string; ttl?: number }
  | { name: string; type: 'SRV'; target: string; port: number; priority?: number; weight?: number; ttl?: number }
  | { name: string; type: 'TXT'; text: string; ttl?: number };

export interface DnsView {
  /** Segment name (`internet`, `dmz`, `intranet`); used in logs and errors. */
  name: string;
  records: DnsRecord[];
}

/** Short on purpose: views change while a run is in progress (client moves, role added). */
export const DEFAULT_TTL = 30;

/** Names compare case-insensitively and a single trailing dot is tolerated. */
export function normalizeName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') && lower.length > 1 ? lower.slice(0, -1) : lower;
}

// Hostname-ish labels plus `_` (SRV owners like `_mssms_mp_lab._tcp`). No wildcards.
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

function checkName(what: string, name: string): string {
  const n = normalizeName(name);
  if (n.length === 0 || n === '.' || n.length > 253 || !n.split('.').every((l) => LABEL.test(l))) {
    throw new Error(`${what}: invalid DNS name ${JSON.stringify(name)}`);
  }
  return n;
}

function checkUint(what: string, value: number | undefined, max: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max)) {
    throw new Error(`${what}: ${value} is not an integer in 0..${max}`);
  }
}

/**
 * Validate a record set and return a normalized copy (lower-case names, no
 * trailing dots). Throws on the first problem: a broken view is a lab
 * configuration bug and must fail loudly at start-up, not as a confusing
 * NXDOMAIN in the middle of a conformance run.
 */
export function validateRecords(viewName: string, records: DnsRecord[]): DnsRecord[] {
  const out: DnsRecord[] = [];
  const cnameOf = new Map<string, string>();
  const otherOwners = new Set<string>();
  for (const [i, r] of records.entries()) {
    const where = `dns (${viewName}) record #${i}`;
    const name = checkName(where, r.name);
    checkUint(`${where} ttl`, r.ttl, 0x7fffffff);
    switch (r.type) {
      case 'A':
        if (!net.isIPv4(r.address)) throw new Error(`${where}: ${JSON.stringify(r.address)} is not an IPv4 address`);
        out.push({ ...r, name });
        otherOwners.add(name);
        break;
      case 'CNAME': {
        const target = checkName(where, r.target);
        if (cnameOf.has(name)) throw new Error(`${where}: ${name} has more than one CNAME`);
        cnameOf.set(name, target);
        out.push({ ...r, name, target });
        break;
      }
      case 'SRV': {
        const target = checkName(where, r.target);
        checkUint(`${where} port`, r.port, 65535);
        checkUint(`${where} priority`, r.priority, 65535);
        checkUint(`${where} weight`, r.weight, 65535);
        out.push({ ...r, name, target });
        otherOwners.add(name);
        break;
      }
      case 'TXT':
        if (typeof r.text !== 'string') throw new Error(`${where}: TXT text must be a string`);
        out.push({ ...r, name });
        otherOwners.add(name);
        break;
      default:
        throw new Error(`${where}: unsupported type ${JSON.stringify((r as { type: unknown }).type)}`);
    }
  }
  // RFC 1034 3.6.2: a CNAME owner has no other data.
  for (const name of cnameOf.keys()) {
    if (otherOwners.has(name)) throw new Error(`dns (${viewName}): ${name} has a CNAME and other records`);
  }
  // A CNAME loop would make every lookup of those names fail; reject it here.
  for (const start of cnameOf.keys()) {
    const seen = new Set<string>([start]);
    for (let n = cnameOf.get(start); n !== undefined; n = cnameOf.get(n)) {
      if (seen.has(n)) throw new Error(`dns (${viewName}): CNAME loop through ${[...seen].join(' -> ')} -> ${n}`);
      seen.add(n);
    }
  }
  return out;
}
