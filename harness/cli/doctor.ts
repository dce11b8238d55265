// `ibcm-lab doctor [--install]`: what this machine has for the lab, and — with --install, the first
// step of `npm test` — the programs the tests drive, installed from Debian/Ubuntu's archive when
// missing. Chromium is not among them: the npm-shipped one (chromium.ts) is unpacked here instead,
// and Debian's `chromium` package is asked for only where no browser is found at all.
// Elsewhere, or without root (or `sudo -n`), it stops with exit 2 and the one command that fixes it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  CHROMIUM_SOURCES,
  NPM_CHROMIUM_PACKAGE,
  findChromium,
  missingSystemLibraries,
  npmChromiumPackage,
  type ChromiumNotFound,
  type FoundChromium,
} from '../client/chromium.js';
import { doctorReport, findBinary, nginxStreamModule } from '../proxies/binaries.js';
import { dockerDoctorLines } from './images.js';
import { chromiumLine, packageRoot } from './versions.js';

/** Something the tests need from the machine: how to see it is there, and which package gives it. */
export interface MachineNeed {
  what: string;
  /** The Debian/Ubuntu package(s). */
  debian: string;
  present(): Promise<boolean>;
}

const DEJAVU = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** What `npm test` needs beyond Node and npm, in the order it is checked. */
export function machineNeeds(): MachineNeed[] {
  const binary = (what: string, debian: string, name = what): MachineNeed => ({
    what,
    debian,
    present: () => Promise.resolve(findBinary(name) !== null),
  });
  return [
    binary('nginx', 'nginx-light'),
    {
      what: "nginx's stream module (its tunnel mode)",
      debian: 'libnginx-mod-stream',
      present: async () => {
        const nginx = findBinary('nginx');
        return nginx !== null && (await nginxStreamModule(nginx)) !== null;
      },
    },
    binary('haproxy', 'haproxy'),
    binary('squid', 'squid'),
    // examples/haproxy-tunnel.sh (the exec: adapter's example) reads its contract with python3.
    binary('python3', 'python3'),
    // The NTLM tests check their vectors with the openssl CLI and interoperate with curl --ntlm.
    binary('openssl', 'openssl'),
    binary('curl', 'curl'),
    // The HTML report's glyphs (✔ ✘ ≈ ⚠) in the screenshot test.
    { what: 'DejaVu fonts', debian: 'fonts-dejavu-core', present: () => Promise.resolve(existsSync(DEJAVU)) },
    // The npm Chromium's one system library (its NSS links libsqlite3), where that browser is installed.
    ...missingSystemLibraries().map((library) => ({
      what: `${library.soname} (for ${NPM_CHROMIUM_PACKAGE})`,
      debian: library.debian,
      present: () => Promise.resolve(!('dir' in npmChromiumPackage(packageRoot()))),
    })),
    // Only where neither IBCM_LAB_CHROMIUM, Playwright's, the npm one (given its library) nor a system one is found.
    {
      what: 'a Chromium',
      debian: 'chromium',
      present: () => Promise.resolve(findChromium().source !== null || 'dir' in npmChromiumPackage(packageRoot())),
    },
  ];
}

const ELSEWHERE =
  'install them with your package manager — Fedora/RHEL: dnf install nginx nginx-mod-stream haproxy squid python3 openssl curl dejavu-sans-fonts sqlite-libs; ' +
  'macOS: brew install nginx haproxy squid python openssl curl (the npm Chromium is Linux x64 only: there, npx playwright install chromium)';

export async function missingNeeds(needs = machineNeeds()): Promise<MachineNeed[]> {
  const present = await Promise.all(needs.map((need) => need.present()));
  return needs.filter((_, index) => !present[index]);
}

function isDebianLike(): boolean {
  return existsSync('/etc/debian_version') && findBinary('apt-get') !== null && findBinary('dpkg') !== null;
}

/** How to run a command as root here: directly, through `sudo -n`, or not at all. */
function rootPrefix(): string[] | null {
  if (process.getuid?.() === 0) return [];
  if (findBinary('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return null;
}

export function asRoot(prefix: string[], command: string[]): void {
  const [file, ...args] = [...prefix, ...command];
  execFileSync(file!, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The packages for what is missing, each once, in order. */
function packagesFor(missing: MachineNeed[]): string[] {
  return [...new Set(missing.flatMap((need) => need.debian.split(' ')))];
}

/** apt-get install with a policy-rc.d that answers 101, so no package starts its service (the lab starts its own proxies). */
export function aptInstall(prefix: string[], packages: string[]): void {
  const policy = '/usr/sbin/policy-rc.d';
  const madePolicy = !existsSync(policy);
  if (madePolicy) asRoot(prefix, ['sh', '-c', `printf '#!/bin/sh\\nexit 101\\n' > ${policy} && chmod +x ${policy}`]);
  try {
    asRoot(prefix, ['apt-get', 'update', '-q']);
    asRoot(prefix, ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...packages]);
  } finally {
    if (madePolicy) asRoot(prefix, ['rm', '-f', policy]);
  }
}

/** What --install looks at and does; the tests replace parts of it. */
export interface Machine {
  needs(): MachineNeed[];
  debianLike(): boolean;
  /** [] as root, ['sudo', '-n'] with password-less sudo, null otherwise. */
  rootPrefix(): string[] | null;
  aptInstall(prefix: string[], packages: string[]): void;
  findChromium(): FoundChromium | ChromiumNotFound;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const thisMachine: Machine = {
  needs: machineNeeds,
  debianLike: isDebianLike,
  rootPrefix,
  aptInstall,
  findChromium: () => findChromium(),
  out: process.stdout,
  err: process.stderr,
};

/** `ibcm-lab doctor --install`: 0 when everything `npm test` needs is here (after installing it), 2 with the fix otherwise. */
export async function installNeeds(overrides: Partial<Machine> = {}): Promise<number> {
  const machine = { ...thisMachine, ...overrides };
  const { out, err } = machine;
  let missing = await missingNeeds(machine.needs());
  if (missing.length) {
    const packages = packagesFor(missing);
    const names = missing.map((need) => need.what).join(', ');
    if (!machine.debianLike()) {
      err.write(`ibcm-lab doctor --install: missing ${names}; this is not Debian/Ubuntu, so ${ELSEWHERE}\n`);
      return 2;
    }
    const prefix = machine.rootPrefix();
    const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
    if (!prefix) {
      err.write(
        `ibcm-lab doctor --install: missing ${names}; install them as root (no root and no password-less sudo here): sudo ${command}\n`,
      );
      return 2;
    }
    out.write(`ibcm-lab doctor --install: missing ${names}; installing from Debian: ${packages.join(' ')}\n`);
    try {
      machine.aptInstall(prefix, packages);
    } catch (error) {
      err.write(`ibcm-lab doctor --install: apt-get failed (${(error as Error).message.split('\n')[0]}); run as root: ${command}\n`);
      return 2;
    }
    missing = await missingNeeds(machine.needs());
    if (missing.length) {
      err.write(
        `ibcm-lab doctor --install: still missing after apt-get: ${missing.map((need) => need.what).join(', ')}; check: ${`apt-get install -y --no-install-recommends ${packagesFor(missing).join(' ')}`}\n`,
      );
      return 2;
    }
  }
  // The npm browser is unpacked once here, so parallel test workers find it ready.
  const browser = machine.findChromium();
  if (browser.source !== null) {
    try {
      await browser.prepare();
    } catch (error) {
      err.write(
        `ibcm-lab doctor --install: could not unpack ${browser.describe}: ${(error as Error).message}; set IBCM_LAB_CHROMIUM_SOURCE to one of ${CHROMIUM_SOURCES.filter((source) => source !== browser.source).join(', ')} to use another\n`,
      );
      return 2;
    }
  }
  out.write(`ibcm-lab doctor --install: everything the tests need is here (chromium: ${chromiumLine(browser)})\n`);
  return 0;
}

/** `ibcm-lab doctor`: one line per program (the Chromium line says which one the browser checks use and why), then Docker. */
export async function doctorCommand(options: { install?: boolean }): Promise<number> {
  if (options.install) return installNeeds();
  const row = (name: string, text: string) => process.stdout.write(`${name.padEnd(10)} ${text}\n`);
  for (const line of await doctorReport()) {
    if (line.name === 'chromium') {
      const browser = findChromium();
      row('chromium', browser.source === null ? `✘ ${chromiumLine(browser)}` : `✔ ${chromiumLine(browser)}`);
      continue;
    }
    row(
      line.name,
      line.found ? `✔ ${line.found}${line.version ? `  (${line.version})` : ''}` : `✘ not found${line.advice ? ` — ${line.advice}` : ''}`,
    );
  }
  const missing = (await missingNeeds()).filter(
    (need) => !['nginx', "nginx's stream module (its tunnel mode)", 'haproxy', 'squid', 'a Chromium'].includes(need.what),
  );
  if (missing.length)
    row(
      'tests',
      `✘ npm test also needs ${missing.map((need) => need.what).join(', ')} — npm test installs them (ibcm-lab doctor --install)`,
    );
  for (const line of await dockerDoctorLines()) process.stdout.write(`${line}\n`);
  return 0;
}
