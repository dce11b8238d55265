/**
 * Byte-exact record of every request a lab server received and what it
 * answered. Conformance verdicts cite these entries as evidence, so entries
 * are plain JSON-serialisable data, frozen when recorded (a reader cannot change
 * what another reads) and numbered in arrival order. State lives in the Journal
 * instance only.
 */
import { createHash } from 'node:crypto';

export interface TlsFacts {
  protocol: string | null;
  cipher: string | null;
  servername: string | null;
  peerCertificate: {
    subject: string;
    issuer: string;
    serialNumber: string;
    fingerprint256: string;
    validTo: string;
  } | null;
  authorized: boolean;
  authorizationError: string | null;
}

export interface JournalEntry {
  seq: number;
  /** ISO 8601 time the entry was recorded. */
  at: string;
  /** Server name, e.g. 'management-point'. */
  server: string;
  /** 'host:port' the request arrived on. */
  listener: string;
  connectionId: number;
  remoteAddress: string;
  remotePort: number;
  tls: TlsFacts | null;
  requestLine: string;
  method: string;
  target: string;
  version: string;
  /** As received: case, order and duplicates preserved. */
  headers: [string, string][];
  bodyLength: number;
  /** Hex SHA-256 of the decoded body. */
  bodySha256: string;
  /** First 512 bytes of the decoded body, base64. */
  bodyPreview: string;
  response: {
    status: number;
    /** As sent on the wire. */
    headers: [string, string][];
    /** Body bytes sent on the wire (0 for HEAD). */
    bodyLength: number;
    bodySha256: string;
  };
  /** Parse error, TLS client-certificate rejection reason, or handler failure. */
  error?: string;
  /**
   * What the role decided about this request, recorded at the site system (never sent): the oracle
   * for facts a check must not read from the response, which crosses the proxy (a tidy proxy may
   * drop a lab-only header and still be correct).
   */
  decided?: SiteDecision;
}

export interface SiteDecision {
  /** The account Windows authentication (NTLM) established on this connection, DOMAIN\user. */
  authenticatedAs?: string;
  /** Hex SHA-256 of a BITS upload's bytes as the MP assembled them (on Close-Session). */
  uploadSha256?: string;
}

export type JournalInput = Omit<JournalEntry, 'seq' | 'at'>;

export const BODY_PREVIEW_BYTES = 512;

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Body-derived journal fields, in one place so server and proxy compute them alike. */
export function bodyFacts(body: Buffer): Pick<JournalEntry, 'bodyLength' | 'bodySha256' | 'bodyPreview'> {
  return {
    bodyLength: body.length,
    bodySha256: sha256Hex(body),
    bodyPreview: body.subarray(0, BODY_PREVIEW_BYTES).toString('base64'),
  };
}

/**
 * Frozen all the way down. Entries are handed out as they are stored, not copied: checks read
 * journals many times (a copy per read was a tenth of a run's journal CPU), and a frozen entry
 * keeps the record as it was taken all the same — changing one throws.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** What checks read of a journal: the same whether it is kept in memory or read from a host's file. */
export interface JournalReader {
  entries(): JournalEntry[];
  /** Current length; pass to since() to get what was recorded afterwards. */
  mark(): number;
  since(mark: number): JournalEntry[];
}

export class Journal implements JournalReader {
  private list: JournalEntry[] = [];
  private nextSeq = 1;

  /** `onRecord` sees every entry as it is stored (a container host appends it to its journal file). */
  constructor(private readonly onRecord?: (entry: JournalEntry) => void) {}

  /** Append an entry; returns what was stored (with seq and at), frozen. */
  record(input: JournalInput): JournalEntry {
    const entry: JournalEntry = deepFreeze({ seq: this.nextSeq++, at: new Date().toISOString(), ...structuredClone(input) });
    this.list.push(entry);
    this.onRecord?.(entry);
    return entry;
  }

  entries(): JournalEntry[] {
    return [...this.list];
  }

  /** Current length; pass to since() to get what was recorded afterwards. */
  mark(): number {
    return this.list.length;
  }

  since(mark: number): JournalEntry[] {
    return this.list.slice(mark);
  }

  clear(): void {
    this.list = [];
  }
}
