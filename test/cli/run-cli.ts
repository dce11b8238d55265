// Runs the real CLI as a user would (a child process), for tests of exit codes and messages.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
