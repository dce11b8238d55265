// Which requirement IDs the suites declare, found statically (no TypeScript compiler, no import of the
// suites): a check is a call `check('PX-VERB-MP-GET', …)` whose first argument is a string literal
// naming its primary requirement; its options object may name more as `also: ['ID', …]`.
//
// One dynamic form is read too, because brace groups of REQUIREMENTS.md invite it: a template literal
// with one substitution, inside a `for (const x of ['A', 'B'] as const) { … }` loop over string literals,
// as in `check(`PX-HDR-MP-${x}`, …)`; it stands for one check per value. Any other ID that is not
// written out is reported (`not-literal`), so no check can escape the catalog test.
//
// Comments, string contents and regular-expression literals are blanked out before searching, so a
// commented-out check or the text "check(" inside a string is never counted. Member calls such as
// Playwright's `locator.check()` and definitions (`function check(…) {` / `check(…): void`) are not checks.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DeclaredCheck {
  /** The requirement ID; for an argument that is not a string literal, its source text instead. */
  id: string;
  /** Path of the spec file relative to the scanned folder, with `/` separators. */
  file: string;
  /** 1-based line of the ID. */
  line: number;
  /** True for IDs listed in `also: [...]`, false for the check's primary ID (its first argument). */
  secondary: boolean;
  /** False when the scan cannot know the ID: neither a string literal nor a loop over literals. */
  resolved: boolean;
}

export type CheckProblemKind = 'unknown-id' | 'duplicate-id' | 'not-literal';

export interface CheckProblem {
  kind: CheckProblemKind;
  file: string;
  line: number;
  id: string;
  /** One line, `file:line: what is wrong`. */
  message: string;
}

/** Every check declared in `suitesDir/**\/*.spec.ts`, file by file in path order; [] when the folder does not exist. */
export function declaredChecks(suitesDir: string): DeclaredCheck[] {
  if (!existsSync(suitesDir)) return [];
  return specFiles(suitesDir, '').flatMap((file) => checksInSource(readFileSync(join(suitesDir, file), 'utf8'), file));
}

/** The checks declared in one spec file's source text; `file` is only copied into the results. */
export function checksInSource(source: string, file: string): DeclaredCheck[] {
  const code = maskNonCode(source);
  const lineOf = lineLocator(source);
  const loops = literalLoops(code, source);
  const checks: DeclaredCheck[] = [];
  const found = (id: string, at: number, secondary: boolean, resolved: boolean) =>
    checks.push({ id, file, line: lineOf(at), secondary, resolved });
  const foundAt = (part: [number, number], secondary: boolean) => {
    const id = literalText(code, source, part);
    if (id !== undefined) return found(id, part[0], secondary, true);
    const ids = loopExpansion(source, part, loops);
    if (ids) for (const each of ids) found(each, part[0], secondary, true);
    else found(source.slice(part[0], part[1]), part[0], secondary, false);
  };

  // `check(` not preceded by an identifier character or by `.` (member calls are someone else's check).
  const call = /(?<![\w$]|\.\s*)check\s*\(/g;
  for (let m = call.exec(code); m; m = call.exec(code)) {
    const open = m.index + m[0].length - 1;
    const close = matchingBracket(code, open);
    if (close < 0) continue;
    if (/^\s*[{:]/.test(code.slice(close + 1, close + 40))) continue; // a definition or signature, not a call
    const [first, ...rest] = topLevelParts(code, open, close);
    if (!first) {
      found('', m.index, false, false);
      continue;
    }
    foundAt(first, false);
    for (const [start, end] of rest) {
      if (code[start] === '{') collectAlso(code, source, start, end - 1, found, foundAt);
    }
  }
  return checks;
}

/** Unknown IDs, primary IDs declared twice in one file, and IDs the scan cannot read. Empty when all is well. */
export function checkProblems(checks: readonly DeclaredCheck[], knownIds: Iterable<string>): CheckProblem[] {
  const known = new Set(knownIds);
  const problems: CheckProblem[] = [];
  const primaryAt = new Map<string, DeclaredCheck>();
  const problem = (kind: CheckProblemKind, c: DeclaredCheck, what: string) =>
    problems.push({ kind, file: c.file, line: c.line, id: c.id, message: `${c.file}:${c.line}: ${what}` });

  for (const c of checks) {
    const role = c.secondary ? 'an `also` entry' : 'the first argument of check()';
    if (!c.resolved) {
      problem('not-literal', c, `${role} is not a string literal (${c.id || 'missing'}); write the requirement ID out`);
      continue;
    }
    if (!known.has(c.id)) {
      const near = [...known].find((k) => k.toLowerCase() === c.id.toLowerCase());
      problem('unknown-id', c, `unknown requirement ID "${c.id}" in ${role}${near ? ` (did you mean "${near}"?)` : ''}`);
    }
    if (c.secondary) continue;
    const key = `${c.file}\0${c.id}`;
    const first = primaryAt.get(key);
    if (first) problem('duplicate-id', c, `"${c.id}" is already the primary ID of the check at line ${first.line}`);
    else primaryAt.set(key, c);
  }
  return problems;
}

/** The IDs (in the order given) that no check names, neither as primary ID nor in `also`. */
export function uncoveredIds(checks: readonly DeclaredCheck[], ids: readonly string[]): string[] {
  const covered = new Set(checks.filter((c) => c.resolved).map((c) => c.id));
  return ids.filter((id) => !covered.has(id));
}

// ───────────────────────── scanning helpers ─────────────────────────

function specFiles(root: string, relative: string): string[] {
  const entries = readdirSync(join(root, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  return entries.flatMap((entry) => {
    const path = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name.startsWith('.') ? [] : specFiles(root, path);
    return entry.isFile() && entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Within an object literal `{…}` (braces at `open` and `close`), the IDs of an `also: [...]` property. */
function collectAlso(
  code: string,
  source: string,
  open: number,
  close: number,
  found: (id: string, at: number, secondary: boolean, resolved: boolean) => void,
  foundAt: (part: [number, number], secondary: boolean) => void,
): void {
  for (const [start, end] of topLevelParts(code, open, close)) {
    const key = /^(?:also|(['"])also\1)\s*(:)?\s*/.exec(source.slice(start, end));
    if (!key || (!key[2] && start + key[0].length < end)) continue; // another property (e.g. `alsoX: …`)
    const value = start + key[0].length;
    if (!key[2] || code[value] !== '[') {
      found(source.slice(start, end), start, true, false); // `also` shorthand or a computed array
      continue;
    }
    for (const element of topLevelParts(code, value, matchingBracket(code, value))) foundAt(element, true);
  }
}

interface LiteralLoop {
  name: string;
  values: string[];
  /** The loop body, from its `{` to its `}`. */
  body: [number, number];
}

/** Every `for (const name of ['A', 'B'] [as const]) { … }` whose array holds only string literals. */
function literalLoops(code: string, source: string): LiteralLoop[] {
  const loops: LiteralLoop[] = [];
  const head = /(?<![\w$.])for\s*\(\s*(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s+of\s*\[/g;
  for (let m = head.exec(code); m; m = head.exec(code)) {
    const array = m.index + m[0].length - 1;
    const parts = topLevelParts(code, array, matchingBracket(code, array));
    const values = parts.map((part) => literalText(code, source, part));
    if (values.length === 0 || values.some((v) => v === undefined)) continue;
    const headClose = matchingBracket(code, code.indexOf('(', m.index));
    const brace = /^\s*\{/.exec(code.slice(headClose + 1));
    if (headClose < 0 || !brace) continue;
    const bodyOpen = headClose + brace[0].length;
    loops.push({ name: m[1], values: values as string[], body: [bodyOpen, matchingBracket(code, bodyOpen)] });
  }
  return loops;
}

/** For `${name}` in a template literal inside a literal loop over `name`, the IDs it stands for. */
function loopExpansion(source: string, [start, end]: [number, number], loops: LiteralLoop[]): string[] | undefined {
  const template = /^`([^`$\\]*)\$\{\s*([A-Za-z_$][\w$]*)\s*\}([^`$\\]*)`$/.exec(source.slice(start, end));
  if (!template) return undefined;
  const [, before, name, after] = template;
  const enclosing = loops
    .filter((loop) => loop.name === name && loop.body[0] < start && start < loop.body[1])
    .sort((a, b) => b.body[0] - a.body[0])[0]; // the innermost
  return enclosing?.values.map((value) => `${before}${value}${after}`);
}

/** The content of a plain string literal spanning `[start, end)`, or undefined if that is not one. */
function literalText(code: string, source: string, [start, end]: [number, number]): string | undefined {
  const quote = code[start];
  if (end - start < 2 || !`'"\``.includes(quote) || code[end - 1] !== quote) return undefined;
  // The content of a literal is blanked in `code`; a template substitution or an operator between two
  // strings is not.
  return code.slice(start + 1, end - 1).trim() === '' ? source.slice(start + 1, end - 1) : undefined;
}

/** Comma-separated parts directly inside the bracket pair at `open`/`close`, trimmed, empty ones dropped. */
function topLevelParts(code: string, open: number, close: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  const push = (start: number, end: number) => {
    while (start < end && /\s/.test(code[start])) start++;
    while (end > start && /\s/.test(code[end - 1])) end--;
    if (end > start) parts.push([start, end]);
  };
  let depth = 0;
  let start = open + 1;
  for (let k = open + 1; k < close; k++) {
    const ch = code[k];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      push(start, k);
      start = k + 1;
    }
  }
  push(start, close);
  return parts;
}

/** Index of the bracket closing the one at `open` (in masked code), or -1. */
function matchingBracket(code: string, open: number): number {
  let depth = 0;
  for (let k = open; k < code.length; k++) {
    const ch = code[k];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

function lineLocator(source: string): (index: number) => number {
  const starts = [0];
  for (let k = source.indexOf('\n'); k >= 0; k = source.indexOf('\n', k + 1)) starts.push(k + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

const REGEX_AFTER_CHAR = new Set('(,=:[!&|?{};+-*%<>~^');
const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'yield',
  'await',
]);

/**
 * The source with comments blanked and the contents of string, template and regular-expression literals
 * blanked (delimiters and template substitutions `${…}` kept), same length and same line breaks, so that
 * brackets can be matched and offsets map back to the source. A lexer good enough for spec files, not a
 * full one: a `/` is taken for a regular expression by what precedes it.
 */
export function maskNonCode(source: string): string {
  const out = source.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < Math.min(to, out.length); k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  const openSubstitutions: number[] = []; // brace depth at which each open `${` closes
  let depth = 0;

  // Template text from `start` (after "`" or after the "}" of a substitution) to the closing "`" or the next "${".
  const templateText = (start: number): number => {
    for (let k = start; k < source.length; k++) {
      if (source[k] === '\\') k++;
      else if (source[k] === '`') {
        blank(start, k);
        return k + 1;
      } else if (source[k] === '$' && source[k + 1] === '{') {
        blank(start, k);
        openSubstitutions.push(depth);
        return k + 2;
      }
    }
    blank(start, source.length);
    return source.length;
  };

  const regexAllowedAt = (at: number): boolean => {
    let k = at - 1;
    while (k >= 0 && /\s/.test(out[k])) k--;
    if (k < 0 || REGEX_AFTER_CHAR.has(out[k])) return true;
    let s = k;
    while (s > 0 && /[\w$]/.test(out[s - 1])) s--;
    return REGEX_AFTER_WORD.has(out.slice(s, k + 1).join(''));
  };

  // A regular-expression literal starting at the "/" at `start`; returns the index after it, or start + 1
  // (a division after all) when the line ends first.
  const regexLiteral = (start: number): number => {
    let inClass = false;
    for (let k = start + 1; k < source.length && source[k] !== '\n'; k++) {
      const ch = source[k];
      if (ch === '\\') k++;
      else if (ch === '[') inClass = true;
      else if (ch === ']') inClass = false;
      else if (ch === '/' && !inClass) {
        blank(start + 1, k);
        return k + 1;
      }
    }
    return start + 1;
  };

  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    const next = source[i + 1];
    if (ch === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (ch === '"' || ch === "'") {
      let k = i + 1;
      while (k < source.length && source[k] !== ch && source[k] !== '\n') k += source[k] === '\\' ? 2 : 1;
      blank(i + 1, k);
      i = k + 1;
    } else if (ch === '`') {
      i = templateText(i + 1);
    } else if (ch === '/' && regexAllowedAt(i)) {
      i = regexLiteral(i);
    } else if (ch === '}' && openSubstitutions.length > 0 && openSubstitutions[openSubstitutions.length - 1] === depth) {
      openSubstitutions.pop();
      i = templateText(i + 1);
    } else {
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
      i++;
    }
  }
  return out.join('');
}
