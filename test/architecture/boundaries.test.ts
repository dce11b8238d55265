// DESIGN.md, "Boundaries that keep verdicts honest", checked on the import graph of harness/:
// the client reaches the lab only over the network, roles never see the client or the proxies,
// proxy adapters know only the proxy contract (plus shared libraries such as harness/http), and
// drivers place hosts without knowing IBCM. A check that cannot fail proves nothing, so the same
// checker is also run on a fixture tree with deliberate violations.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImportGraph, importSpecifiers, type BoundaryRule } from './import-graph.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const harness = ImportGraph.load(path.resolve(here, '../../harness'));

const RULES: BoundaryRule[] = [
  { name: '(a) the client reaches the lab only over the network', from: 'client', forbidden: ['roles', 'proxies', 'drivers', 'lab'] },
  { name: '(b) roles never import the client or the proxies', from: 'roles', forbidden: ['client', 'proxies'] },
  {
    name: '(c) proxy adapters know only the proxy contract',
    from: 'proxies',
    forbidden: ['roles', 'client', 'lab', 'drivers', 'topology'],
  },
  { name: '(d) drivers know nothing of IBCM', from: 'drivers', forbidden: ['roles', 'client', 'ccm-messaging'] },
  // issue 16: lab → hosts → roles; a host kind runs its role and never reaches back into the lab that placed it.
  { name: '(e) hosts never import the lab, the drivers or the client', from: 'hosts', forbidden: ['lab', 'drivers', 'client'] },
];

describe('harness/ boundaries (DESIGN.md)', () => {
  it.each(RULES.map((rule) => [rule.name, rule] as const))('%s', (_name, rule) => {
    const found = harness.violations(rule).map((violation) => harness.describe(violation));
    expect(
      found,
      `${rule.name}: harness/${rule.from}/ reaches ${rule.forbidden.map((dir) => `harness/${dir}/`).join(', ')} through:\n${found.join('\n')}`,
    ).toEqual([]);
  });

  it('sees the whole graph: every relative import under harness/ resolves to a file', () => {
    const unresolved = harness.unresolved().map((edge) => `${harness.relative(edge.from)}:${edge.line} '${edge.specifier}'`);
    expect(unresolved, 'the checker cannot follow these imports, so rules could pass blind').toEqual([]);
  });

  it('is not vacuous on the real tree: it sees edges the rules are about, and would flag lab → roles', () => {
    const targets = (file: string) => harness.edges(path.join(harness.root, file)).map((edge) => edge.to && harness.relative(edge.to));
    expect(targets('client/transport.ts')).toContain('dns/resolver.ts');
    expect(targets('client/ibcm-client.ts')).toContain('ccm-messaging/index.ts'); // a multi-line import
    expect(targets('roles/management-point/index.ts')).toEqual(expect.arrayContaining(['ccm-messaging/index.ts', 'http/index.ts']));
    expect(targets('drivers/embedded/placement.ts')).toContain('topology/index.ts'); // an `import type`
    // A site-system host runs its role, so a rule forbidding hosts → roles must fail — with a chain.
    const hostsToRoles = harness.violations({ name: 'control', from: 'hosts', forbidden: ['roles'] });
    expect(hostsToRoles.map((violation) => violation.chain)).toContainEqual([
      'hosts/site-system/roles.ts',
      'roles/management-point/index.ts',
    ]);
  });
});

// Suites drive clients and read journals through the lab handle; they do not reach into a role's
// internals (DESIGN.md). The lab they import wires roles together, so this rule is about the imports
// a spec file writes itself, not everything those reach.
describe('suites/ boundaries (DESIGN.md)', () => {
  const repo = ImportGraph.load(path.resolve(here, '../..'), ['harness', 'suites']);
  const rule: BoundaryRule = { name: "(e) suites never import a role's internals", from: 'suites', forbidden: ['harness/roles'] };

  it(rule.name, () => {
    const found = repo.directViolations(rule).map((violation) => repo.describe(violation));
    expect(found, `suites/ imports harness/roles/ directly:\n${found.join('\n')}`).toEqual([]);
  });

  it("sees the suites' imports (would flag the lab as a role)", () => {
    expect(repo.directViolations({ name: 'control', from: 'suites', forbidden: ['harness/lab'] }).length).toBeGreaterThan(0);
    const unresolved = repo.unresolved().map((edge) => `${repo.relative(edge.from)}:${edge.line} '${edge.specifier}'`);
    expect(unresolved).toEqual([]);
  });
});

describe('the checker on a fixture tree with deliberate violations', () => {
  const fixture = ImportGraph.load(path.join(here, 'fixtures/violating'));
  const rule = (from: string, forbidden: string[]): BoundaryRule => ({ name: `${from} ↛ ${forbidden.join(', ')}`, from, forbidden });

  it('reports a transitive violation with the full chain (multi-line import → export * → import type)', () => {
    const found = fixture.violations(rule('client', ['roles', 'proxies', 'drivers', 'lab']));
    expect(found.map((violation) => violation.chain)).toEqual([['client/index.ts', 'shared/helper.ts', 'shared/deep.ts', 'roles/mp.ts']]);
    expect(fixture.describe(found[0]!)).toBe(
      "client/index.ts → shared/helper.ts → shared/deep.ts → roles/mp.ts  (shared/deep.ts:1 from '../roles/mp.js')",
    );
  });

  it('fails an expect() the way the harness test does, naming the chain', () => {
    const found = fixture.violations(rule('client', ['roles'])).map((violation) => fixture.describe(violation));
    expect(() => expect(found, found.join('\n')).toEqual([])).toThrow(
      /client\/index\.ts → shared\/helper\.ts → shared\/deep\.ts → roles\/mp\.ts/,
    );
  });

  it('reports a dynamic import()', () => {
    const found = fixture.violations(rule('proxies', ['roles', 'client', 'lab', 'drivers', 'topology']));
    expect(found.map((violation) => fixture.describe(violation))).toEqual([
      "proxies/adapter.ts → lab/lab.ts  (proxies/adapter.ts:3 import('../lab/lab.js'))",
    ]);
  });

  it('passes where the fixture respects the rule (no false positives from allowed imports or decoys)', () => {
    expect(fixture.violations(rule('drivers', ['roles', 'client', 'ccm-messaging']))).toEqual([]);
    expect(fixture.violations(rule('roles', ['client', 'proxies']))).toEqual([]);
    // The commented-out import and the import inside a string in client/index.ts are not edges.
    expect(fixture.edges(path.join(fixture.root, 'client/index.ts')).map((edge) => edge.specifier)).toEqual(['../shared/helper.js']);
  });

  it('refuses a rule whose source directory is empty or missing (it would pass vacuously)', () => {
    expect(() => fixture.violations(rule('no-such-dir', ['roles']))).toThrow(/pass vacuously/);
  });

  it('reports relative imports that resolve to no file', () => {
    const broken = ImportGraph.load(path.join(here, 'fixtures/unresolved'));
    expect(broken.unresolved().map((edge) => `${broken.relative(edge.from)}:${edge.line} ${edge.specifier}`)).toEqual([
      'index.ts:3 ./moved-away.js',
    ]);
  });
});

describe('importSpecifiers', () => {
  it('finds every import and re-export form, with lines', () => {
    const source = [
      "import a from './a.js';", // 1
      "import b, { c } from './b.js';", // 2
      "import * as d from './d.js';", // 3
      "import type { E } from './e.js';", // 4
      'import {', // 5
      '  f,', // 6
      '  type G,', // 7
      "} from './f.js';", // 8
      "export * from './h.js';", // 9
      "export * as i from './i.js';", // 10
      "export { j } from './j.js';", // 11
      'export type { K } from "./k.js";', // 12
      "import './side-effect.js';", // 13
      "const l = await import('./l.js');", // 14
      "import{m}from'./m.js';", // 15
      "import node from 'node:fs';", // 16
    ].join('\n');
    expect(importSpecifiers(source).map(({ specifier, line, kind }) => `${line} ${kind} ${specifier}`)).toEqual([
      '1 static ./a.js',
      '2 static ./b.js',
      '3 static ./d.js',
      '4 static ./e.js',
      '8 static ./f.js',
      '9 static ./h.js',
      '10 static ./i.js',
      '11 static ./j.js',
      '12 static ./k.js',
      '13 side-effect ./side-effect.js',
      '14 dynamic ./l.js',
      '15 static ./m.js',
      '16 static node:fs',
    ]);
  });

  it('ignores declarations that merely contain the word "from", comments and strings', () => {
    const source = [
      "export const from = 'x';",
      "export function load(path: string) { return read(path, 'from'); }",
      "// import x from './commented.js';",
      " * import y from './doc-comment.js';",
      'const text = "import z from \'./in-string.js\'";',
      'export interface Options { from: string; to: string }',
    ].join('\n');
    expect(importSpecifiers(source)).toEqual([]);
  });
});
