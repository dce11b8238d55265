// Which Chromium the lab drives: the documented order (IBCM_LAB_CHROMIUM, Playwright's, the npm
// package's, the system's), what is said about the candidates passed over, IBCM_LAB_CHROMIUM_SOURCE,
// and the npm browser unpacked into a cache directory and started with its own libraries.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { create as createTar } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chromiumCandidates,
  findChromium,
  launchChromium,
  unpackNpmChromium,
  type ChromiumCandidate,
  type ChromiumSource,
} from '../../harness/client/chromium.js';
import { CHROMIUM_ARGS } from '../../harness/client/browser.js';

const scratch = mkdtempSync(join(tmpdir(), 'ibcm-lab-chromium-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function candidate(source: ChromiumSource, path: string | null): ChromiumCandidate {
  return {
    source,
    find: () =>
      path
        ? { source, executablePath: path, version: null, describe: `${source} ${path}`, prepare: () => Promise.resolve({}) }
        : { missing: `no ${source} browser` },
  };
}

describe('finding a Chromium', () => {
  it('tries IBCM_LAB_CHROMIUM, Playwright, the npm package, then the system, in that order', () => {
    expect(chromiumCandidates({ env: {} }).map((item) => item.source)).toEqual(['env', 'playwright', 'npm', 'system']);
  });

  it('takes the first candidate that is there and says which ones it passed over and why', () => {
    const found = findChromium({
      env: {},
      candidates: [
        candidate('env', null),
        candidate('playwright', null),
        candidate('npm', '/npm/chromium'),
        candidate('system', '/usr/bin/chromium'),
      ],
    });
    expect(found.source).toBe('npm');
    expect(found.source && found.executablePath).toBe('/npm/chromium');
    expect(found.passedOver).toEqual(['env: no env browser', 'playwright: no playwright browser']);
  });

  it('falls back to the system browser where the npm package is not usable, and says so', () => {
    const found = findChromium({
      env: {},
      candidates: [candidate('env', null), candidate('playwright', null), candidate('npm', null), candidate('system', '/usr/bin/chromium')],
    });
    expect(found.source).toBe('system');
    expect(found.passedOver).toContain('npm: no npm browser');
  });

  it('IBCM_LAB_CHROMIUM_SOURCE tries that source alone; an unknown one is refused', () => {
    const all = [
      candidate('env', '/env/chromium'),
      candidate('playwright', '/pw/chrome'),
      candidate('npm', '/npm/chromium'),
      candidate('system', '/usr/bin/chromium'),
    ];
    expect(findChromium({ env: { IBCM_LAB_CHROMIUM_SOURCE: 'system' }, candidates: all }).source).toBe('system');
    const none = findChromium({
      env: { IBCM_LAB_CHROMIUM_SOURCE: 'npm' },
      candidates: [candidate('npm', null), candidate('system', '/usr/bin/chromium')],
    });
    expect(none.source).toBeNull();
    expect(none.source === null && none.error).toMatch(/with IBCM_LAB_CHROMIUM_SOURCE=npm \(npm: no npm browser\)/);
    const wrong = findChromium({ env: { IBCM_LAB_CHROMIUM_SOURCE: 'debian' }, candidates: all });
    expect(wrong.source === null && wrong.error).toMatch(/IBCM_LAB_CHROMIUM_SOURCE is "debian"; use one of env, playwright, npm, system/);
  });

  it('with nothing found, names every candidate and what to do', () => {
    const found = findChromium({ env: {}, candidates: [candidate('env', null), candidate('system', null)] });
    expect(found.source).toBeNull();
    expect(found.source === null && found.error).toMatch(
      /no Chromium was found .*\(env: no env browser; system: no system browser\): run "npm ci" on Linux x64/,
    );
  });

  it('IBCM_LAB_CHROMIUM: used when the file exists, passed over with the reason when it does not', () => {
    const fake = join(scratch, 'fake-chromium');
    writeFileSync(fake, '#!/bin/sh\necho "Fake Chromium 1.2.3"\n', { mode: 0o755 });
    const found = findChromium({ env: { IBCM_LAB_CHROMIUM: fake } });
    expect(found.source).toBe('env');
    expect(found.source && found.describe).toBe(`IBCM_LAB_CHROMIUM ${fake} (Fake Chromium 1.2.3)`);
    const gone = findChromium({ env: { IBCM_LAB_CHROMIUM: join(scratch, 'nowhere') } });
    expect(gone.passedOver[0]).toBe(`env: IBCM_LAB_CHROMIUM=${join(scratch, 'nowhere')} does not exist`);
  });

  it('the npm candidate is passed over, with the reason, in a project without the optional package', () => {
    const root = join(scratch, 'project');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'package.json'), '{"name":"empty"}');
    const npm = chromiumCandidates({ env: {}, root }).find((item) => item.source === 'npm')!;
    expect(npm.find()).toEqual({
      missing:
        process.platform === 'linux'
          ? expect.stringMatching(/optional dependency @sparticuz\/chromium is not installed/)
          : expect.stringMatching(/Linux browser only/),
    });
  });
});

describe('unpacking the npm browser', () => {
  it('unpacks the browser, its GL and system libraries and fonts into the target, whole or not at all, also when two unpack at once, and drops older versions', async () => {
    const archives = join(scratch, 'bin');
    const content = join(scratch, 'content');
    mkdirSync(join(content, 'lib'), { recursive: true });
    mkdirSync(join(content, 'fonts'), { recursive: true });
    writeFileSync(join(content, 'lib', 'libnss3.so'), 'nss');
    writeFileSync(join(content, 'libGLESv2.so'), 'gl');
    writeFileSync(join(content, 'fonts', 'OpenSans-Regular.ttf'), 'font');
    mkdirSync(archives, { recursive: true });
    writeFileSync(join(archives, 'chromium.br'), brotliCompressSync('#!/bin/sh\necho chromium\n'));
    const tarBr = async (name: string, entries: string[]) => {
      await createTar({ cwd: content, file: join(scratch, `${name}.tar`) }, entries);
      writeFileSync(join(archives, `${name}.tar.br`), brotliCompressSync(readFileSync(join(scratch, `${name}.tar`))));
    };
    await tarBr('al2023', ['lib']);
    await tarBr('swiftshader', ['libGLESv2.so']);
    await tarBr('fonts', ['fonts']);
    const target = join(scratch, 'cache', '1.0.0');
    mkdirSync(join(scratch, 'cache', '0.9.0'), { recursive: true });
    await Promise.all([unpackNpmChromium(archives, target), unpackNpmChromium(archives, target)]);
    expect(statSync(join(target, 'chromium')).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(target, 'lib', 'libnss3.so'), 'utf8')).toBe('nss');
    expect(existsSync(join(target, 'libGLESv2.so'))).toBe(true);
    expect(existsSync(join(target, 'fonts', 'OpenSans-Regular.ttf'))).toBe(true);
    expect(readFileSync(join(target, 'fonts.conf'), 'utf8')).toContain(`<dir>${join(target, 'fonts')}</dir>`);
    expect(readdirSync(join(scratch, 'cache'))).toEqual(['1.0.0']); // the older version is gone, no scratch left
  });

  // The package ships a Linux x64 browser only; elsewhere the resolver passes it over (tested above).
  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    'starts the npm-shipped Chromium through Playwright with its libraries on the browser process alone',
    async () => {
      const before = process.env.LD_LIBRARY_PATH;
      const { browser, chromium } = await launchChromium({ args: CHROMIUM_ARGS }, { env: { IBCM_LAB_CHROMIUM_SOURCE: 'npm' } });
      try {
        expect(chromium.source).toBe('npm');
        expect(chromium.executablePath).toMatch(/\.ibcm-lab\/chromium\/[\d.]+\/chromium$/);
        expect(browser.version()).toMatch(/^\d+\./);
        const page = await browser.newPage();
        await page.setContent('<p id="glyphs">✔ ✘ ≈ ⚠</p>');
        expect(await page.textContent('#glyphs')).toBe('✔ ✘ ≈ ⚠');
      } finally {
        await browser.close();
      }
      expect(process.env.LD_LIBRARY_PATH).toBe(before);
    },
  );
});
