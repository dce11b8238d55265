// The requirement catalog and the questions the CLI, the suites and the reports ask of it.

import { areas, type Area, type Judge, type ProxyMode, type Requirement } from './requirement.js';
import { requirements } from './requirements.js';

export * from './requirement.js';
export { requirements } from './requirements.js';
export * from './suite-checks.js';

const byId: ReadonlyMap<string, Requirement> = new Map(requirements.map((r) => [r.id, r]));

export function requirementById(id: string): Requirement | undefined {
  return byId.get(id);
}

/** Who decides the requirement's outcome: `model` (the client simulator's own logic) or `world` (also for unknown IDs). */
export function judgesOf(id: string): Judge {
  return byId.get(id)?.judges ?? 'world';
}

/** The catalog IDs only the client's own logic decides, in catalog order. */
export function modelRequirementIds(): string[] {
  return requirements.filter((r) => r.judges === 'model').map((r) => r.id);
}

/** Every catalog ID, in catalog order (grouped by area). */
export function requirementIds(): string[] {
  return requirements.map((r) => r.id);
}

/** The area of a catalog ID, or of any ID whose prefix is a known area; `undefined` otherwise. */
export function areaOf(id: string): Area | undefined {
  const known = byId.get(id);
  if (known) return known.area;
  const prefix = id.split('-', 1)[0];
  return (areas as readonly string[]).includes(prefix) ? (prefix as Area) : undefined;
}

/** Whether the requirement applies (its checks run and count) in `mode`; false for unknown IDs. */
export function appliesIn(id: string, mode: ProxyMode): boolean {
  return byId.get(id)?.modes.includes(mode) ?? false;
}

/**
 * `--grep`: `pattern` is a case-sensitive regular expression tested against the ID (`PKI`, `LOC|SU`,
 * `^PX-VERB-MP-`). A pattern that is not a valid regular expression is matched as a plain substring.
 */
export function matchesGrep(id: string, pattern: string): boolean {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    return id.includes(pattern);
  }
  return re.test(id);
}
