// The external programs the reference proxies (and the docker driver and Playwright) need: where
// they are, which version, and what to install when one is missing. `ibcm-lab doctor` prints
// doctorReport(); the adapters call requireBinary() so a missing binary is one clear sentence.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Directories searched after PATH: Debian puts daemons in sbin, which a non-root PATH often lacks. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

interface KnownBinary {
  /** Arguments that print the version; the first non-empty line of stdout + stderr is kept. */
  versionArgs: string[];
  /** Debian packages that provide it (and what else the lab needs beside it). */
  packages: string;
  /** What the lab uses it for. */
  usedFor: string;
}

const KNOWN: Record<string, KnownBinary> = {
  nginx: {
    versionArgs: ['-v'],
    packages: 'nginx-light libnginx-mod-stream',
    usedFor: 'the nginx reference proxy (bridge; tunnel needs the stream module)',
  },
  haproxy: { versionArgs: ['-v'], packages: 'haproxy', usedFor: 'the HAProxy reference proxy (bridge, tunnel)' },
  squid: { versionArgs: ['-v'], packages: 'squid', usedFor: 'the Squid reference proxy (forward)' },
  chromium: { versionArgs: ['--version'], packages: 'chromium', usedFor: 'the Playwright browser checks (Application Catalog)' },
  docker: { versionArgs: ['--version'], packages: 'docker.io', usedFor: 'the docker driver' },
};

/** Where nginx's dynamic stream module lives on the distributions we know. */
const NGINX_MODULE_DIRS = ['/usr/lib/nginx/modules', '/usr/lib64/nginx/modules', '/usr/share/nginx/modules', '/etc/nginx/modules'];

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of an executable: searched on PATH, then /usr/local/sbin, /usr/sbin, /sbin. A name with a slash is checked as given. */
export function findBinary(name: string): string | null {
  if (name.includes('/')) return isExecutableFile(name) ? name : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function run(file: string, args: string[], timeoutMs = 5_000): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 20, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
  });
}

/** The first line the program prints about its version (`nginx -v`, `haproxy -v`, `squid -v`, …), or null. */
export async function binaryVersion(name: string): Promise<string | null> {
  const path = findBinary(name);
  if (!path) return null;
  const base = name.split('/').pop()!;
  const args = KNOWN[base]?.versionArgs ?? ['--version'];
  const { stdout, stderr } = await run(path, args);
  const line = `${stdout}\n${stderr}`
    .split('\n')
    .map((item) => item.trim())
    .find(Boolean);
  return line ?? null;
}

/** One sentence for a missing binary, naming the Debian package(s) to install. */
export function missingBinaryMessage(name: string): string {
  const known = KNOWN[name];
  const where = `not found on PATH, ${EXTRA_DIRS.join(', ')}`;
  if (!known) return `${name} was ${where}`;
  return `${name} was ${where}; it is needed for ${known.usedFor}: install it with "apt-get install -y ${known.packages}"`;
}

/** The absolute path of `name`, or an Error saying what to install. */
export function requireBinary(name: string): string {
  const path = findBinary(name);
  if (!path) throw new Error(missingBinaryMessage(name));
  return path;
}

/** `nginx -V` configure arguments (printed on stderr). */
export async function nginxConfigureArguments(nginx = requireBinary('nginx')): Promise<string> {
  const { stdout, stderr } = await run(nginx, ['-V']);
  return `${stdout}\n${stderr}`.split('\n').find((line) => line.startsWith('configure arguments:')) ?? '';
}

/**
 * How nginx gets its stream module: 'static' when compiled in, the path of the dynamic module
 * (for `load_module`), or null when it has none (Debian: install libnginx-mod-stream).
 */
export async function nginxStreamModule(nginx = requireBinary('nginx')): Promise<'static' | string | null> {
  const configure = await nginxConfigureArguments(nginx);
  if (/(^|\s)--with-stream(\s|$)/.test(configure)) return 'static';
  for (const dir of NGINX_MODULE_DIRS) {
    const candidate = join(dir, 'ngx_stream_module.so');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export interface DoctorLine {
  name: string;
  found: string | null;
  version: string | null;
  advice: string | null;
}

/** What this machine has for the lab: nginx, haproxy, squid, chromium, docker. Report only; nothing is changed. */
export async function doctorReport(): Promise<DoctorLine[]> {
  return Promise.all(
    Object.keys(KNOWN).map(async (name): Promise<DoctorLine> => {
      const found = findBinary(name);
      if (!found) return { name, found, version: null, advice: missingBinaryMessage(name) };
      const version = await binaryVersion(name);
      let advice: string | null = null;
      if (name === 'nginx') {
        const stream = await nginxStreamModule(found);
        if (!stream)
          advice = 'nginx has no stream module, so its tunnel mode cannot run: install it with "apt-get install -y libnginx-mod-stream"';
      }
      if (name === 'docker' && !existsSync('/var/run/docker.sock') && !process.env.DOCKER_HOST) {
        advice =
          'the docker client is installed but no engine socket is at /var/run/docker.sock (and DOCKER_HOST is unset): start dockerd (see the platform notes) to use the docker driver';
      }
      return { name, found, version, advice };
    }),
  );
}
