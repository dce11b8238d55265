import { createHash } from 'node:crypto';
import type { Topology } from './schema.js';

/** A stable digest of the validated topology (keys sorted), recorded with every result. */
export function topologyDigest(topology: Topology): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(topology)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
