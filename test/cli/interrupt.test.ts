// A run that is stopped stops cleanly: Ctrl-C gives exit 2 with what was not run and never a failed
// verdict made by the stop; a CLI killed outright (SIGKILL, no handler runs) leaves no process of
// its run behind — Playwright, its workers and the proxies they started stop by themselves.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBinary } from '../../harness/proxies/binaries.js';
import { expectInterruptedRun, listenersInBlock, processesOfRun, root, runCli } from './run-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'ibcm-lab-interrupt-'));
/** A check's line in the progress output: the labs are up and checks are running. */
const CHECK_LINE = /^\s+[✔✘!⊘–] PX-/m;

// Pinned loopback blocks 168 and 169: unused by the other CLI tests (171, 173-175, 177-178).
describe('stopping a run', () => {
  it('Ctrl-C mid-run: exit 2, the cut-short check could not run, the rest listed as not run, nothing failed', async () => {
    const index = 168;
    const json = join(scratch, 'interrupted.json');
    let interruptedAt = 0;
    const result = await runCli(
      ['run', '--mode', 'bridge', '--grep', 'PX-HDR', '--workers', '1', '--json', json],
      { IBCM_LAB_INDEX: String(index) },
      (stdout, child) => {
        if (!interruptedAt && CHECK_LINE.test(stdout)) {
          interruptedAt = Date.now();
          process.kill(-child.pid!, 'SIGINT');
        }
      },
    );
    expect(interruptedAt, result.stdout + result.stderr).toBeGreaterThan(0);
    const results = expectInterruptedRun(result, json);
    // Every selected check is accounted for: a verdict, or named as not run (never "not covered").
    expect(results.results.length + (results.notRun?.length ?? 0)).toBe(7);
    expect(results.notCovered).toEqual([]);
    if (results.notRun?.length) expect(result.stdout).toMatch(new RegExp(`${results.notRun.length} not run \\(interrupted\\)`));
    expect(results.runDir).toContain(results.runId);
    expect(results.runDirBytes).toBeGreaterThan(0);
    expect(listenersInBlock(16 + index)).toEqual([]);
  }, 90_000);

  it('SIGKILL of the CLI: no process of the run is left 10 s later', async () => {
    const index = 169;
    const marker = `ibcm-lab-test-${process.pid}-${Date.now()}`;
    const proxy = findBinary('nginx') ? 'nginx' : 'node';
    const child = spawn(
      process.execPath,
      ['bin/ibcm-lab.mjs', 'run', '--proxy', proxy, '--mode', 'bridge', '--grep', '^PX-', '--workers', '1'],
      {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1', IBCM_LAB_INDEX: String(index), IBCM_LAB_TEST_MARKER: marker },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    const started = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (CHECK_LINE.test(stdout)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.on('exit', () => resolve(false));
    });
    child.stdout.removeAllListeners('data');
    child.stdout.resume();
    child.stderr.resume();
    expect(started, stdout).toBe(true);
    const before = processesOfRun(marker, child.pid!);
    expect(before.length, before.join('\n')).toBeGreaterThanOrEqual(3); // the CLI, Playwright, a worker (and the proxy)
    process.kill(child.pid!, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    let left = processesOfRun(marker, child.pid!);
    while (left.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      left = processesOfRun(marker, child.pid!);
    }
    try {
      expect(left, `still running 10 s after the CLI was killed:\n${left.join('\n')}`).toEqual([]);
      expect(listenersInBlock(16 + index)).toEqual([]);
    } finally {
      for (const line of left) {
        try {
          process.kill(Number(line.split(' ')[0]), 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
  }, 90_000);
});
