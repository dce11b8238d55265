// The mock Microsoft Update host (W:41–42): update files under the public download layout with HEAD
// and Range, 404 elsewhere, 405 for other verbs, and the lab's switchable failures (HTTP error, a late
// answer). Plus the DP's given-content packages, which hold the same bytes for the fallback.
import { describe, expect, it } from 'vitest';
import { distributionPoint, packageFilePath } from '../../harness/roles/distribution-point/index.js';
import { microsoftUpdate, microsoftUpdatePath, type MicrosoftUpdateBehaviour } from '../../harness/roles/microsoft-update/index.js';
import { call } from './request.js';

const CONTENT = Buffer.from(Array.from({ length: 5000 }, (_, index) => index % 251));
const FILE = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3.cab';

describe('microsoft update host', () => {
  let behaviour: MicrosoftUpdateBehaviour = { kind: 'normal' };
  const mu = microsoftUpdate({ files: [{ fileName: FILE, content: CONTENT }], behaviour: () => behaviour });

  it('serves the file with HEAD and Range under the download layout', async () => {
    const path = microsoftUpdatePath(FILE);
    expect(path).toBe(`/c/msdownload/update/software/secu/${FILE}`);
    const head = await call(mu, 'HEAD', path);
    expect(head.status).toBe(200);
    const part = await call(mu, 'GET', path, [['Range', 'bytes=100-199']]);
    expect(part.status).toBe(206);
    expect(part.header('content-range')).toBe(`bytes 100-199/${CONTENT.length}`);
    expect(part.body.equals(CONTENT.subarray(100, 200))).toBe(true);
  });

  it('answers 404 for unknown files and 405 for other verbs', async () => {
    expect((await call(mu, 'GET', microsoftUpdatePath('nothing.cab'))).status).toBe(404);
    expect((await call(mu, 'POST', microsoftUpdatePath(FILE))).status).toBe(405);
  });

  it('fails on purpose: an HTTP error, or an answer that comes late', async () => {
    behaviour = { kind: 'http-error', status: 503 };
    expect((await call(mu, 'GET', microsoftUpdatePath(FILE))).status).toBe(503);
    behaviour = { kind: 'hold', holdMs: 50 };
    const started = Date.now();
    expect((await call(mu, 'HEAD', microsoftUpdatePath(FILE))).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    behaviour = { kind: 'normal' };
  });
});

describe('distribution point given content (software-update packages)', () => {
  it('serves the given bytes, not generated ones', async () => {
    const dp = distributionPoint({
      packages: [],
      givenContent: [{ contentId: 'Content_7d9c1e5a-3b2f-4c8e-9a61-0f4b2d8c7e13', version: 1, files: [{ name: FILE, content: CONTENT }] }],
    });
    const reply = await call(dp, 'GET', packageFilePath('Content_7d9c1e5a-3b2f-4c8e-9a61-0f4b2d8c7e13', 1, FILE), [['Range', 'bytes=0-9']]);
    expect(reply.status).toBe(206);
    expect(reply.body.equals(CONTENT.subarray(0, 10))).toBe(true);
  });
});
