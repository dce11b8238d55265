// Where the ibcm-lab package is installed (its package.json, bin/, images/, the topology presets):
// shared by the CLI and the report's bundle without the report importing the CLI. The conformance
// runner and its workers load the suites precompiled into a cache folder (harness/cli/compiled-suites.ts),
// away from the package: the CLI names the package to them (PACKAGE_ROOT_ENV).
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT_ENV = 'IBCM_LAB_PACKAGE_ROOT';

export function packageRoot(): string {
  return process.env[PACKAGE_ROOT_ENV] || fileURLToPath(new URL('../../', import.meta.url));
}
