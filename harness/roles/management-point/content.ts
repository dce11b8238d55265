// Static files an MP serves (research W:11: `/CCM_Client/ccmsetup.exe` is downloadable from the MP,
// large enough that BITS-style HEAD + ranged GET make sense). Content is deterministic, so a client
// can verify it by hash without reading the role's state.
import { createHash } from 'node:crypto';

export function deterministicContent(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset, 0, Math.min(block.length, size - offset));
    block = createHash('sha256').update(block).digest();
  }
  return out;
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
