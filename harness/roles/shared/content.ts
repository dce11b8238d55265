// Deterministic file content and single byte ranges, shared by every role that serves files
// (MP `/CCM_Client/`, DP package content, SUP `/Content/` and self-update). Content is a pure
// function of a seed, so a client can verify what it downloaded by hash without reading any role's
// state (DESIGN.md, boundaries), and a test can recompute the exact bytes.
import { hash } from 'node:crypto';

// Files are made again for every lab and many requests (the MP's 512 KiB ccmsetup.exe at each lab
// start, SUP update files per request): a bounded cache of recent ones saves most of that CPU.
const CACHE_LIMIT_BYTES = 64 * 1024 * 1024;
const cache = new Map<string, Buffer>();
let cachedBytes = 0;

/** `size` bytes: SHA-256(seed), then SHA-256 of the previous block, concatenated and truncated. */
export function deterministicContent(seed: string, size: number): Buffer {
  const key = `${size}\u0000${seed}`;
  const cached = cache.get(key);
  // A copy: a caller may change its buffer, the next one must still get the pure function's bytes.
  if (cached) return Buffer.from(cached);
  const out = Buffer.alloc(size);
  let block = hash('sha256', seed, 'buffer');
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset, 0, Math.min(block.length, size - offset));
    block = hash('sha256', block, 'buffer');
  }
  if (size <= CACHE_LIMIT_BYTES / 4) {
    cache.set(key, out);
    cachedBytes += size;
    // Oldest first out (a Map iterates in insertion order).
    for (const [oldKey, oldValue] of cache) {
      if (cachedBytes <= CACHE_LIMIT_BYTES) break;
      cache.delete(oldKey);
      cachedBytes -= oldValue.length;
    }
  }
  return Buffer.from(out);
}

export interface ByteRange {
  start: number;
  end: number;
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; undefined when absent, null when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | undefined {
  // A range unit other than bytes must be ignored (RFC 9110 §14.2): serve the whole file.
  if (header === undefined || !/^\s*bytes=/i.test(header)) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : null;
}
