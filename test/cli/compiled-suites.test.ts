// The suites compiled once for the runner (harness/cli/compiled-suites.ts): a folder per content of
// the sources, made whole or not at all, and the TypeScript as the fallback.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FROM_SOURCE_ENV, compiledSuites } from '../../harness/cli/compiled-suites.js';

function fakePackage(): string {
  const root = mkdtempSync(join(tmpdir(), 'ibcm-lab-compiled-'));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  write('package.json', JSON.stringify({ name: 'fake', type: 'module' }));
  write('playwright.config.ts', "import { answer } from './harness/answer.js';\nexport default { answer };\n");
  write('harness/answer.ts', 'export const answer: number = 42;\n');
  write('harness/types.d.ts', 'declare const nothing: never;\n');
  write('suites/one.spec.ts', "import { answer } from '../harness/answer.js';\nexport const checked = answer + 1;\n");
  write('certs/profiles.ts', 'export const PROFILES = {} as const;\n');
  return root;
}

describe('compiledSuites', () => {
  it('compiles harness, suites, certs and the config into a folder the runner loads as ES modules, once per content', async () => {
    const root = fakePackage();
    const compiled = await compiledSuites(root, {});
    expect(compiled).toBeDefined();
    expect(compiled!.config).toBe(join(compiled!.dir, 'playwright.config.js'));
    expect(JSON.parse(readFileSync(join(compiled!.dir, 'package.json'), 'utf8'))).toMatchObject({ type: 'module' });
    expect(existsSync(join(compiled!.dir, 'suites', 'one.spec.js'))).toBe(true);
    expect(existsSync(join(compiled!.dir, 'harness', 'types.d.js'))).toBe(false);
    const { default: config } = (await import(compiled!.config)) as { default: { answer: number } };
    expect(config.answer).toBe(42);
    // Stack traces and check locations point at the TypeScript.
    expect(readFileSync(join(compiled!.dir, 'suites', 'one.spec.js'), 'utf8')).toContain('sourceMappingURL=data:application/json');

    expect(await compiledSuites(root, {})).toEqual(compiled);
    writeFileSync(join(root, 'harness', 'answer.ts'), 'export const answer: number = 43;\n');
    const again = await compiledSuites(root, {});
    expect(again!.dir).not.toBe(compiled!.dir);
    // Nothing half-made is left beside them.
    expect(readdirSync(dirname(compiled!.dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves the runner on the TypeScript when asked to, or when the folder cannot be made', async () => {
    const root = fakePackage();
    expect(await compiledSuites(root, { [FROM_SOURCE_ENV]: '1' })).toBeUndefined();
    if (process.getuid?.() === 0) return; // root writes through any mode bits
    const readOnly = fakePackage();
    chmodSync(readOnly, 0o500);
    try {
      expect(await compiledSuites(readOnly, {})).toBeUndefined();
    } finally {
      chmodSync(readOnly, 0o700);
    }
  });
});
