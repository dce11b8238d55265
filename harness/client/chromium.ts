// Which Chromium the lab drives, and how it is started: the one place that knows. The browser check
// (APPCAT-BROWSER), the HTML report's screenshot test, `ibcm-lab doctor` and the run's versions all
// ask here, so they always name the same browser.
//
// Order (the first that is there wins; the ones passed over are said, so a fallback is never silent):
//   1. IBCM_LAB_CHROMIUM         a path someone chose
//   2. playwright                a Chromium installed by `npx playwright install chromium`
//   3. npm                       the optional dependency @sparticuz/chromium (Linux x64): its Brotli
//                                archives are unpacked once into .ibcm-lab/chromium/<version>/;
//                                it needs the system's libsqlite3 (NPM_CHROMIUM_SYSTEM_LIBRARIES)
//   4. system                    /usr/bin/chromium, chromium, chromium-browser, google-chrome on PATH
// IBCM_LAB_CHROMIUM_SOURCE=<one of env, playwright, npm, system> tries that source alone (the tests
// use it to drive the npm-shipped browser on a machine that also has Debian's).
//
// The npm browser is a headless shell built for Amazon Linux: it links NSS, NSPR and expat, which the
// package ships as al2023.tar.br (its own code unpacks them only on AWS Lambda). They are unpacked
// beside the browser and given to the browser process alone through LD_LIBRARY_PATH — the lab's own
// process environment is never changed.
import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import type { Browser, BrowserType, LaunchOptions } from '@playwright/test';
import { x as untar } from 'tar';
import { packageRoot } from '../run/package-root.js';

/**
 * Playwright's Chromium launcher, loaded on first use: the CLI asks here before every run, and
 * loading Playwright (a third of a second) is not needed to learn that the npm browser is unpacked.
 */
function playwrightChromium(): BrowserType {
  const require = createRequire(join(packageRoot(), 'package.json'));
  return (require('@playwright/test') as { chromium: BrowserType }).chromium;
}

export const CHROMIUM_SOURCES = ['env', 'playwright', 'npm', 'system'] as const;
export type ChromiumSource = (typeof CHROMIUM_SOURCES)[number];

export const NPM_CHROMIUM_PACKAGE = '@sparticuz/chromium';

/** A browser that is there. For the npm one, `prepare()` unpacks it (once) before the first launch. */
export interface FoundChromium {
  source: ChromiumSource;
  /** The executable (for npm: where it is, or will be, unpacked). */
  executablePath: string;
  /** The browser's version when known without starting it (npm: the package's, playwright: its manifest's). */
  version: string | null;
  /** One line for people: `npm @sparticuz/chromium 143.0.4 (.ibcm-lab/chromium/143.0.4/chromium)`. */
  describe: string;
  /** The candidates passed over before this one, each with why. */
  passedOver: string[];
  /** Makes the executable ready; returns environment variables for the browser process only. */
  prepare(): Promise<Record<string, string>>;
}

export interface ChromiumNotFound {
  source: null;
  /** One sentence: what was tried and what to do. */
  error: string;
  passedOver: string[];
}

/** One place a browser may be: `find()` answers without side effects. */
export interface ChromiumCandidate {
  source: ChromiumSource;
  find(): Omit<FoundChromium, 'passedOver'> | { missing: string };
}

export interface ChromiumOptions {
  /** Environment read for IBCM_LAB_CHROMIUM and IBCM_LAB_CHROMIUM_SOURCE (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The project root whose node_modules and .ibcm-lab/ are used (default: this package). */
  root?: string;
  /** Replaces the candidates (tests). */
  candidates?: ChromiumCandidate[];
}

/** The candidates in the documented order. */
export function chromiumCandidates(options: ChromiumOptions = {}): ChromiumCandidate[] {
  const env = options.env ?? process.env;
  const root = options.root ?? packageRoot();
  return [envCandidate(env), playwrightCandidate(), npmCandidate(root, env), systemCandidate()];
}

/** The first browser in the order that is there, or why there is none. Never throws, never unpacks. */
export function findChromium(options: ChromiumOptions = {}): FoundChromium | ChromiumNotFound {
  const env = options.env ?? process.env;
  const only = env.IBCM_LAB_CHROMIUM_SOURCE;
  if (only !== undefined && !(CHROMIUM_SOURCES as readonly string[]).includes(only)) {
    return {
      source: null,
      error: `IBCM_LAB_CHROMIUM_SOURCE is "${only}"; use one of ${CHROMIUM_SOURCES.join(', ')} (or unset it to try them in that order)`,
      passedOver: [],
    };
  }
  const candidates = (options.candidates ?? chromiumCandidates(options)).filter((candidate) => !only || candidate.source === only);
  const passedOver: string[] = [];
  for (const candidate of candidates) {
    const found = candidate.find();
    if ('missing' in found) {
      passedOver.push(`${candidate.source}: ${found.missing}`);
      continue;
    }
    return { ...found, passedOver };
  }
  const tried = passedOver.length ? ` (${passedOver.join('; ')})` : '';
  return {
    source: null,
    passedOver,
    error: `no Chromium was found for the browser checks${only ? ` with IBCM_LAB_CHROMIUM_SOURCE=${only}` : ''}${tried}: run "npm ci" on Linux x64 (it installs ${NPM_CHROMIUM_PACKAGE}), or "npx playwright install chromium", or install your distribution's chromium, or set IBCM_LAB_CHROMIUM to a Chromium executable`,
  };
}

/** Why the browser cannot run here, or null. */
export function chromiumMissing(options: ChromiumOptions = {}): string | null {
  const found = findChromium(options);
  return found.source === null ? found.error : null;
}

/** Launches the chosen Chromium through Playwright (unpacking the npm one first if needed). */
export async function launchChromium(
  launch: Omit<LaunchOptions, 'executablePath' | 'env'>,
  options: ChromiumOptions = {},
): Promise<{ browser: Browser; chromium: FoundChromium }> {
  const found = findChromium(options);
  if (found.source === null) throw new Error(found.error);
  const extraEnv = await found.prepare();
  const env = Object.keys(extraEnv).length ? { ...process.env, ...extraEnv } : undefined;
  const browser = await playwrightChromium().launch({ ...launch, executablePath: found.executablePath, ...(env ? { env } : {}) });
  return { browser, chromium: found };
}

const noPreparation = () => Promise.resolve({});

function envCandidate(env: NodeJS.ProcessEnv): ChromiumCandidate {
  return {
    source: 'env',
    find() {
      const path = env.IBCM_LAB_CHROMIUM;
      if (!path) return { missing: 'IBCM_LAB_CHROMIUM is not set' };
      if (!existsSync(path)) return { missing: `IBCM_LAB_CHROMIUM=${path} does not exist` };
      const version = versionOf(path);
      return {
        source: 'env',
        executablePath: path,
        version,
        describe: `IBCM_LAB_CHROMIUM ${path}${version ? ` (${version})` : ''}`,
        prepare: noPreparation,
      };
    },
  };
}

function playwrightCandidate(): ChromiumCandidate {
  return {
    source: 'playwright',
    find() {
      let path: string;
      try {
        path = playwrightChromium().executablePath();
      } catch (error) {
        return { missing: `Playwright names no Chromium (${(error as Error).message.split('\n')[0]})` };
      }
      if (!path || !existsSync(path)) return { missing: `no Playwright-installed Chromium at ${path}` };
      const version = playwrightBrowserVersion();
      return {
        source: 'playwright',
        executablePath: path,
        version,
        describe: `playwright Chromium${version ? ` ${version}` : ''} (${path})`,
        prepare: noPreparation,
      };
    },
  };
}

function playwrightBrowserVersion(): string | null {
  try {
    const require = createRequire(join(packageRoot(), 'package.json'));
    const manifest = JSON.parse(readFileSync(join(dirname(require.resolve('playwright-core/package.json')), 'browsers.json'), 'utf8')) as {
      browsers: { name: string; browserVersion?: string }[];
    };
    return manifest.browsers.find((browser) => browser.name === 'chromium')?.browserVersion ?? null;
  } catch {
    return null;
  }
}

const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function systemCandidate(): ChromiumCandidate {
  return {
    source: 'system',
    find() {
      for (const name of SYSTEM_CHROMIUMS) {
        const path = executableOnPath(name);
        if (!path) continue;
        const version = versionOf(path);
        return {
          source: 'system',
          executablePath: path,
          version,
          describe: `system ${path}${version ? ` (${version})` : ''}`,
          prepare: noPreparation,
        };
      }
      return { missing: `none of ${SYSTEM_CHROMIUMS.join(', ')} is installed` };
    },
  };
}

/** An executable by absolute path, or searched on PATH. (The client may not import the proxies' binaries.ts: test/architecture.) */
function executableOnPath(name: string): string | null {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  return (
    candidates.find((path) => {
      try {
        accessSync(path, constants.X_OK);
        return statSync(path).isFile();
      } catch {
        return false;
      }
    }) ?? null
  );
}

/** `chromium --version`'s first line (Debian's wrapper script may also print noise on stderr), or null. */
function versionOf(path: string): string | null {
  try {
    const out = execFileSync(path, ['--version'], {
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, LC_ALL: 'C' },
    }).toString();
    return (
      out
        .split('\n')
        .map((line) => line.trim())
        .find(Boolean) ?? null
    );
  } catch {
    return null;
  }
}

/** Where the npm package is, or why it is not usable here. */
export function npmChromiumPackage(root: string): { dir: string; version: string; archives: string } | { missing: string } {
  if (process.platform !== 'linux') return { missing: `${NPM_CHROMIUM_PACKAGE} ships a Linux browser only (this is ${process.platform})` };
  let dir: string;
  try {
    const require = createRequire(join(root, 'package.json'));
    // Its exports map hides package.json: resolve the entry point and walk up to the package.
    dir = dirname(require.resolve(NPM_CHROMIUM_PACKAGE));
    while (
      !existsSync(join(dir, 'package.json')) ||
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== NPM_CHROMIUM_PACKAGE
    ) {
      if (dirname(dir) === dir) throw new Error('no package.json');
      dir = dirname(dir);
    }
  } catch {
    return { missing: `the optional dependency ${NPM_CHROMIUM_PACKAGE} is not installed (npm skips it where it cannot be used)` };
  }
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  // The npm package carries the x64 build in bin/; an arm64 build, where a version ships one, is in bin/arm64/.
  const archives = [join(dir, 'bin', process.arch), ...(process.arch === 'x64' ? [join(dir, 'bin')] : [])].find((candidate) =>
    existsSync(join(candidate, 'chromium.br')),
  );
  if (!archives) return { missing: `${NPM_CHROMIUM_PACKAGE} ${version} has no browser for linux ${process.arch} (it ships x64)` };
  return { dir, version, archives };
}

/**
 * System libraries the npm browser needs that its archives do not ship: its NSS softoken
 * (lib/libsoftokn3.so) links libsqlite3, which Amazon Linux has and a minimal Debian/Ubuntu image
 * lacks. Without it NSS cannot start and Chromium aborts at its first TLS connection.
 * Debian/Ubuntu package names; `ibcm-lab doctor --install` installs them.
 */
export const NPM_CHROMIUM_SYSTEM_LIBRARIES: { soname: string; debian: string; fedora: string }[] = [
  { soname: 'libsqlite3.so.0', debian: 'libsqlite3-0', fedora: 'sqlite-libs' },
];

/** Which of those this machine lacks: looked up as the dynamic loader does (LD_LIBRARY_PATH, ld.so.cache, the default directories). */
export function missingSystemLibraries(env: NodeJS.ProcessEnv = process.env): typeof NPM_CHROMIUM_SYSTEM_LIBRARIES {
  let cache = '';
  try {
    // The loader's cache names every library it knows as a plain string.
    cache = readFileSync('/etc/ld.so.cache', 'latin1');
  } catch {
    // No cache (e.g. musl): the directories below decide.
  }
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/lib64',
    '/usr/lib64',
    '/lib',
    '/usr/lib',
  ];
  return NPM_CHROMIUM_SYSTEM_LIBRARIES.filter(
    (library) => !cache.includes(library.soname) && !dirs.some((dir) => existsSync(join(dir, library.soname))),
  );
}

/** Where the npm browser of `version` is unpacked. */
function npmChromiumTarget(root: string, version: string): string {
  return join(root, '.ibcm-lab', 'chromium', version);
}

/** Is the npm browser already unpacked here (then nothing needs preparing, whichever browser is chosen)? */
export function npmChromiumUnpacked(root: string): boolean {
  const pkg = npmChromiumPackage(root);
  return !('missing' in pkg) && existsSync(join(npmChromiumTarget(root, pkg.version), 'chromium'));
}

function npmCandidate(root: string, env: NodeJS.ProcessEnv): ChromiumCandidate {
  return {
    source: 'npm',
    find() {
      const pkg = npmChromiumPackage(root);
      if ('missing' in pkg) return { missing: pkg.missing };
      const lacking = missingSystemLibraries(env);
      if (lacking.length) {
        const names = lacking.map((library) => library.soname).join(', ');
        return {
          missing: `${NPM_CHROMIUM_PACKAGE} ${pkg.version} needs ${names}, which this machine lacks (Debian/Ubuntu: apt-get install ${lacking.map((library) => library.debian).join(' ')}; Fedora/RHEL: dnf install ${lacking.map((library) => library.fedora).join(' ')}; npm test installs it)`,
        };
      }
      const target = npmChromiumTarget(root, pkg.version);
      const executablePath = join(target, 'chromium');
      return {
        source: 'npm',
        executablePath,
        version: pkg.version,
        describe: `npm ${NPM_CHROMIUM_PACKAGE} ${pkg.version} (${executablePath}${existsSync(executablePath) ? '' : ', unpacked at first use'})`,
        async prepare() {
          if (!existsSync(executablePath)) await unpackNpmChromium(pkg.archives, target);
          return {
            LD_LIBRARY_PATH: [join(target, 'lib'), env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
            FONTCONFIG_FILE: join(target, 'fonts.conf'),
          };
        },
      };
    },
  };
}

/**
 * Unpacks the package's archives into `target`: the browser (chromium.br, one Brotli file), the
 * SwiftShader GL libraries it loads from its own directory, the Amazon Linux libraries (lib/) and
 * Open Sans (fonts/). Into a private directory first, renamed into place at the end, so parallel
 * workers never see half a browser and a crash leaves nothing that looks complete.
 */
export async function unpackNpmChromium(archives: string, target: string): Promise<void> {
  const scratch = `${target}.unpacking-${process.pid}-${Date.now()}`;
  mkdirSync(scratch, { recursive: true });
  try {
    await pipeline(
      createReadStream(join(archives, 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(join(scratch, 'chromium'), { mode: 0o755 }),
    );
    for (const archive of ['swiftshader.tar.br', 'al2023.tar.br', 'fonts.tar.br']) {
      if (existsSync(join(archives, archive)))
        await pipeline(createReadStream(join(archives, archive)), createBrotliDecompress(), untar({ cwd: scratch }));
    }
    // The package's fonts.conf names Lambda's directories; ours names the bundled fonts and the system's.
    writeFileSync(
      join(scratch, 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        `  <dir>${join(target, 'fonts')}</dir>`,
        '  <dir>/usr/share/fonts</dir>',
        '  <dir>/usr/local/share/fonts</dir>',
        '  <dir prefix="xdg">fonts</dir>',
        `  <cachedir>${join(target, 'fontconfig-cache')}</cachedir>`,
        '  <include ignore_missing="yes">/etc/fonts/conf.d</include>',
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    try {
      renameSync(scratch, target);
    } catch (error) {
      // Another worker finished first: its copy is as good as ours.
      if (!existsSync(join(target, 'chromium'))) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // An upgraded package leaves the previous version's 200 MB behind: only the current one is kept.
  for (const entry of readdirSync(dirname(target))) {
    if (/^\d+(\.\d+)*$/.test(entry) && join(dirname(target), entry) !== target)
      rmSync(join(dirname(target), entry), { recursive: true, force: true });
  }
}
