// Where the ibcm-lab package is installed (its package.json, bin/, images/): shared by the CLI and the
// report's bundle without the report importing the CLI.
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}
