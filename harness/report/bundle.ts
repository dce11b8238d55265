// The evidence bundle (`ibcm-lab run --bundle <file>`): one .tar.gz, its top folder named with the
// run id, holding everything needed to show a customer what was tested and to run it again — in
// the spirit of Sonobuoy's result tarball with its meta/ folder:
//
//   <run id>/README.txt                 what is where, and the command that re-runs it
//   <run id>/meta/run.json              run id, times, command, exit code, summary, platform
//   <run id>/meta/versions.json         the lab, its npm dependencies, and every binary the run used
//   <run id>/meta/proxy-configs.json    each lab's proxy contract and configuration files, SHA-256
//   <run id>/meta/manifest.json         every file of the bundle with its size and SHA-256
//   <run id>/results/results.json       the results (per requirement × mode: verdict, reason, evidence)
//   <run id>/results/junit.xml          the same as JUnit
//   <run id>/topology/topology.yaml     the topology as given, with its digests (topology/digest.txt)
//   <run id>/labs/<lab>/…               lab.json, the full journals, DNS and proxy logs, the proxy
//                                       contract, configuration and logs, certificates and CRLs
//
// No private key goes in: the keys/ folders, PKCS#12 files and any file holding a PEM private key
// (HAProxy's combined certificate+key files, for one) are left out, and the manifest says so.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, release } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { create as createTar } from 'tar';
import { packageRoot } from '../run/package-root.js';
import { findChromium } from '../client/chromium.js';
import { binaryVersion, findBinary } from '../proxies/binaries.js';
import { renderJunit } from './junit.js';
import { readLabFacts } from './lab-evidence.js';
import type { RunResults } from './results.js';

export interface BundleInput {
  results: RunResults;
  /** The run's directory (.ibcm-lab/runs/<run id>): the labs' files are read from there. */
  runDir: string;
  /** The topology YAML the run used (a preset's file for a preset). */
  topologyFile: string;
  /** The ibcm-lab command line of the run, for README and meta/run.json. */
  command: string[];
  /** Binaries the run used (the proxy's, Chromium for the browser checks). */
  binaries: string[];
}

export interface BundleSummary {
  file: string;
  root: string;
  files: number;
  bytes: number;
  excluded: string[];
}

const SKIPPED_DIRS = new Set(['keys', 'temp', 'playwright', 'bundle-staging']);
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export async function writeEvidenceBundle(file: string, input: BundleInput): Promise<BundleSummary> {
  const target = resolve(file);
  const root = input.results.runId.replace(/[^A-Za-z0-9_.-]/g, '_');
  const staging = join(input.runDir, 'bundle-staging');
  rmSync(staging, { recursive: true, force: true });
  const top = join(staging, root);
  const excluded: string[] = [];
  try {
    const put = (path: string, content: string | Buffer) => {
      const destination = join(top, path);
      mkdirSync(dirname(destination), { recursive: true });
      writeFileSync(destination, content);
    };

    put('results/results.json', JSON.stringify(input.results, null, 2) + '\n');
    put('results/junit.xml', renderJunit(input.results));

    const yaml = existsSync(input.topologyFile) ? readFileSync(input.topologyFile) : Buffer.from('');
    put('topology/topology.yaml', yaml);
    put(
      'topology/digest.txt',
      `topology ${input.results.topology.name} (${input.results.topology.source})\nvalidated model (canonical JSON): ${input.results.topology.digest}\nthis YAML file: sha256:${sha256(yaml)}\n`,
    );

    // Every lab's directory, filtered.
    const labs = readLabFacts(input.runDir);
    for (const lab of labs) copyFiltered(lab.dir, join(top, 'labs', lab.name), `labs/${lab.name}`, excluded);

    const proxyConfigs = labs.map((lab) => ({
      lab: lab.name,
      mode: lab.mode,
      proxy: lab.proxy,
      files: listFiles(join(top, 'labs', lab.name, 'proxy'))
        .filter((path) => !path.split('/').includes('logs'))
        .map((path) => ({ path: `labs/${lab.name}/proxy/${path}`, ...digestOf(join(top, 'labs', lab.name, 'proxy', path)) })),
    }));
    put('meta/proxy-configs.json', JSON.stringify(proxyConfigs, null, 2) + '\n');

    // The browser is whichever the resolver picked (harness/client/chromium.ts), not necessarily the system's.
    const browser = () => {
      const found = findChromium();
      return { name: 'chromium', path: found.source ? found.executablePath : null, version: found.source ? found.describe : found.error };
    };
    const binaries = await Promise.all(
      [...new Set(input.binaries)].map(async (name) =>
        name === 'chromium' ? browser() : { name, path: findBinary(name), version: await binaryVersion(name) },
      ),
    );
    put(
      'meta/versions.json',
      JSON.stringify({ lab: input.results.versions, source: labSource(), dependencies: dependencyVersions(), binaries }, null, 2) + '\n',
    );
    put(
      'meta/run.json',
      JSON.stringify(
        {
          runId: input.results.runId,
          startedAt: input.results.startedAt,
          finishedAt: input.results.finishedAt,
          durationMs: input.results.durationMs,
          command: input.command,
          driver: input.results.driver,
          proxy: input.results.proxy,
          modes: input.results.modes,
          grep: input.results.grep,
          topology: input.results.topology,
          exitCode: input.results.summary.exitCode,
          summary: input.results.summary,
          labs: labs.map((lab) => ({ name: lab.name, mode: lab.mode, proxy: lab.proxy, startupMs: lab.startupMs })),
          platform: { os: platform(), release: release(), arch: arch(), node: process.versions.node, openssl: process.versions.openssl },
          excluded,
        },
        null,
        2,
      ) + '\n',
    );
    put('README.txt', readme(input, root, excluded));

    const files = listFiles(top);
    const manifest = files.map((path) => ({ path, ...digestOf(join(top, path)) }));
    put('meta/manifest.json', JSON.stringify({ root, files: manifest, excluded }, null, 2) + '\n');

    mkdirSync(dirname(target), { recursive: true });
    await createTar({ gzip: true, file: target, cwd: staging, portable: true }, [root]);
    return { file: target, root, files: files.length + 1, bytes: statSync(target).size, excluded };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Copies a lab's directory into the bundle, leaving out keys and anything holding one. */
function copyFiltered(source: string, destination: string, label: string, excluded: string[]): void {
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const name = `${label}/${entry.name}`;
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name)) {
        excluded.push(`${name}/ (${entry.name === 'keys' ? 'private keys' : 'scratch'})`);
        continue;
      }
      copyFiltered(from, join(destination, entry.name), name, excluded);
      continue;
    }
    if (!entry.isFile() || lstatSync(from).isSymbolicLink()) continue;
    if (/\.(p12|pfx|key)$/i.test(entry.name)) {
      excluded.push(`${name} (PKCS#12 or key file)`);
      continue;
    }
    const size = statSync(from).size;
    if (size > MAX_FILE_BYTES) {
      excluded.push(`${name} (${size} bytes, over the bundle's per-file limit)`);
      continue;
    }
    if (PRIVATE_KEY.test(readFileSync(from, 'latin1'))) {
      excluded.push(`${name} (holds a private key)`);
      continue;
    }
    mkdirSync(destination, { recursive: true });
    copyFileSync(from, join(destination, entry.name));
  }
}

/** Files under a directory as `/`-separated relative paths, sorted. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function digestOf(path: string): { bytes: number; sha256: string } {
  const data = readFileSync(path);
  return { bytes: data.length, sha256: sha256(data) };
}

/** The lab's own source: its version, and the git commit when it runs from a checkout. */
function labSource(): { version: string; gitCommit: string | null; gitDirty: boolean | null } {
  const root = packageRoot();
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }).trim();
    } catch {
      return null;
    }
  };
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit ? git(['status', '--porcelain', '--untracked-files=no']) : null;
  return { version, gitCommit: commit, gitDirty: status === null ? null : status.length > 0 };
}

/** The installed version of every npm dependency the lab declares. */
function dependencyVersions(): Record<string, string> {
  const root = packageRoot();
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const require = createRequire(join(root, 'package.json'));
  return Object.fromEntries(
    Object.keys(manifest.dependencies ?? {})
      .sort()
      .map((name) => {
        try {
          return [name, (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version];
        } catch {
          try {
            return [
              name,
              (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version,
            ];
          } catch {
            return [name, 'unknown'];
          }
        }
      }),
  );
}

function readme(input: BundleInput, root: string, excluded: string[]): string {
  const r = input.results;
  const rerun = [
    'npx',
    'ibcm-lab',
    'run',
    '--proxy',
    r.proxy,
    '--mode',
    r.modes.length > 1 ? 'all' : r.modes[0]!,
    '--topology',
    `${root}/topology/topology.yaml`,
    ...(r.grep ? ['--grep', r.grep] : []),
  ];
  return [
    `ibcm-lab evidence bundle — run ${r.runId}`,
    '',
    `Proxy ${r.proxy}, modes ${r.modes.join(', ')}, topology ${r.topology.name} (${r.topology.digest}).`,
    `Verdict: exit code ${r.summary.exitCode} — ${r.summary.passed} passed, ${r.summary.failed} failed, ${r.summary.error} could not run, ${r.summary.expectedFailures} expected failures, ${r.summary.unexpectedPasses} unexpected passes, ${r.summary.notApplicable} not applicable, ${r.summary.notCovered} not yet covered${r.summary.model ? `; apart from these, ${r.summary.model.passed} model checks (the client simulator's own logic) passed${r.summary.model.notPassed ? `, ${r.summary.model.notPassed} did not` : ''}` : ''}.`,
    '',
    'What is where',
    '  results/results.json     per requirement and mode: verdict, reason, evidence (client view, journal, proxy log)',
    '  results/junit.xml        the same in Maven Surefire JUnit format',
    '  topology/                the topology YAML as given and its digests',
    '  labs/<lab>/lab.json      hosts, addresses, ports and certificates of each lab',
    '  labs/<lab>/evidence/     every request each site system received (journals), DNS queries per view, the proxy log',
    '  labs/<lab>/proxy/        the proxy contract, the proxy configuration files and logs',
    '  labs/<lab>/pki/          the certificates and CRLs of the lab (no private keys)',
    '  meta/                    run, versions (lab, npm dependencies, binaries), proxy configuration digests, manifest',
    '',
    'To run it again (same lab version, see meta/versions.json):',
    `  ${rerun.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ')}`,
    `The original command: ibcm-lab ${input.command.join(' ')}`,
    '',
    `Left out (${excluded.length}): private keys and scratch files${excluded.length ? ' — see meta/manifest.json' : ''}.`,
    '',
  ].join('\n');
}
