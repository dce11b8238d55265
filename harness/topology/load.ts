// Loads a topology from YAML (a preset name or a file) and validates it against the schema.
// Errors name the offending path and, for files, the line: `site.yaml:14: roles[2].internetFqdn: …`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { TopologyError } from '../errors.js';
import { packageRoot } from '../run/package-root.js';
import { Topology } from './schema.js';

export const presetNames = ['default'] as const;

export function presetPath(name: string): string {
  return join(packageRoot(), 'harness', 'topology', 'presets', `${name}.yaml`);
}

/** `roles[2].internetFqdn` from ['roles', 2, 'internetFqdn']. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

export function loadTopology(fileOrPreset?: string): Topology {
  const file =
    !fileOrPreset || (presetNames as readonly string[]).includes(fileOrPreset) ? presetPath(fileOrPreset ?? 'default') : fileOrPreset;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TopologyError(file, '', `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseTopology(text, file);
}

export function parseTopology(text: string, file = '<topology>'): Topology {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    throw new TopologyError(file, '', `not valid YAML: ${error.message.split('\n')[0]}`, lineCounter.linePos(error.pos[0]).line);
  }
  const result = Topology.safeParse(document.toJS() ?? {});
  if (result.success) return result.data;
  const issue = firstIssue(result.error);
  // The deepest node that exists in the file gives the line (a missing key points at its parent).
  let line: number | undefined;
  for (let depth = issue.path.length; depth >= 0 && line === undefined; depth--) {
    const node = document.getIn(issue.path.slice(0, depth) as (string | number)[], true);
    if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
  }
  throw new TopologyError(file, formatPath(issue.path), describeIssue(issue), line);
}

function firstIssue(error: z.ZodError): z.core.$ZodIssue {
  return error.issues[0]!;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `is required (expected ${issue.expected})`;
  return issue.message;
}
