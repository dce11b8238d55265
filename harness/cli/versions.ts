import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** Versions of the lab and of what a verdict depends on, recorded with every run. */
export function versions(): Record<string, string> {
  const root = packageRoot();
  const require = createRequire(join(root, 'package.json'));
  const versionOf = (name: string) => {
    try {
      return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return {
    'ibcm-lab': (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    node: process.versions.node,
    openssl: process.versions.openssl,
    '@playwright/test': versionOf('@playwright/test'),
    undici: versionOf('undici'),
    testcontainers: versionOf('testcontainers'),
  };
}
