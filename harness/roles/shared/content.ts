// Deterministic file content and single byte ranges, shared by every role that serves files
// (MP `/CCM_Client/`, DP package content, SUP `/Content/` and self-update). Content is a pure
// function of a seed, so a client can verify what it downloaded by hash without reading any role's
// state (DESIGN.md, boundaries), and a test can recompute the exact bytes.
import { createCipheriv, hash } from 'node:crypto';

/**
 * `size` bytes: the AES-256-CTR keystream under the key SHA-256(seed), from a zero counter — one
 * native call however large the file (a hash chain of 32-byte blocks, as before, cost a second of
 * CPU per full run in per-block calls). Made again on every call: the caller owns its buffer.
 */
export function deterministicContent(seed: string, size: number): Buffer {
  const cipher = createCipheriv('aes-256-ctr', hash('sha256', seed, 'buffer'), Buffer.alloc(16));
  return cipher.update(Buffer.alloc(size));
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
