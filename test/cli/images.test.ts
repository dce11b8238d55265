// `ibcm-lab images` and the Docker section of `ibcm-lab doctor`: what a user sees, with and without
// an engine (DOCKER_HOST pointed at a socket that does not exist stands for "no engine").
import { describe, expect, it } from 'vitest';
import { imageLines } from '../../harness/cli/images.js';
import type { ImageRefs, LabImage } from '../../harness/drivers/docker/images.js';
import { runCli } from './run-cli.js';

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/ibcm-lab-test/docker.sock' };

describe('ibcm-lab images', () => {
  it('explains itself: help, and a usage error without a subcommand', async () => {
    const help = await runCli(['help', 'images']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/ibcm-lab images build \[--rebuild\]/);
    expect(help.stdout).toMatch(/--network none/);
    const bare = await runCli(['images']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/say 'images build', 'images list' or 'images prune'/);
  });

  it('without an engine: one line saying where it looked and how to start one, exit 2', async () => {
    for (const command of [
      ['images', 'build'],
      ['images', 'list'],
    ]) {
      const result = await runCli(command, NO_ENGINE);
      expect(result.code, command.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/no Docker engine answers at unix:\/\/\/nonexistent\/ibcm-lab-test\/docker\.sock \(ENOENT\)/);
      expect(result.stderr).toMatch(/dockerd --bridge=none --default-address-pool base=198\.18\.128\.0\/17,size=24/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('doctor reports the engine and the images, or what to do when there is none', async () => {
    const result = await runCli(['doctor'], NO_ENGINE);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^engine {5}✘ no Docker engine answers at unix:\/\/\/nonexistent\/ibcm-lab-test\/docker\.sock \(ENOENT\) — start one/m,
    );
    expect(result.stdout).toMatch(/^images {5}✘ unknown without an engine — then: npx ibcm-lab images build$/m);
  });

  it('lists what these sources need, what is missing, and the older images', () => {
    const refs: ImageRefs = {
      base: 'ibcm-lab/base:aaaaaaaaaaaa',
      node: 'ibcm-lab/node:bbbbbbbbbbbb',
      nginx: 'ibcm-lab/nginx:cccccccccccc',
      haproxy: 'ibcm-lab/haproxy:dddddddddddd',
      squid: 'ibcm-lab/squid:eeeeeeeeeeee',
    };
    const image = (name: string, tags: string[]): LabImage => ({
      image: name,
      id: `sha256:${'f'.repeat(64)}`,
      tags,
      created: new Date('2026-11-25T03:00:00Z'),
      sizeBytes: 334_000_000,
    });
    const lines = imageLines(refs, [
      image('base', [refs.base, 'ibcm-lab/base:latest']),
      image('node', [refs.node]),
      image('node', ['ibcm-lab/node:000000000000']),
    ]);
    expect(lines[0]).toMatch(/^✔ base {5}ibcm-lab\/base:aaaaaaaaaaaa +334 MB {2}built 2026-11-25T03:00:00Z$/);
    expect(lines[1]).toMatch(/^✔ node /);
    expect(lines[2]).toMatch(/^✘ nginx {4}ibcm-lab\/nginx:cccccccccccc +not built$/);
    expect(lines).toContain('older lab images (not used by these sources; remove them with: npx ibcm-lab images prune):');
    expect(lines.some((line) => line.includes('ibcm-lab/node:000000000000'))).toBe(true);
    expect(lines.at(-1)).toBe('missing: nginx, haproxy, squid — build them with: npx ibcm-lab images build');
  });
});
