// The lab's container images (images/): built here, where no registry exists, and reused while
// nothing they are made of has changed.
//
//   ibcm-lab/base:<tag>     Debian bookworm with every binary any image needs (images/base/bootstrap.sh:
//                           debootstrap + docker import; or images/base/Dockerfile FROM a Debian image
//                           on a machine with Docker Hub)
//   ibcm-lab/node:<tag>     base + this machine's node binary + the lab (/opt/ibcm-lab): runs any lab host
//   ibcm-lab/<proxy>:<tag>  node + IBCM_LAB_PROXY=<proxy>, entry `ibcm-lab proxy-serve` (bin/ibcm-lab-proxy.mjs)
//                           for nginx, haproxy, squid; the Node and faulty proxies run in the node image
//
// Every <tag> is a content hash of the image's inputs: the files that go into it (each by SHA-256) and
// the reference of the image it is built FROM, which is itself a content hash. So an unchanged input
// set names an image that already exists and nothing is built ("reusing what is already built"), a
// changed file gives a new tag for that image and everything FROM it, and two checkouts with the same
// content share their images. Each image is also tagged `:latest` for people at a shell.
//
// Builds shell out to the docker CLI (`docker build --network none`, `docker import`) rather than
// dockerode's buildImage: the CLI streams the 100 MB build context from disk itself, works with the
// legacy builder and BuildKit alike, and its error output is what a user can act on. dockerode
// answers the questions (is an engine there, which version, which images exist) and removes images.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { processAlive } from './process-alive.js';
import { IbcmLabError } from '../../errors.js';
import { packageRoot } from '../../run/package-root.js';

export const PROXY_IMAGE_NAMES = ['nginx', 'haproxy', 'squid'] as const;
export type ProxyImageName = (typeof PROXY_IMAGE_NAMES)[number];
export type ImageName = 'base' | 'node' | ProxyImageName;
/** Build order: each image is FROM the one before it (the proxies are all FROM node). */
export const IMAGE_NAMES: readonly ImageName[] = ['base', 'node', ...PROXY_IMAGE_NAMES];

/** The label every lab image carries (value: its name); `listLabImages()` filters on it. */
export const IMAGE_LABEL = 'io.ibcm-lab.image';
/** The label holding the full content hash of the image's inputs. */
export const INPUTS_LABEL = 'io.ibcm-lab.inputs';
export const REPOSITORY_PREFIX = 'ibcm-lab/';
/** Bump when the way an image is assembled changes without any input file changing. */
const RECIPE_VERSION = 'ibcm-lab-images/1';
const TAG_LENGTH = 12;

/** Where an image's base comes from: `debootstrap` (default, no registry needed) or a Debian image ref for images/base/Dockerfile. */
export type BaseSource = 'debootstrap' | { from: string };

/**
 * Only for `--base <debian image>`: images/base/Dockerfile runs apt-get, which needs the network.
 * Its build runs on this user-defined network (NAT through the engine), never the default bridge;
 * the subnet is inside 198.18.0.0/15 and away from both the engine's default pool (198.18.128.0/17)
 * and the labs' networks (198.19.0.0/16, networks.ts).
 */
export const BUILD_NETWORK = { name: 'ibcm-lab-build', subnet: '198.18.127.0/24', gateway: '198.18.127.1' } as const;

export type ImageRefs = Record<ImageName, string>;

export interface ImageProgress {
  image: ImageName;
  ref: string;
  state: 'reused' | 'building' | 'built' | 'output';
  /** build time (state 'built') */
  ms?: number;
  /** one line of build output (state 'output') */
  line?: string;
}

export interface EnsureImagesOptions {
  /** Build again even when an image with the same inputs exists (base: a fresh debootstrap). */
  rebuild?: boolean;
  onProgress?: (event: ImageProgress) => void;
  base?: BaseSource;
  /** Default: the repository this file belongs to. */
  root?: string;
}

/** Images could not be built or inspected; the message says what to do. */
export class ImageError extends IbcmLabError {
  constructor(message: string) {
    super(message, 'IBCM_IMAGES');
  }
}

export const START_ENGINE_ADVICE =
  'start one, e.g. as root: dockerd --bridge=none --default-address-pool base=198.18.128.0/17,size=24 >/var/log/dockerd.log 2>&1 & ' +
  '(no default bridge, every pool inside 198.18.0.0/15; see research/platform-notes.md), or point DOCKER_HOST at a running engine';

// ---------------------------------------------------------------------------------------------
// Content hashes (pure)
// ---------------------------------------------------------------------------------------------

/** One input of an image: where it lands in the build context and what it is. */
export interface InputEntry {
  /** Path inside the build context, with '/' separators. */
  path: string;
  /** 'file' with the SHA-256 of its bytes, or 'symlink' with its target. */
  kind: 'file' | 'symlink';
  digest: string;
  /** Files only: whether any execute bit is set (it survives COPY). */
  executable?: boolean;
}

export interface ImageRecipe {
  image: ImageName;
  /** The image it is built FROM (a content-hashed ref), or a description of where the base comes from. */
  from: string;
  inputs: InputEntry[];
}

/** The full content hash of a recipe: independent of the order the inputs were found in. */
export function recipeHash(recipe: ImageRecipe): string {
  const hash = createHash('sha256');
  hash.update(`${RECIPE_VERSION}\0${recipe.image}\0${recipe.from}\0`);
  const sorted = [...recipe.inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let index = 0; index < sorted.length; index++) {
    const entry = sorted[index]!;
    if (index > 0 && sorted[index - 1]!.path === entry.path) throw new Error(`two inputs at ${entry.path}`);
    hash.update(`${entry.path}\0${entry.kind}\0${entry.digest}\0${entry.executable ? 'x' : '-'}\n`);
  }
  return hash.digest('hex');
}

/** The tag of an image: the first 12 hex digits of its recipe hash. */
export function imageTag(recipe: ImageRecipe): string {
  return recipeHash(recipe).slice(0, TAG_LENGTH);
}

export function imageRef(image: ImageName, tag: string): string {
  return `${REPOSITORY_PREFIX}${image}:${tag}`;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Inputs on disk
// ---------------------------------------------------------------------------------------------

/** A file or symlink to put into a build context: `path` inside the context, `source` on disk. */
export interface ContextFile extends InputEntry {
  source: string;
}

/** What of the project goes into the node image (under /opt/ibcm-lab), besides node_modules. */
export const PROJECT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'playwright.config.ts'];
export const PROJECT_DIRS = ['bin', 'harness', 'suites', 'certs', 'docs', 'examples'];

/**
 * File digests remembered by (size, mtime, ctime, inode), as git's index does, so working out the refs
 * does not read 200 MB (the node binary, node_modules) every time. A file changed in the last two
 * seconds is always read again: its timestamps could still match a later write ("racy" entries).
 */
interface CachedDigest {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  digest: string;
}
const digestCache = { file: '', entries: new Map<string, CachedDigest>(), dirty: false };
const RACY_MS = 2_000;

function loadDigestCache(root: string): void {
  const file = join(workDir(root), 'digests.json');
  if (digestCache.file === file) return;
  digestCache.file = file;
  digestCache.dirty = false;
  try {
    digestCache.entries = new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, CachedDigest>));
  } catch {
    digestCache.entries = new Map();
  }
}

function saveDigestCache(keep: ReadonlySet<string>): void {
  if (!digestCache.file) return;
  for (const source of digestCache.entries.keys()) {
    if (!keep.has(source)) {
      digestCache.entries.delete(source);
      digestCache.dirty = true;
    }
  }
  if (!digestCache.dirty) return;
  try {
    mkdirSync(dirname(digestCache.file), { recursive: true });
    const temporary = `${digestCache.file}.${process.pid}`;
    writeFileSync(temporary, JSON.stringify(Object.fromEntries(digestCache.entries)));
    renameSync(temporary, digestCache.file);
    digestCache.dirty = false;
  } catch {
    // a cache that cannot be written only costs time
  }
}

function fileDigest(source: string, stat: Stats): string {
  const cached = digestCache.entries.get(source);
  if (
    cached &&
    cached.size === stat.size &&
    cached.mtimeMs === stat.mtimeMs &&
    cached.ctimeMs === stat.ctimeMs &&
    cached.ino === stat.ino &&
    Date.now() - stat.mtimeMs > RACY_MS
  )
    return cached.digest;
  const digest = sha256(readFileSync(source));
  digestCache.entries.set(source, { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, digest });
  digestCache.dirty = true;
  return digest;
}

function describe(source: string, path: string): ContextFile {
  const stat = lstatSync(source);
  if (stat.isSymbolicLink()) return { path, source, kind: 'symlink', digest: readlinkSync(source) };
  return { path, source, kind: 'file', digest: fileDigest(source, stat), executable: (stat.mode & 0o111) !== 0 };
}

/** Every file under `dir` (symlinks kept as links), skipping directories named in `skipDirs`. */
function walk(dir: string, contextDir: string, out: ContextFile[], skipDirs: ReadonlySet<string> = new Set()): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const source = join(dir, entry.name);
    const path = `${contextDir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!skipDirs.has(entry.name)) walk(source, path, out, skipDirs);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      out.push(describe(source, path));
    }
  }
}

/**
 * The production packages (what `npm ls --omit=dev --all` lists, tsx among them), from the
 * lockfile's `packages` map: every installed node_modules/… entry not marked dev or devOptional.
 */
export function productionPackages(
  lockfile: { packages?: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }> },
  exists: (path: string) => boolean,
): string[] {
  return Object.entries(lockfile.packages ?? {})
    .filter(([path, info]) => path.startsWith('node_modules/') && !info.dev && !info.devOptional && !info.link && exists(path))
    .map(([path]) => path)
    .sort();
}

/** The node image's build context: the node binary, the Dockerfile and the lab under app/. */
export function nodeContextFiles(root: string, nodeBinary = process.execPath): ContextFile[] {
  const files: ContextFile[] = [];
  files.push(describe(join(root, 'images/node/Dockerfile'), 'Dockerfile'));
  files.push(describe(realpathSync(nodeBinary), 'node'));
  for (const file of PROJECT_FILES) if (existsSync(join(root, file))) files.push(describe(join(root, file), `app/${file}`));
  for (const dir of PROJECT_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir), `app/${dir}`, files);
  const lockfile = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  // Each package without its nested node_modules: nested production packages are entries of their own.
  for (const pkg of productionPackages(lockfile, (path) => existsSync(join(root, path))))
    walk(join(root, pkg), `app/${pkg}`, files, new Set(['node_modules']));
  return files;
}

function requireFile(path: string, what: string): string {
  if (!existsSync(path)) throw new ImageError(`${what} is missing (${path}); building images needs the ibcm-lab source checkout`);
  return path;
}

interface Plan {
  refs: ImageRefs;
  recipes: Record<ImageName, ImageRecipe>;
  nodeContext: ContextFile[];
}

function plan(root: string, base: BaseSource): Plan {
  loadDigestCache(root);
  const planned = planWithDigests(root, base);
  saveDigestCache(
    new Set(
      [...planned.nodeContext, ...Object.values(planned.recipes).flatMap((recipe) => recipe.inputs)]
        .map((entry) => (entry as ContextFile).source)
        .filter(Boolean),
    ),
  );
  return planned;
}

function planWithDigests(root: string, base: BaseSource): Plan {
  const baseRecipe: ImageRecipe =
    base === 'debootstrap'
      ? {
          image: 'base',
          from: `debootstrap:${process.arch}`,
          inputs: [describe(requireFile(join(root, 'images/base/bootstrap.sh'), 'images/base/bootstrap.sh'), 'bootstrap.sh')],
        }
      : {
          image: 'base',
          from: `dockerfile:${base.from}:${process.arch}`,
          inputs: [describe(requireFile(join(root, 'images/base/Dockerfile'), 'images/base/Dockerfile'), 'Dockerfile')],
        };
  const refs = {} as ImageRefs;
  const recipes = {} as Record<ImageName, ImageRecipe>;
  refs.base = imageRef('base', imageTag(baseRecipe));
  recipes.base = baseRecipe;
  requireFile(join(root, 'images/node/Dockerfile'), 'images/node/Dockerfile');
  const nodeContext = nodeContextFiles(root);
  recipes.node = { image: 'node', from: refs.base, inputs: nodeContext };
  refs.node = imageRef('node', imageTag(recipes.node));
  for (const proxy of PROXY_IMAGE_NAMES) {
    recipes[proxy] = {
      image: proxy,
      from: refs.node,
      inputs: [describe(requireFile(join(root, `images/${proxy}/Dockerfile`), `images/${proxy}/Dockerfile`), 'Dockerfile')],
    };
    refs[proxy] = imageRef(proxy, imageTag(recipes[proxy]));
  }
  return { refs, recipes, nodeContext };
}

/** The refs the current sources give (nothing is built or asked of Docker). */
export async function imageRefs(options: Pick<EnsureImagesOptions, 'base' | 'root'> = {}): Promise<ImageRefs> {
  return plan(options.root ?? packageRoot(), options.base ?? 'debootstrap').refs;
}

/** The image a proxy host runs: its own reference image for nginx/haproxy/squid, else the node image (`proxy-serve --proxy <name>`). */
export function proxyImage(refs: ImageRefs, proxy: string): string {
  return (PROXY_IMAGE_NAMES as readonly string[]).includes(proxy) ? refs[proxy as ProxyImageName] : refs.node;
}

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

/** Where the engine is expected, for messages. */
export function engineAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** A client for the engine DOCKER_HOST names (or the local socket); `timeoutMs` bounds each request — questions are quick, removing an image is not. */
export function dockerClient(timeoutMs = 10_000): Docker {
  return new Docker({ timeout: timeoutMs });
}

export type EngineInfo =
  | { reachable: true; address: string; serverVersion: string; apiVersion: string; minApiVersion?: string; os: string; arch: string }
  | { reachable: false; address: string; reason: string };

/** Whether an engine answers, and its versions. Never throws. */
export async function engineInfo(docker = dockerClient()): Promise<EngineInfo> {
  const address = engineAddress();
  try {
    const version = await docker.version();
    return {
      reachable: true,
      address,
      serverVersion: version.Version,
      apiVersion: version.ApiVersion,
      minApiVersion: version.MinAPIVersion,
      os: version.Os,
      arch: version.Arch,
    };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { reachable: false, address, reason: String(reason) };
  }
}

export async function requireEngine(docker = dockerClient()): Promise<Extract<EngineInfo, { reachable: true }>> {
  const info = await engineInfo(docker);
  if (!info.reachable) throw new ImageError(`no Docker engine answers at ${info.address} (${info.reason}): ${START_ENGINE_ADVICE}`);
  return info;
}

export interface LabImage {
  /** The lab image name from its label: base, node, nginx, … */
  image: string;
  id: string;
  tags: string[];
  created: Date;
  sizeBytes: number;
  inputs?: string;
}

/** Every image carrying the lab's label, newest first. */
export async function listLabImages(docker = dockerClient()): Promise<LabImage[]> {
  const images = await docker.listImages({ filters: JSON.stringify({ label: [IMAGE_LABEL] }) } as unknown as Docker.ListImagesOptions);
  return images
    .map((image) => ({
      image: image.Labels?.[IMAGE_LABEL] ?? '?',
      id: image.Id,
      tags: (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>').sort(),
      created: new Date(image.Created * 1000),
      sizeBytes: image.Size,
      inputs: image.Labels?.[INPUTS_LABEL],
    }))
    .sort((a, b) => b.created.getTime() - a.created.getTime());
}

export interface PruneResult {
  removed: string[];
  /** Images kept because a container (running or stopped) still uses them. */
  inUse: string[];
}

/**
 * Removes lab images that the current sources do not use (older content hashes, untagged leftovers
 * of builds), except those a container still uses. The current images are never touched.
 */
export async function pruneLabImages(
  options: Pick<EnsureImagesOptions, 'base' | 'root'> = {},
  docker = dockerClient(120_000),
): Promise<PruneResult> {
  await requireEngine(docker);
  const current = new Set(Object.values(await imageRefs(options)));
  const result: PruneResult = { removed: [], inUse: [] };
  for (const image of await listLabImages(docker)) {
    if (image.tags.some((tag) => current.has(tag))) continue;
    // Tags one by one (an image with several tags is not removed by id); the last one removes the image.
    const names = image.tags.length ? image.tags : [image.id];
    for (const name of names) {
      try {
        await docker.getImage(name).remove();
        result.removed.push(name);
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 409) result.inUse.push(name);
        else if (status !== 404) throw new ImageError(`cannot remove ${name}: ${(error as Error).message}`);
      }
    }
  }
  return result;
}

async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw new ImageError(`cannot inspect ${ref}: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

function findExecutable(name: string, extra: string[] = ['/usr/local/sbin', '/usr/sbin', '/sbin']): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), ...extra]) {
    const candidate = join(dir, name);
    try {
      if (lstatSync(candidate).isFile() || lstatSync(realpathSync(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Runs a command; every output line goes to `onLine`; rejects with the last lines on failure. */
function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void; what: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const take = (stream: NodeJS.ReadableStream) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split(/\r?\n|\r/);
        pending = lines.pop()!;
        for (const line of lines) {
          if (!line.trim()) continue;
          tail.push(line);
          if (tail.length > 25) tail.shift();
          options.onLine?.(line);
        }
      });
      stream.on('end', () => {
        if (pending.trim()) {
          tail.push(pending);
          options.onLine?.(pending);
        }
      });
    };
    take(child.stdout!);
    take(child.stderr!);
    child.on('error', (error) => reject(new ImageError(`${options.what}: cannot run ${command}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new ImageError(`${options.what} failed (${signal ? `signal ${signal}` : `exit code ${code}`}); last lines:\n${tail.join('\n')}`),
        );
    });
  });
}

/** Copies the context files into `dir` (hard links where the file system allows; the context is thrown away after the build). */
export function writeContext(dir: string, files: ContextFile[]): void {
  mkdirSync(dir, { recursive: true });
  const made = new Set<string>();
  for (const file of files) {
    const target = join(dir, ...file.path.split('/'));
    const parent = dirname(target);
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    if (file.kind === 'symlink') {
      symlinkSync(file.digest, target);
      continue;
    }
    try {
      linkSync(file.source, target);
    } catch {
      copyFileSync(file.source, target);
      if (file.executable) chmodSync(target, 0o755);
    }
  }
}

function workDir(root: string): string {
  return join(root, '.ibcm-lab', 'images');
}

/**
 * A fresh, private directory under .ibcm-lab/images/ (git-ignored): parallel builds never share one.
 * Leftovers of builds whose process is gone (killed mid-build) are removed on the way.
 */
function scratch(root: string, name: string): string {
  for (const entry of existsSync(workDir(root)) ? readdirSync(workDir(root)) : []) {
    const owner = new RegExp(`^${name}-(\\d+)-[0-9a-f]+$`).exec(entry);
    if (owner && !processAlive(Number(owner[1]))) rmSync(join(workDir(root), entry), { recursive: true, force: true });
  }
  const dir = join(workDir(root), `${name}-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function dockerCli(): string {
  const docker = findExecutable('docker');
  if (!docker)
    throw new ImageError(
      'the docker command is not installed: install it with "apt-get install -y docker.io" (the client; an engine must also run)',
    );
  return docker;
}

async function buildBase(
  root: string,
  ref: string,
  hash: string,
  base: BaseSource,
  options: EnsureImagesOptions,
  docker: Docker,
): Promise<void> {
  const onLine = (line: string) => options.onProgress?.({ image: 'base', ref, state: 'output', line });
  const cli = dockerCli();
  if (base === 'debootstrap') {
    if (!findExecutable('debootstrap'))
      throw new ImageError(
        'debootstrap is not installed; the base image is made with it from Debian\'s archive: install it with "apt-get install -y debootstrap"',
      );
    await runCommand('bash', [join(root, 'images/base/bootstrap.sh'), ref, ...(options.rebuild ? ['--force'] : [])], {
      cwd: root,
      env: { ...process.env, IBCM_LAB_IMAGES_WORK: workDir(root), IBCM_LAB_IMAGE_INPUTS: hash },
      onLine,
      what: `making ${ref} with images/base/bootstrap.sh`,
    });
    await runCommand(cli, ['tag', ref, `${REPOSITORY_PREFIX}base:latest`], { what: `tagging ${ref}` });
    return;
  }
  // From a Debian image (Docker Hub or a mirror): apt-get needs the network, so the RUN steps get a
  // user-defined network in 198.18.0.0/15 (never the default bridge). Only the classic builder can
  // put RUN steps on a named network, hence DOCKER_BUILDKIT=0 for this one build.
  await ensureBuildNetwork(docker);
  try {
    await runCommand(
      cli,
      [
        'build',
        '--network',
        BUILD_NETWORK.name,
        '--build-arg',
        `DEBIAN_IMAGE=${base.from}`,
        '--label',
        `${INPUTS_LABEL}=${hash}`,
        '-t',
        ref,
        '-t',
        `${REPOSITORY_PREFIX}base:latest`,
        ...(options.rebuild ? ['--no-cache'] : []),
        join(root, 'images/base'),
      ],
      {
        env: { ...process.env, DOCKER_BUILDKIT: '0' },
        onLine,
        what: `building ${ref} from ${base.from}`,
      },
    );
  } finally {
    await docker
      .getNetwork(BUILD_NETWORK.name)
      .remove()
      .catch(() => {});
  }
}

async function ensureBuildNetwork(docker: Docker): Promise<void> {
  try {
    await docker.createNetwork({
      Name: BUILD_NETWORK.name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { [IMAGE_LABEL]: 'build-network' },
      IPAM: { Config: [{ Subnet: BUILD_NETWORK.subnet, Gateway: BUILD_NETWORK.gateway }] },
    });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409)
      throw new ImageError(`cannot create the build network ${BUILD_NETWORK.name} (${BUILD_NETWORK.subnet}): ${(error as Error).message}`);
  }
}

async function buildFromDockerfile(
  image: ImageName,
  ref: string,
  context: string,
  buildArgs: Record<string, string>,
  options: EnsureImagesOptions,
  hash: string,
): Promise<void> {
  const args = ['build', '--network', 'none', '--label', `${INPUTS_LABEL}=${hash}`, '-t', ref, '-t', `${REPOSITORY_PREFIX}${image}:latest`];
  for (const [name, value] of Object.entries(buildArgs)) args.push('--build-arg', `${name}=${value}`);
  if (options.rebuild) args.push('--no-cache');
  args.push(context);
  await runCommand(dockerCli(), args, {
    onLine: (line) => options.onProgress?.({ image, ref, state: 'output', line }),
    what: `building ${ref}`,
  });
}

/**
 * Builds the lab images that are missing — base, then node, then the proxy images — and returns
 * their refs. An image whose content-hashed ref exists is reused (unless `rebuild`).
 */
export async function ensureImages(options: EnsureImagesOptions = {}): Promise<ImageRefs> {
  const root = options.root ?? packageRoot();
  const base = options.base ?? 'debootstrap';
  const docker = dockerClient();
  await requireEngine(docker);
  const { refs, recipes, nodeContext } = plan(root, base);
  const present = new Set<ImageName>();
  if (!options.rebuild) for (const image of IMAGE_NAMES) if (await imageExists(docker, refs[image])) present.add(image);
  if (present.size === IMAGE_NAMES.length) {
    for (const image of IMAGE_NAMES) options.onProgress?.({ image, ref: refs[image], state: 'reused' });
    return refs;
  }
  // Something must be built: one builder at a time per checkout (parallel test workers, a driver and
  // a CLI all calling this), so the second waits and then finds the images there.
  const release = await buildLock(root);
  try {
    await buildMissing(root, base, docker, refs, recipes, nodeContext, options);
  } finally {
    release();
  }
  return refs;
}

async function buildMissing(
  root: string,
  base: BaseSource,
  docker: Docker,
  refs: ImageRefs,
  recipes: Record<ImageName, ImageRecipe>,
  nodeContext: ContextFile[],
  options: EnsureImagesOptions,
): Promise<void> {
  for (const image of IMAGE_NAMES) {
    const ref = refs[image];
    if (!options.rebuild && (await imageExists(docker, ref))) {
      options.onProgress?.({ image, ref, state: 'reused' });
      continue;
    }
    options.onProgress?.({ image, ref, state: 'building' });
    const started = Date.now();
    const hash = recipeHash(recipes[image]);
    if (image === 'base') {
      await buildBase(root, ref, hash, base, options, docker);
    } else if (image === 'node') {
      const context = scratch(root, 'node-context');
      try {
        writeContext(context, nodeContext);
        await buildFromDockerfile('node', ref, context, { BASE_IMAGE: refs.base }, options, hash);
      } finally {
        rmSync(context, { recursive: true, force: true });
      }
    } else {
      await buildFromDockerfile(image, ref, join(root, 'images', image), { NODE_IMAGE: refs.node }, options, hash);
    }
    if (!(await imageExists(docker, ref))) throw new ImageError(`the build of ${ref} reported success but the image is not there`);
    options.onProgress?.({ image, ref, state: 'built', ms: Date.now() - started });
  }
  // What was last built, for people and scripts: the same refs `imageRefs()` gives.
  writeFileSync(join(workDir(root), 'refs.json'), JSON.stringify(refs, null, 2) + '\n');
}

const LOCK_WAIT_MS = 15 * 60_000;

/** A lock directory under .ibcm-lab/images/ holding the owner's pid; a lock whose owner is gone is taken over. */
async function buildLock(root: string): Promise<() => void> {
  const dir = join(workDir(root), 'build.lock');
  mkdirSync(workDir(root), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    } catch {
      // being created or removed right now
    }
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new ImageError(
        `another image build (pid ${owner}) has held ${dir} for ${LOCK_WAIT_MS / 60_000} minutes; if it is gone, remove that directory`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
