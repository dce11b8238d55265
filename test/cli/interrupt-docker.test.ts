// Stopping a docker-driver run, for real (skipped, with the reason, where no engine answers or the
// images are not built): Ctrl-C gives exit 2 and no failed verdict, and leaves no container; a
// SIGKILL of the CLI's whole process group (no handler runs anywhere in it) leaves no container,
// network or process of the run 10 s later — the owners' watchdogs (reaper.ts) remove them, without
// waiting for a next run; and `down` from elsewhere leaves another live run's lab alone.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engine, LABEL, LABEL_PID, LABEL_RUN } from '../../harness/drivers/docker/engine.js';
import { dockerUnavailable } from '../drivers/docker-available.js';
import { expectInterruptedRun, processesOfRun, root, runCli } from './run-cli.js';

const unavailable = await dockerUnavailable();
const scratch = mkdtempSync(join(tmpdir(), 'ibcm-lab-interrupt-docker-'));
const CHECK_LINE = /^\s+[✔✘!⊘–] PX-/m;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lab containers and networks of the run the CLI with this process id started (run ids end in `-<pid>`). */
async function objectsOfRun(cliPid: number): Promise<{ containers: string[]; networks: string[]; owners: Set<string> }> {
  const docker = engine();
  const mine = (labels: Record<string, string> | undefined) => Boolean(labels?.[LABEL_RUN]?.endsWith(`-${cliPid}`));
  const containers = (await docker.listContainers({ all: true, filters: { label: [LABEL] } })).filter((info) => mine(info.Labels));
  const networks = (await docker.listNetworks({ filters: { label: [LABEL] } })).filter((info) => mine(info.Labels));
  return {
    containers: containers.map((info) => (info.Names?.[0] ?? info.Id).replace(/^\//, '')),
    networks: networks.map((info) => info.Name),
    owners: new Set([...containers, ...networks].map((info) => info.Labels?.[LABEL_PID] ?? '?')),
  };
}

/** Polls until nothing of the run is left or the deadline passes; returns what is left. */
async function leftAfter(deadlineMs: number, cliPid: number, marker: string) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const objects = await objectsOfRun(cliPid);
    const processes = processesOfRun(marker, cliPid);
    const left = [
      ...objects.containers.map((name) => `container ${name}`),
      ...objects.networks.map((name) => `network ${name}`),
      ...processes,
    ];
    if (!left.length || Date.now() >= deadline) return left;
    await sleep(250);
  }
}

/** Starts the CLI in a process group of its own and resolves once `ready` holds (or rejects after `ms`). */
function startCli(
  args: string[],
  env: Record<string, string>,
  ready: (output: string, pid: number) => Promise<boolean> | boolean,
  ms: number,
  cwd = root,
) {
  const child = spawn(process.execPath, [join(root, 'bin', 'ibcm-lab.mjs'), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', IBCM_LAB_KEEP_DAYS: '0', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-100_000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-100_000)));
  let exited: number | string | null | undefined;
  child.once('exit', (code, signal) => (exited = code ?? signal));
  const started = (async () => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && exited === undefined) {
      if (await ready(output, child.pid!)) return true;
      await sleep(250);
    }
    output += `\n(${exited === undefined ? `not ready within ${ms / 1000} s` : `exited: ${exited}`})`;
    return false;
  })();
  return { child, started, output: () => output };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

describe.skipIf(Boolean(unavailable))(`stopping a docker-driver run${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  // Killed while the lab is still being made (containers created as the kill lands) and once its checks run.
  it.each([
    ['while its lab starts', false],
    ['while its checks run', true],
  ] as const)(
    "SIGKILL of the CLI's process group %s: no container, network or process of the run 10 s later",
    async (_when, checksRunning) => {
      const marker = `ibcm-lab-test-${process.pid}-${Date.now()}-kill`;
      let seen = { containers: [] as string[], networks: [] as string[], owners: new Set<string>() };
      const run = startCli(
        ['run', '--driver', 'docker', '--mode', 'tunnel', '--grep', '^PX-', '--workers', '1'],
        { IBCM_LAB_INDEX: '164', IBCM_LAB_TEST_MARKER: marker },
        async (output, pid) => {
          seen = await objectsOfRun(pid);
          // Its networks and several hosts exist (and, for the second case, a check has reported).
          return seen.networks.length >= 3 && seen.containers.length >= 3 && (!checksRunning || CHECK_LINE.test(output));
        },
        150_000,
      );
      const pid = run.child.pid!;
      try {
        expect(await run.started, run.output()).toBe(true);
        killGroup(pid, 'SIGKILL');
        const left = await leftAfter(10_000, pid, marker);
        expect(left, `still there 10 s after the SIGKILL (the lab had ${seen.containers.length} containers):\n${left.join('\n')}`).toEqual(
          [],
        );
      } finally {
        killGroup(pid, 'SIGKILL');
      }
    },
    200_000,
  );

  it('Ctrl-C mid-run: exit 2, nothing failed, no container of the run left', async () => {
    const json = join(scratch, 'interrupted.json');
    let interruptedAt = 0;
    let pid = 0;
    const result = await runCli(
      ['run', '--driver', 'docker', '--mode', 'tunnel', '--grep', '^PX-', '--workers', '1', '--json', json],
      { IBCM_LAB_INDEX: '165' },
      (stdout, child) => {
        pid = child.pid!;
        if (!interruptedAt && CHECK_LINE.test(stdout)) {
          interruptedAt = Date.now();
          killGroup(child.pid!, 'SIGINT');
        }
      },
    );
    expect(interruptedAt, result.stdout + result.stderr).toBeGreaterThan(0);
    const results = expectInterruptedRun(result, json);
    expect(results.notCovered).toEqual([]);
    const objects = await objectsOfRun(pid);
    expect([...objects.containers, ...objects.networks]).toEqual([]);
  }, 200_000);

  it("`down` from elsewhere leaves another live run's lab alone and names it; SIGKILL of that `up` then leaves nothing 10 s later", async () => {
    const marker = `ibcm-lab-test-${process.pid}-${Date.now()}-up`;
    const upDir = mkdtempSync(join(scratch, 'up-'));
    const up = startCli(
      ['up', '--driver', 'docker', '--mode', 'direct'],
      { IBCM_LAB_INDEX: '196', IBCM_LAB_TEST_MARKER: marker },
      (output) => output.includes('Lab up'),
      150_000,
      upDir,
    );
    const pid = up.child.pid!;
    try {
      expect(await up.started, up.output()).toBe(true);
      const before = await objectsOfRun(pid);
      expect(before.containers.length).toBeGreaterThan(0);
      expect([...before.owners]).toEqual([String(pid)]);

      // Another user's `down` (another folder: not this `up`'s own) leaves the live lab alone.
      const downDir = mkdtempSync(join(scratch, 'down-'));
      const down = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, [join(root, 'bin', 'ibcm-lab.mjs'), 'down'], {
          cwd: downDir,
          env: { ...process.env, NO_COLOR: '1' },
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('exit', (code) => resolve({ code, output }));
      });
      expect(down.code, down.output).toBe(0);
      expect(down.output).toMatch(
        new RegExp(`left alone: ${before.containers.length} container\\(s\\) .*-${pid} — process ${pid} .*is still running`),
      );
      const after = await objectsOfRun(pid);
      expect(after.containers.sort()).toEqual(before.containers.sort());
      expect(after.networks.sort()).toEqual(before.networks.sort());

      killGroup(pid, 'SIGKILL');
      const left = await leftAfter(10_000, pid, marker);
      expect(left, `still there 10 s after the SIGKILL:\n${left.join('\n')}`).toEqual([]);
    } finally {
      killGroup(pid, 'SIGKILL');
    }
  }, 200_000);
});
