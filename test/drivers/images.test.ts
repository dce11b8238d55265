// The lab's container images: the content hash that decides "reuse or build" (pure, no Docker), what
// goes into the node image, and — when a Docker engine answers — the built images themselves: the
// node image runs the CLI, and the nginx and HAProxy images serve a proxy contract as a vendor's image would.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  engineInfo,
  ensureImages,
  imageRefs,
  imageTag,
  IMAGE_NAMES,
  nodeContextFiles,
  productionPackages,
  proxyImage,
  recipeHash,
  type ImageRecipe,
  type ImageRefs,
} from '../../harness/drivers/docker/images.js';
import { contractPath } from '../../harness/proxies/exec/index.js';
import { createWorld, httpsClient, send, type World } from '../proxies/world.js';
import { root } from '../cli/run-cli.js';

const run = promisify(execFile);

const recipe = (overrides: Partial<ImageRecipe> = {}): ImageRecipe => ({
  image: 'node',
  from: 'ibcm-lab/base:0123456789ab',
  inputs: [
    { path: 'Dockerfile', kind: 'file', digest: 'a'.repeat(64) },
    { path: 'node', kind: 'file', digest: 'b'.repeat(64), executable: true },
    { path: 'app/bin/ibcm-lab.mjs', kind: 'file', digest: 'c'.repeat(64), executable: true },
    { path: 'app/node_modules/.bin/tsx', kind: 'symlink', digest: '../tsx/dist/cli.mjs' },
  ],
  ...overrides,
});

describe('image content hashes', () => {
  it('a tag is 12 hex digits of the recipe hash, independent of the order inputs were found in', () => {
    const tag = imageTag(recipe());
    expect(tag).toMatch(/^[0-9a-f]{12}$/);
    expect(recipeHash(recipe())).toMatch(new RegExp(`^${tag}[0-9a-f]{52}$`));
    expect(imageTag(recipe({ inputs: [...recipe().inputs].reverse() }))).toBe(tag);
  });

  it("changes with any input: a file's bytes, its execute bit, a symlink target, a path, the image it is FROM, the image name", () => {
    const tag = imageTag(recipe());
    const changed = (change: (inputs: ImageRecipe['inputs']) => void) => {
      const inputs = recipe().inputs.map((entry) => ({ ...entry }));
      change(inputs);
      return imageTag(recipe({ inputs }));
    };
    const variants = [
      changed((inputs) => (inputs[0]!.digest = 'd'.repeat(64))),
      changed((inputs) => (inputs[2]!.executable = false)),
      changed((inputs) => (inputs[3]!.digest = '../tsx/dist/other.mjs')),
      changed((inputs) => (inputs[2]!.path = 'app/bin/other.mjs')),
      changed((inputs) => inputs.pop()),
      imageTag(recipe({ from: 'ibcm-lab/base:ba9876543210' })),
      imageTag(recipe({ image: 'nginx' })),
    ];
    for (const variant of variants) expect(variant).not.toBe(tag);
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('does not let a path and its contents run together (no ambiguous encodings)', () => {
    const a = recipe({ inputs: [{ path: 'ab', kind: 'file', digest: 'c' }] });
    const b = recipe({ inputs: [{ path: 'a', kind: 'file', digest: 'bc' }] });
    expect(imageTag(a)).not.toBe(imageTag(b));
  });

  it('refuses two inputs at one path', () => {
    expect(() => recipeHash(recipe({ inputs: [...recipe().inputs, { path: 'node', kind: 'file', digest: 'e'.repeat(64) }] }))).toThrow(
      /two inputs at node/,
    );
  });

  it('production packages come from the lockfile: no dev, devOptional or linked packages, only installed ones', () => {
    const lockfile = {
      packages: {
        '': {},
        'node_modules/tsx': {},
        'node_modules/vitest': { dev: true },
        'node_modules/fsevents': { devOptional: true },
        'node_modules/linked': { link: true },
        'node_modules/undici': {},
        'node_modules/a/node_modules/b': {},
        'node_modules/not-installed': {},
      },
    };
    expect(productionPackages(lockfile, (path) => path !== 'node_modules/not-installed')).toEqual([
      'node_modules/a/node_modules/b',
      'node_modules/tsx',
      'node_modules/undici',
    ]);
  });
});

describe('what goes into the node image', () => {
  const files = nodeContextFiles(root);
  const paths = new Set(files.map((file) => file.path));

  it('the node binary, the Dockerfile, the lab and its production node_modules (tsx included)', () => {
    for (const path of [
      'node',
      'Dockerfile',
      'app/package.json',
      'app/package-lock.json',
      'app/bin/ibcm-lab.mjs',
      'app/harness/cli/main.ts',
      'app/tsconfig.json',
      'app/playwright.config.ts',
      'app/node_modules/tsx/package.json',
      'app/node_modules/undici/package.json',
      'app/certs/profiles.ts',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(files.find((file) => file.path === 'node')!.executable).toBe(true);
  });

  it('keeps the context small: no dev packages, no .git, out/, test/ or .ibcm-lab/', () => {
    const unwanted = [...paths].filter((path) =>
      /^app\/(\.git|out|test|\.ibcm-lab|node_modules\/(vitest|typescript|xmllint-wasm|@types\/dns-packet))\//.test(path),
    );
    expect(unwanted).toEqual([]);
  });

  it('image refs follow from the sources: stable, chained, one repository per image', async () => {
    const [first, second] = await Promise.all([imageRefs(), imageRefs()]);
    expect(first).toEqual(second);
    for (const name of IMAGE_NAMES) expect(first[name]).toMatch(new RegExp(`^ibcm-lab/${name}:[0-9a-f]{12}$`));
    expect(proxyImage(first, 'nginx')).toBe(first.nginx);
    expect(proxyImage(first, 'node')).toBe(first.node);
    expect(proxyImage(first, 'faulty-drop-ccmclientidsignature')).toBe(first.node);
  });
});

describe('image refs of a source tree', () => {
  // A tiny checkout of its own: the refs follow file contents (through the digest cache), not timestamps.
  const tree = mkdtempSync(join(tmpdir(), 'ibcm-images-test-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  };
  const age = (path: string) => utimesSync(join(tree, path), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  write('images/base/bootstrap.sh', '#!/bin/sh\n');
  for (const name of ['node', 'nginx', 'haproxy', 'squid']) write(`images/${name}/Dockerfile`, `FROM scratch # ${name}\n`);
  write('package.json', '{"name":"x","version":"1.0.0"}');
  write(
    'package-lock.json',
    JSON.stringify({ lockfileVersion: 3, packages: { '': {}, 'node_modules/dep': {}, 'node_modules/devdep': { dev: true } } }),
  );
  write('node_modules/dep/index.js', 'export default 1;\n');
  write('node_modules/devdep/index.js', 'export default 2;\n');
  write('harness/a.ts', 'export const a = 1;\n');
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('a changed file changes the node image and every image FROM it, not the base; changing it back gives the old refs', async () => {
    for (const path of ['harness/a.ts', 'node_modules/dep/index.js', 'node_modules/devdep/index.js', 'images/nginx/Dockerfile']) age(path);
    const before = await imageRefs({ root: tree });
    expect(await imageRefs({ root: tree })).toEqual(before);

    write('harness/a.ts', 'export const a = 2;\n'); // same size, same (old) mtime: only the content and ctime differ
    age('harness/a.ts');
    const changed = await imageRefs({ root: tree });
    expect(changed.base).toBe(before.base);
    for (const name of ['node', 'nginx', 'haproxy', 'squid'] as const) expect(changed[name]).not.toBe(before[name]);

    write('harness/a.ts', 'export const a = 1;\n');
    age('harness/a.ts');
    expect(await imageRefs({ root: tree })).toEqual(before);
  });

  it('a dev package is not an input; a proxy Dockerfile changes only its own image', async () => {
    const before = await imageRefs({ root: tree });
    write('node_modules/devdep/index.js', 'export default 3;\n');
    expect(await imageRefs({ root: tree })).toEqual(before);
    write('images/nginx/Dockerfile', 'FROM scratch # nginx, changed\n');
    const after = await imageRefs({ root: tree });
    expect({ ...after, nginx: before.nginx }).toEqual(before);
    expect(after.nginx).not.toBe(before.nginx);
  });
});

const engine = await engineInfo();
const reason = engine.reachable
  ? `Docker ${engine.serverVersion}, API ${engine.apiVersion}`
  : `skipped: no Docker engine answers at ${engine.address} (${engine.reason}); start one to run these`;

describe.skipIf(!engine.reachable)(`built images (${reason})`, () => {
  let refs: ImageRefs;
  const containers: string[] = [];

  beforeAll(async () => {
    // A no-op when `ibcm-lab images build` ran (as .ci/run does); otherwise builds what is missing.
    refs = await ensureImages();
  }, 300_000);

  afterAll(async () => {
    for (const name of containers) await run('docker', ['rm', '-f', name]).catch(() => {});
  });

  it('the node image runs the CLI with no network at all', async () => {
    const { stdout } = await run('docker', ['run', '--rm', '--network', 'none', refs.node, '--version']);
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(stdout.trim()).toBe(version);
  }, 30_000);

  it('the proxy images carry their reference binary and name the proxy they run', async () => {
    const { stderr } = await run('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'nginx', refs.nginx, '-v']);
    expect(stderr).toMatch(/nginx version: nginx\//);
    for (const proxy of ['nginx', 'haproxy', 'squid'] as const) {
      const inspect = await run('docker', ['image', 'inspect', '-f', '{{json .Config}}', refs[proxy]]);
      const config = JSON.parse(inspect.stdout) as { Env: string[]; Labels: Record<string, string>; Entrypoint: string[] };
      expect(config.Env).toContain(`IBCM_LAB_PROXY=${proxy}`);
      expect(config.Labels['io.ibcm-lab.image']).toBe(proxy);
      expect(config.Entrypoint).toEqual(['node', '/opt/ibcm-lab/bin/ibcm-lab-proxy.mjs']);
    }
  }, 30_000);

  describe('a proxy image serves a mounted proxy contract', () => {
    let world: World;
    beforeAll(async () => {
      world = await createWorld('127.240.10');
    });
    afterAll(async () => {
      await world?.close();
    });

    it.each([
      ['nginx', 'bridge', 'nginx-access.log'],
      ['haproxy', 'tunnel', 'haproxy.stderr.log'],
    ] as const)(
      '%s (%s): carries a CCM_POST, keeps its logs in logs.dir, and stops with exit 0 on docker stop',
      async (proxy, mode, logFile) => {
        const contract = world.contract(mode, `image-${proxy}-${mode}`);
        const name = `ibcm-lab-test-images-${randomBytes(4).toString('hex')}`;
        containers.push(name);
        // The host's network namespace (not a bridge): the test world's site servers are on loopback.
        const child = spawn(
          'docker',
          [
            'run',
            '--name',
            name,
            '--label',
            'io.ibcm-lab.test=images',
            '--network',
            'host',
            '-v',
            `${world.dir}:${world.dir}`,
            '-e',
            `IBCM_PROXY_CONTRACT=${contractPath(contract)}`,
            refs[proxy],
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        const deadline = Date.now() + 20_000;
        while (!new RegExp(`${proxy} ready in`).test(output)) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the ${proxy} image did not get ready:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const { client } = httpsClient(world, contract.listeners[0]!.bind.port, world.certs.workstation);
        const response = await send(client, {
          method: 'CCM_POST',
          target: '/ccm_system/request',
          headers: [['Content-Type', 'application/octet-stream']],
          body: Buffer.from('through a container'),
        });
        await client.close();
        expect(response.status).toBe(200);
        expect(response.headers['x-echo-method']).toBe('CCM_POST');
        expect(world.journal.entries().some((entry) => entry.method === 'CCM_POST')).toBe(true);

        await run('docker', ['stop', '-t', '10', name]);
        expect(await exited, output).toBe(0);
        const { stdout } = await run('docker', ['inspect', '-f', '{{.State.ExitCode}}', name]);
        expect(stdout.trim()).toBe('0');
        expect(readFileSync(join(contract.logs.dir, 'proxy-serve.log'), 'utf8')).toMatch(
          new RegExp(`starting ${proxy} in ${mode} mode[\\s\\S]*SIGTERM: stopping ${proxy}[\\s\\S]*${proxy} stopped`),
        );
        expect(existsSync(join(contract.logs.dir, logFile)), `${logFile} in logs.dir`).toBe(true);
        if (mode === 'bridge') expect(readFileSync(join(contract.logs.dir, logFile), 'utf8')).toMatch(/CCM_POST/);
      },
      60_000,
    );
  });
});
