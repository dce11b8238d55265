// The programs the tests drive (nginx, HAProxy, Squid, python3, openssl, curl). A missing one fails
// its tests with what to install — it never skips them: `npm test` installs them first
// (`ibcm-lab doctor --install`, harness/cli/doctor.ts), so missing means that step was bypassed.
import { findBinary, missingBinaryMessage } from '../harness/proxies/binaries.js';

/** The absolute path of `name`; throws (failing the test or the suite's beforeAll) when it is missing. */
export function requireProgram(name: string): string {
  const path = findBinary(name);
  if (!path) throw new Error(`${missingBinaryMessage(name)} (npm test installs it first: npx ibcm-lab doctor --install)`);
  return path;
}
