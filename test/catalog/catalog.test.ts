// The requirement catalog checks itself (after Kubernetes' conformance.yaml and TLS-Anvil's TestIdentifiers):
// the catalog holds exactly the golden ID list, every entry is complete, and every check the suites
// declare names a known ID, once per file.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  appliesIn,
  areaOf,
  areas,
  checkProblems,
  checksInSource,
  declaredChecks,
  matchesGrep,
  proxyModes,
  requirementById,
  requirementIds,
  requirements,
  seeds,
  strengths,
  uncoveredIds,
} from '../../harness/catalog/index.js';

// GOLDEN LIST — every requirement ID of shared/REQUIREMENTS.md, brace groups expanded (76 IDs).
// It is embedded because CI clones this repository alone. IDs are stable and never renumbered: this list
// may only ever grow. Never remove or rename an entry; add new IDs when REQUIREMENTS.md gains them.
const GOLDEN_IDS: readonly string[] = [
  'PX-HTTP11',
  'PX-VERB-MP-HEAD',
  'PX-VERB-MP-CCM_POST',
  'PX-VERB-MP-BITS_POST',
  'PX-VERB-MP-GET',
  'PX-VERB-MP-PROPFIND',
  'PX-VERB-DP-HEAD',
  'PX-VERB-DP-GET',
  'PX-VERB-DP-PROPFIND',
  'PX-VERB-FSP-POST',
  'PX-VERB-APPCAT-GET',
  'PX-VERB-APPCAT-POST',
  'PX-HDR-MP-Range',
  'PX-HDR-MP-CCMClientID',
  'PX-HDR-MP-CCMClientIDSignature',
  'PX-HDR-MP-CCMClientTimestamp',
  'PX-HDR-MP-CCMClientTimestampSignature',
  'PX-HDR-DP-Range',
  'PX-HDR-EXTRA',
  'PX-CT-MULTIPART',
  'PX-CT-OCTET',
  'PX-URL-EXACT',
  'PX-RANGE',
  'PX-BODY-LARGE',
  'PX-EMPTY-200',
  'PX-NTLM-AFFINITY',
  'PX-BRIDGE-MUTUAL',
  'PX-BRIDGE-NO-DOWNGRADE',
  'PX-BRIDGE-IDENTITY',
  'PX-TUNNEL-PASSTHRU',
  'PX-PORTS',
  'PX-PORTFORWARD',
  'PX-CLIENT-PROXY',
  'PX-SMUGGLE',
  'PKI-MTLS',
  'PKI-TRUST-CLIENT',
  'PKI-TRUST-SITE',
  'PKI-SAN',
  'PKI-EKU',
  'PKI-EXPIRED',
  'PKI-CRL-CLIENT-REVOKED',
  'PKI-CRL-SERVER-REVOKED',
  'PKI-CDP-HTTP',
  'PKI-CRL-UNREACHABLE',
  'PKI-MPCONTROL',
  'LOC-DETECT-INTRANET',
  'LOC-DETECT-INTERNET',
  'LOC-SWITCH',
  'LOC-INTERNET-ONLY',
  'LOC-WORKGROUP',
  'LOC-MODE-FIXED',
  'LOC-MP-REFRESH',
  'LOC-RANDOM',
  'LOC-FAILOVER',
  'LOC-RESUME',
  'LOC-DNS',
  'SU-SCAN-INTERNET-SUP',
  'SU-MU-FIRST',
  'SU-DP-FALLBACK',
  'SU-INTRANET-NO-MU',
  'FEAT-NO-CLIENT-PUSH',
  'FEAT-NO-AUTO-SITE',
  'FEAT-NO-WOL',
  'FEAT-NO-REMOTE-CONTROL',
  'FEAT-NO-OSD',
  'FEAT-USER-POLICY',
  'FEAT-INTRANET-ONLY-POLICY',
  'FEAT-NO-ROAMING',
  'MOB-INTERNET-ONLY',
  'MOB-DIRECT',
  'MOB-ENROLLED-NO-BRIDGE',
  'MOB-LEGACY-USER-AUTH',
  'ROLE-UNTRUSTED',
  'APPCAT-BROWSER',
  'FSP-STATE',
  'CMG-COEXIST',
];

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const suitesDir = fileURLToPath(new URL('../../suites', import.meta.url));
const knownIds = requirementIds();

describe('requirement catalog', () => {
  it('holds exactly the golden ID list', () => {
    const catalog = new Set(knownIds);
    const golden = new Set(GOLDEN_IDS);
    expect(golden.size, 'the golden list repeats an ID').toBe(GOLDEN_IDS.length);
    expect({
      missingFromCatalog: GOLDEN_IDS.filter((id) => !catalog.has(id)),
      notInGoldenList: knownIds.filter((id) => !golden.has(id)),
    }).toEqual({ missingFromCatalog: [], notInGoldenList: [] });
  });

  it('has unique IDs', () => {
    const seen = new Set<string>();
    const repeated = knownIds.filter((id) => seen.size === seen.add(id).size);
    expect(repeated).toEqual([]);
  });

  it('has IDs of the form AREA-PART(-PART…)', () => {
    expect(knownIds.filter((id) => !/^[A-Z]+(-[A-Za-z0-9_]+)+$/.test(id))).toEqual([]);
  });

  it.each(requirements.map((r) => [r.id, r] as const))('%s is complete', (id, r) => {
    expect(r.title.trim(), 'title').not.toBe('');
    expect(r.statement.trim(), 'statement').not.toBe('');
    expect(r.failsWhen.trim(), 'failsWhen').not.toBe('');
    expect(r.modes.length, 'modes').toBeGreaterThan(0);
    expect(new Set(r.modes).size, 'modes repeat').toBe(r.modes.length);
    for (const mode of r.modes) expect(proxyModes).toContain(mode);
    expect(strengths).toContain(r.strength);
    expect(areas).toContain(r.area);
    expect(id.split('-')[0], 'area is the ID prefix').toBe(r.area);
    const { seed, section, wire, note } = r.source;
    expect(seed !== undefined || (wire?.length ?? 0) > 0 || !!note, 'some source').toBe(true);
    if (seed !== undefined) expect(Object.keys(seeds)).toContain(seed);
    if (section !== undefined) expect(seed, 'a section belongs to a seed').toBeDefined();
    for (const item of wire ?? []) expect(Number.isInteger(item) && item > 0, `W:${item}`).toBe(true);
  });

  it('takes strengths from REQUIREMENTS.md', () => {
    const withStrength = (s: string) => requirements.filter((r) => r.strength === s).map((r) => r.id);
    expect(withStrength('recommended')).toEqual(['PX-HDR-EXTRA', 'PX-SMUGGLE', 'PKI-MPCONTROL']);
    expect(withStrength('informational')).toEqual(['PX-PORTFORWARD', 'MOB-LEGACY-USER-AUTH']);
  });

  it("marks as model exactly the requirements only the client's own logic decides, each saying why", () => {
    expect(requirements.filter((r) => r.judges === 'model').map((r) => r.id)).toEqual(['LOC-WORKGROUP', 'LOC-MODE-FIXED']);
    for (const r of requirements) expect(['world', 'model', undefined]).toContain(r.judges);
    // A comment beside each `judges: 'model'` says why no world can change the outcome.
    const source = readFileSync(fileURLToPath(new URL('../../harness/catalog/requirements.ts', import.meta.url)), 'utf8');
    expect(source.match(/\/\/ model: [^\n]+(\n\s*\/\/[^\n]*)*\n\s*judges: 'model'/g)?.length).toBe(2);
  });

  it('limits mode-specific requirements to their mode', () => {
    const modesOf = (id: string) => requirementById(id)?.modes;
    for (const id of ['PX-BRIDGE-MUTUAL', 'PX-BRIDGE-NO-DOWNGRADE', 'PX-BRIDGE-IDENTITY']) expect(modesOf(id)).toEqual(['bridge']);
    expect(modesOf('PX-TUNNEL-PASSTHRU')).toEqual(['tunnel']);
    expect(modesOf('PX-CLIENT-PROXY')).toEqual(['forward']);
    expect(modesOf('PX-HTTP11')).toEqual(['bridge', 'tunnel', 'forward', 'direct']);
  });
});

describe('catalog helpers', () => {
  it('looks requirements up by ID', () => {
    expect(requirementById('PX-VERB-MP-CCM_POST')?.area).toBe('PX');
    expect(requirementById('px-verb-mp-ccm_post')).toBeUndefined();
    expect(requirementIds()).toEqual(requirements.map((r) => r.id));
  });

  it('tells the area of an ID', () => {
    expect(areaOf('APPCAT-BROWSER')).toBe('APPCAT');
    expect(areaOf('LOC-SOMETHING-NEW')).toBe('LOC');
    expect(areaOf('NOPE-X')).toBeUndefined();
  });

  it('tells where a requirement applies', () => {
    expect(appliesIn('PX-BRIDGE-MUTUAL', 'bridge')).toBe(true);
    expect(appliesIn('PX-BRIDGE-MUTUAL', 'tunnel')).toBe(false);
    expect(appliesIn('PKI-TRUST-SITE', 'tunnel')).toBe(true);
    expect(appliesIn('NOPE-X', 'direct')).toBe(false);
  });

  it('matches --grep patterns as case-sensitive regular expressions', () => {
    const grep = (pattern: string) => knownIds.filter((id) => matchesGrep(id, pattern));
    expect(grep('^PX-VERB-MP-')).toEqual([
      'PX-VERB-MP-HEAD',
      'PX-VERB-MP-CCM_POST',
      'PX-VERB-MP-BITS_POST',
      'PX-VERB-MP-GET',
      'PX-VERB-MP-PROPFIND',
    ]);
    expect(grep('PKI')).toEqual(knownIds.filter((id) => id.startsWith('PKI-')));
    expect(grep('LOC|SU')).toEqual(expect.arrayContaining(['LOC-DNS', 'SU-MU-FIRST', 'SU-DP-FALLBACK']));
    expect(grep('LOC|SU').some((id) => id.startsWith('PX-'))).toBe(false);
    expect(grep('pki')).toEqual([]);
    expect(grep('^PKI-SAN$')).toEqual(['PKI-SAN']);
  });

  it('falls back to a substring match for an invalid regular expression', () => {
    expect(matchesGrep('PX-HDR-MP-Range', 'MP-(')).toBe(false);
    expect(matchesGrep('WEIRD-(ID', '-(')).toBe(true);
    expect(matchesGrep('WEIRD-[ID', '[')).toBe(true);
  });
});

describe('checks declared in suites/', () => {
  it('name only known IDs, each primary ID once per file', () => {
    // suites/ may be empty or absent while the suites are being written; then there is nothing to check.
    const problems = checkProblems(declaredChecks(suitesDir), knownIds);
    expect(problems.map((p) => p.message)).toEqual([]);
  });

  // DESIGN.md: a catalog ID without any check fails the build.
  it('cover every catalog ID', () => {
    expect(uncoveredIds(declaredChecks(suitesDir), [...knownIds])).toEqual([]);
  });
});

describe('the suite scan (fixtures)', () => {
  it('reports unknown IDs, primary or in `also`, with file and line', () => {
    const problems = checkProblems(declaredChecks(fixture('unknown-id')), knownIds);
    expect(problems.map(({ kind, file, line, id }) => ({ kind, file, line, id }))).toEqual([
      { kind: 'unknown-id', file: 'px/verbs.spec.ts', line: 5, id: 'PX-VERB-MP-PATCH' },
      { kind: 'unknown-id', file: 'px/verbs.spec.ts', line: 6, id: 'PKI-NOPE' },
      { kind: 'unknown-id', file: 'px/verbs.spec.ts', line: 7, id: 'PX-HDR-MP-range' },
    ]);
    expect(problems[2].message).toBe(
      'px/verbs.spec.ts:7: unknown requirement ID "PX-HDR-MP-range" in the first argument of check() (did you mean "PX-HDR-MP-Range"?)',
    );
  });

  it('reports a primary ID declared twice in one file, but not across files or as a secondary ID', () => {
    const problems = checkProblems(declaredChecks(fixture('duplicate')), knownIds);
    expect(problems.map((p) => p.message)).toEqual([
      'pki/trust.spec.ts:6: "PKI-TRUST-CLIENT" is already the primary ID of the check at line 4',
    ]);
    expect(problems[0].kind).toBe('duplicate-id');
  });

  it('reports IDs that are neither string literals nor a loop over literals', () => {
    const problems = checkProblems(declaredChecks(fixture('not-literal')), knownIds);
    expect(problems.map(({ kind, line, id }) => ({ kind, line, id }))).toEqual([
      { kind: 'not-literal', line: 6, id: '`PX-VERB-DP-${verb}`' },
      { kind: 'not-literal', line: 9, id: 'also: moreIds' },
      { kind: 'not-literal', line: 14, id: '`PX-VERB-DP-${method}`' },
    ]);
  });

  it('finds every form of check (loops over literals too) and nothing in comments, strings, regexes or member calls', () => {
    const checks = declaredChecks(fixture('syntax'));
    expect(checks).toEqual([
      { id: 'PX-HTTP11', file: 'scan.spec.ts', line: 17, secondary: false, resolved: true },
      { id: 'PX-VERB-MP-HEAD', file: 'scan.spec.ts', line: 18, secondary: false, resolved: true },
      { id: 'PX-VERB-DP-HEAD', file: 'scan.spec.ts', line: 18, secondary: true, resolved: true },
      { id: 'PX-VERB-MP-GET', file: 'scan.spec.ts', line: 20, secondary: false, resolved: true },
      { id: 'PX-VERB-DP-GET', file: 'scan.spec.ts', line: 30, secondary: true, resolved: true },
      { id: 'PX-VERB-APPCAT-GET', file: 'scan.spec.ts', line: 31, secondary: true, resolved: true },
      { id: 'PX-CT-OCTET', file: 'scan.spec.ts', line: 35, secondary: false, resolved: true },
      { id: 'PX-VERB-DP-HEAD', file: 'scan.spec.ts', line: 38, secondary: false, resolved: true },
      { id: 'PX-VERB-DP-PROPFIND', file: 'scan.spec.ts', line: 38, secondary: false, resolved: true },
      { id: 'PX-VERB-APPCAT-POST', file: 'scan.spec.ts', line: 42, secondary: false, resolved: true },
    ]);
    expect(checkProblems(checks, knownIds)).toEqual([]);
  });

  it('reads the source text only: a check in a string of code is found, member calls are not', () => {
    const source = "check('PKI-SAN', 'title', async () => {}, { also: ['PKI-EKU'] });\nlocator.check();\nfoo\n  .check('FAKE');\n";
    expect(checksInSource(source, 'inline.spec.ts').map((c) => `${c.id}@${c.line}${c.secondary ? '+' : ''}`)).toEqual([
      'PKI-SAN@1',
      'PKI-EKU@1+',
    ]);
  });

  it('returns nothing for a folder that does not exist', () => {
    expect(declaredChecks(fixture('no-such-folder'))).toEqual([]);
  });

  it('lists the catalog IDs no check covers', () => {
    const checks = declaredChecks(fixture('duplicate'));
    expect(uncoveredIds(checks, ['PKI-TRUST-CLIENT', 'PKI-TRUST-SITE', 'PKI-SAN', 'PKI-CRL-CLIENT-REVOKED'])).toEqual(['PKI-SAN']);
  });
});
