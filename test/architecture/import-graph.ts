// A static import graph of a source tree, and a checker for "nothing reachable from A imports B"
// rules (DESIGN.md, "Boundaries that keep verdicts honest"). Deliberately small: a regex over
// `import … from`, `export … from`, side-effect `import '…'` and `import('…')`, resolution of
// relative specifiers the NodeNext way (`./x.js` → `./x.ts`), and a breadth-first walk so every
// violation is reported with the shortest import chain that causes it. Type-only imports count:
// a boundary crossed "only for a type" is still a dependency on the other side's code.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface ImportSpecifier {
  specifier: string;
  /** 1-based line of the specifier in the source. */
  line: number;
  kind: 'static' | 'side-effect' | 'dynamic';
}

export interface ImportEdge extends ImportSpecifier {
  from: string;
  /** Absolute path of the resolved file, or null for a relative specifier that names no file. */
  to: string | null;
}

export interface BoundaryRule {
  name: string;
  /** Directory (relative to the graph root) whose files, and everything they reach, are checked. */
  from: string;
  /** Directories (relative to the graph root) that must not be reached. */
  forbidden: string[];
}

export interface Violation {
  rule: string;
  /** Files from a file under `from` to the first file under a forbidden directory, relative to the root. */
  chain: string[];
  /** The import that crosses into the forbidden directory. */
  crossing: ImportEdge;
}

const SOURCE_FILE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;
// `import x from`, `import { a,\n b } from`, `import type …`, `import * as n from`, `export * from`,
// `export { a } from`, `export type { A } from`. The clause may only hold identifiers, braces,
// commas, `*` and whitespace, so `export const x = f('…')` or `export function` never match.
const FROM_CLAUSE = /^[ \t]*(?:import|export)(?:\s+type)?\s*([\w$*{},\s]*?)\s*\bfrom\s*(['"])([^'"\n]+)\2/gm;
const SIDE_EFFECT = /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm;
const DYNAMIC = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

export function importSpecifiers(source: string): ImportSpecifier[] {
  const found: ImportSpecifier[] = [];
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;
  const collect = (pattern: RegExp, group: number, kind: ImportSpecifier['kind']) => {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[group]!;
      found.push({ specifier, line: lineAt(match.index! + match[0].lastIndexOf(specifier)), kind });
    }
  };
  collect(FROM_CLAUSE, 3, 'static');
  collect(SIDE_EFFECT, 2, 'side-effect');
  collect(DYNAMIC, 2, 'dynamic');
  return found.sort((a, b) => a.line - b.line);
}

export function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..';
}

/** NodeNext resolution of a relative specifier written for the emitted `.js`, onto the `.ts` source. */
export function resolveRelative(fromFile: string, specifier: string): string | null {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base.replace(/\.cjs$/, '.cts'),
    base,
    `${base}.ts`,
    path.join(base, 'index.ts'),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile()) ?? null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

export class ImportGraph {
  private constructor(
    readonly root: string,
    readonly files: string[],
    private readonly edgesByFile: Map<string, ImportEdge[]>,
  ) {}

  /** Every source file under `root` with its imports; edges leaving `root` are kept but never followed. */
  static load(root: string, only?: string[]): ImportGraph {
    const absoluteRoot = path.resolve(root);
    const files = (only ? only.flatMap((dir) => sourceFiles(path.join(absoluteRoot, dir))) : sourceFiles(absoluteRoot)).sort();
    const edges = new Map<string, ImportEdge[]>();
    for (const file of files) {
      edges.set(
        file,
        importSpecifiers(readFileSync(file, 'utf8')).map((found) => ({
          ...found,
          from: file,
          to: isRelative(found.specifier) ? resolveRelative(file, found.specifier) : null,
        })),
      );
    }
    return new ImportGraph(absoluteRoot, files, edges);
  }

  relative(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  edges(file: string): ImportEdge[] {
    return this.edgesByFile.get(file) ?? [];
  }

  filesUnder(dir: string): string[] {
    const absolute = path.join(this.root, dir);
    return this.files.filter((file) => isInside(file, absolute));
  }

  /** Relative imports that name no file: the graph would be blind past them. */
  unresolved(): ImportEdge[] {
    return this.files.flatMap((file) => this.edges(file).filter((edge) => isRelative(edge.specifier) && edge.to === null));
  }

  /** Imports written in files under `rule.from` that land under a forbidden directory (not followed further). */
  directViolations(rule: BoundaryRule): Violation[] {
    const forbidden = rule.forbidden.map((dir) => path.join(this.root, dir));
    const start = this.filesUnder(rule.from);
    if (start.length === 0) throw new Error(`rule "${rule.name}": no source files under ${rule.from} — the rule would pass vacuously`);
    return start.flatMap((file) =>
      this.edges(file)
        .filter((edge) => edge.to !== null && forbidden.some((dir) => isInside(edge.to!, dir)))
        .map((edge) => ({ rule: rule.name, chain: [this.relative(file), this.relative(edge.to!)], crossing: edge })),
    );
  }

  /** Breadth-first from every file under `rule.from`; one violation (shortest chain) per crossing import. */
  violations(rule: BoundaryRule): Violation[] {
    const forbidden = rule.forbidden.map((dir) => path.join(this.root, dir));
    const start = this.filesUnder(rule.from);
    if (start.length === 0) throw new Error(`rule "${rule.name}": no source files under ${rule.from} — the rule would pass vacuously`);
    const parent = new Map<string, string | null>(start.map((file) => [file, null]));
    const queue = [...start];
    const found: Violation[] = [];
    const chainTo = (file: string): string[] => {
      const chain: string[] = [];
      for (let at: string | null = file; at !== null; at = parent.get(at) ?? null) chain.unshift(this.relative(at));
      return chain;
    };
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const edge of this.edges(file)) {
        if (edge.to === null || !isInside(edge.to, this.root)) continue;
        if (forbidden.some((dir) => isInside(edge.to!, dir))) {
          found.push({ rule: rule.name, chain: [...chainTo(file), this.relative(edge.to)], crossing: edge });
          continue;
        }
        if (!parent.has(edge.to)) {
          parent.set(edge.to, file);
          queue.push(edge.to);
        }
      }
    }
    return found;
  }

  /** One line per violation, e.g. `client/a.ts → dns/b.ts → roles/c.ts (dns/b.ts:3 import '../roles/c.js')`. */
  describe(violation: Violation): string {
    const { crossing } = violation;
    const how = crossing.kind === 'dynamic' ? `import('${crossing.specifier}')` : `from '${crossing.specifier}'`;
    return `${violation.chain.join(' → ')}  (${this.relative(crossing.from)}:${crossing.line} ${how})`;
  }
}
