// The conformance runner and each of its workers load the whole harness and every suite (some 280
// modules). From TypeScript, Playwright compiles each through its loader hooks — on Node 20 hooks
// that run on a thread of their own, a message exchange per module — in every process, every run.
// So the CLI compiles the suites once (esbuild, a few hundred milliseconds) into a cache folder and
// the runner loads plain JavaScript with Playwright's loader turned off (PW_DISABLE_TS_ESM): about
// a second of CPU less per process on Node 20. The folder is keyed by the sources' content, so an
// edited file is compiled again at the next run; inline source maps keep stack traces and check
// locations pointing at the TypeScript. When the folder cannot be made (a read-only install), the
// runner loads the TypeScript as before: slower, same verdicts. IBCM_LAB_SUITES_FROM_SOURCE=1 does
// that on purpose.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

export const FROM_SOURCE_ENV = 'IBCM_LAB_SUITES_FROM_SOURCE';

/** What the runner is given: its config and the folder the suites were compiled into. */
export interface CompiledSuites {
  dir: string;
  config: string;
}

/** The folders the runner loads (the config imports the harness; the suites import harness and certs). */
const SOURCE_DIRS = ['harness', 'suites', 'certs'];
const CONFIG = 'playwright.config.ts';
/** Compiled folders older than this (other versions of the sources) are removed when a new one is made. */
const STALE_MS = 24 * 3600_000;

export async function compiledSuites(root: string, env: NodeJS.ProcessEnv = process.env): Promise<CompiledSuites | undefined> {
  if (env[FROM_SOURCE_ENV] === '1') return undefined;
  try {
    const sources = [...SOURCE_DIRS.flatMap((dir) => typeScriptFiles(root, dir)), CONFIG];
    const { version } = createRequire(import.meta.url)('esbuild/package.json') as { version: string };
    const digest = createHash('sha256').update(`esbuild ${version}\n`);
    for (const file of sources)
      digest
        .update(`${file}\n`)
        .update(readFileSync(join(root, file)))
        .update('\n');
    const cache = join(root, 'node_modules', '.cache', 'ibcm-lab', 'suites');
    const dir = join(cache, digest.digest('hex').slice(0, 16));
    const compiled = { dir, config: join(dir, CONFIG.replace(/\.ts$/, '.js')) };
    if (existsSync(join(dir, 'package.json'))) return compiled;

    // Made aside and renamed into place, so a run never loads half a folder and two runs at once
    // both end with a whole one.
    const making = `${dir}.${process.pid}.tmp`;
    rmSync(making, { recursive: true, force: true });
    const { build } = await import('esbuild');
    await build({
      absWorkingDir: root,
      entryPoints: sources,
      outdir: making,
      outbase: root,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      sourcesContent: false,
      logLevel: 'silent',
    });
    // The compiled modules are ES modules like their sources (the package is "type": "module").
    writeFileSync(join(making, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
    try {
      renameSync(making, dir);
    } catch {
      rmSync(making, { recursive: true, force: true }); // another run put the same folder in place first
    }
    removeStale(cache, dir);
    return existsSync(join(dir, 'package.json')) ? compiled : undefined;
  } catch {
    return undefined;
  }
}

function typeScriptFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => relative(root, join(root, dir, file)))
    .sort();
}

function removeStale(cache: string, keep: string): void {
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    if (path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone already (another run removed it).
    }
  }
}
