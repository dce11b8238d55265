// Runs the real CLI as a user would (a child process), for tests of exit codes and messages.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { RunResults } from '../../harness/report/results.js';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  env: Record<string, string> = {},
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<CliResult> {
  return new Promise((resolve) => {
    // The tests make dozens of runs an hour: keep only the last 20 run folders (not a week's).
    const child = spawn(process.execPath, ['bin/ibcm-lab.mjs', ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', IBCM_LAB_KEEP_DAYS: '0', ...env },
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Listening TCP sockets on a loopback block 127.<second>.x.x, read from /proc/net/tcp. */
export function listenersInBlock(second: number): string[] {
  const rows = readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1);
  return rows
    .map((row) => row.trim().split(/\s+/))
    .filter((fields) => fields[3] === '0A')
    .map((fields) => {
      const [hex, port] = fields[1]!.split(':');
      const bytes = Buffer.from(hex!, 'hex').reverse();
      return `${[...bytes].join('.')}:${parseInt(port!, 16)}`;
    })
    .filter((address) => address.startsWith(`127.${second}.`));
}

/**
 * Live processes of a run: those carrying the marker in their environment, those whose command line
 * names the run's folder (nginx rewrites its environment, not its -c argument), and every member of
 * their process groups (a proxy's workers).
 */
export function processesOfRun(marker: string, cliPid: number): string[] {
  const rows: { pid: number; pgid: number; state: string; cmdline: string; environ: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      let environ = '';
      try {
        environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      } catch {
        // another user's process: not ours
      }
      rows.push({
        pid: Number(entry),
        state: fields[0]!,
        pgid: Number(fields[2]),
        cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(),
        environ,
      });
    } catch {
      // gone while reading
    }
  }
  const live = rows.filter((row) => row.state !== 'Z' && row.state !== 'X');
  const direct = live.filter((row) => row.environ.includes(marker) || row.cmdline.includes(`-${cliPid}/`));
  const groups = new Set([cliPid, ...direct.map((row) => row.pgid)]);
  return live.filter((row) => direct.includes(row) || groups.has(row.pgid)).map((row) => `${row.pid} ${row.cmdline.slice(0, 120)}`);
}

/**
 * What every interrupted run must show, whichever driver: exit 2, "the run was interrupted" in the
 * results' errors, no failed or blocked verdict, and any check cut short reported as interrupted.
 */
export function expectInterruptedRun(result: CliResult, jsonFile: string): RunResults {
  expect(result.code, result.stdout + result.stderr).toBe(2);
  const results = JSON.parse(readFileSync(jsonFile, 'utf8')) as RunResults;
  expect(results.errors.join('\n')).toMatch(/the run was interrupted/);
  expect(results.results.filter((entry) => entry.status === 'failed' || entry.status === 'blocked')).toEqual([]);
  for (const entry of results.results.filter((item) => item.status === 'error')) expect(entry.reason).toMatch(/^interrupted/);
  return results;
}
