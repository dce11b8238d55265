// `ibcm-lab doctor --install`, the first step of `npm test`: nothing to do when everything is here;
// apt-get with every missing package (root or sudo -n); otherwise exit 2 and the one line that fixes it.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ChromiumNotFound } from '../../harness/client/chromium.js';
import { installNeeds, machineNeeds, type Machine, type MachineNeed } from '../../harness/cli/doctor.js';

const need = (what: string, debian: string, present: () => boolean): MachineNeed => ({
  what,
  debian,
  present: () => Promise.resolve(present()),
});
const noBrowser: ChromiumNotFound = { source: null, error: 'none', passedOver: [] };

function machine(overrides: Partial<Machine>) {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (chunk: Buffer) => (text.out += chunk.toString()));
  err.on('data', (chunk: Buffer) => (text.err += chunk.toString()));
  const installs: { prefix: string[]; packages: string[] }[] = [];
  const fake: Partial<Machine> = {
    debianLike: () => true,
    rootPrefix: () => [],
    aptInstall: (prefix, packages) => void installs.push({ prefix, packages }),
    findChromium: () => noBrowser,
    out,
    err,
    ...overrides,
  };
  return { fake, text, installs };
}

describe('ibcm-lab doctor --install', () => {
  it('checks nginx and its stream module, HAProxy, Squid, python3, openssl, curl, DejaVu and a Chromium, each with its Debian package', () => {
    expect(machineNeeds().map((item) => item.debian)).toEqual([
      'nginx-light',
      'libnginx-mod-stream',
      'haproxy',
      'squid',
      'python3',
      'openssl',
      'curl',
      'fonts-dejavu-core',
      'chromium',
    ]);
  });

  it('installs nothing when everything is there', async () => {
    const { fake, text, installs } = machine({ needs: () => [need('nginx', 'nginx-light', () => true)] });
    expect(await installNeeds(fake)).toBe(0);
    expect(installs).toEqual([]);
    expect(text.out).toMatch(/everything the tests need is here/);
  });

  it('installs every missing package in one apt-get, as root or through sudo -n, and checks again', async () => {
    let installed = false;
    const needs = () => [
      need('nginx', 'nginx-light libnginx-mod-stream', () => installed),
      need('squid', 'squid', () => installed),
      need('haproxy', 'haproxy', () => true),
    ];
    const { fake, installs } = machine({
      needs,
      rootPrefix: () => ['sudo', '-n'],
      aptInstall: (prefix, packages) => ((installed = true), void installs.push({ prefix, packages })),
    });
    expect(await installNeeds(fake)).toBe(0);
    expect(installs).toEqual([{ prefix: ['sudo', '-n'], packages: ['nginx-light', 'libnginx-mod-stream', 'squid'] }]);
  });

  it('without root or password-less sudo: exit 2 and the one command that fixes it', async () => {
    const { fake, text, installs } = machine({
      needs: () => [need('squid', 'squid', () => false), need('DejaVu fonts', 'fonts-dejavu-core', () => false)],
      rootPrefix: () => null,
    });
    expect(await installNeeds(fake)).toBe(2);
    expect(installs).toEqual([]);
    expect(text.err.trim().split('\n')).toEqual([
      'ibcm-lab doctor --install: missing squid, DejaVu fonts; install them as root (no root and no password-less sudo here): sudo apt-get install -y --no-install-recommends squid fonts-dejavu-core',
    ]);
  });

  it('not Debian/Ubuntu: exit 2 and what to install there', async () => {
    const { fake, text } = machine({ needs: () => [need('haproxy', 'haproxy', () => false)], debianLike: () => false });
    expect(await installNeeds(fake)).toBe(2);
    expect(text.err.trim().split('\n')).toHaveLength(1);
    expect(text.err).toMatch(
      /missing haproxy; this is not Debian\/Ubuntu, so install them with your package manager — Fedora\/RHEL: dnf install .*macOS: brew install/,
    );
  });

  it('still missing after apt-get: exit 2, naming what is missing', async () => {
    const { fake, text } = machine({ needs: () => [need('squid', 'squid', () => false)] });
    expect(await installNeeds(fake)).toBe(2);
    expect(text.err).toMatch(/still missing after apt-get: squid/);
  });
});
