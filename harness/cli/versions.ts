import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findChromium, type ChromiumNotFound, type FoundChromium } from '../client/chromium.js';
import { packageRoot } from '../run/package-root.js';

export { packageRoot };

/** The lab's own version (package.json). */
export function labVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Which Chromium the browser checks drive, and which candidates were passed over on the way
 * (chromium.ts gives the order): with the reasons for `doctor`, by source name for the results.
 */
export function chromiumLine(found: FoundChromium | ChromiumNotFound = findChromium(), options: { reasons?: boolean } = {}): string {
  if (found.source === null) return `none: ${found.error}`;
  const passedOver = options.reasons === false ? found.passedOver.map((line) => line.split(':')[0]) : found.passedOver;
  return `${found.describe}${passedOver.length ? `; passed over: ${passedOver.join(options.reasons === false ? ', ' : '; ')}` : ''}`;
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
    'ibcm-lab': labVersion(),
    node: process.versions.node,
    openssl: process.versions.openssl,
    '@playwright/test': versionOf('@playwright/test'),
    undici: versionOf('undici'),
    testcontainers: versionOf('testcontainers'),
    chromium: chromiumLine(findChromium(), { reasons: false }),
  };
}
