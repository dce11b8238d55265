// The process module every external proxy runs through: readiness, failures that quote stderr,
// stopping the whole group (SIGTERM, then SIGKILL), and never outliving the Node process.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { accepts, groupAlive, startProcess } from '../../harness/proxies/process/index.js';
import { alive, freePort, refusesTcp } from './world.js';

const HOST = '127.240.5.1';
const logDir = mkdtempSync(join(tmpdir(), 'ibcm-process-test-'));
const here = dirname(fileURLToPath(import.meta.url));
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

/** `node -e` listening on host:port after `delayMs`, optionally ignoring SIGTERM and with a child of its own. */
function listener(port: number, options: { delayMs?: number; ignoreTerm?: boolean; child?: boolean } = {}): string[] {
  const code = [
    options.ignoreTerm ? "process.on('SIGTERM', () => {});" : '',
    options.child
      ? "require('child_process').spawn(process.execPath, ['-e', \"process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)\"], { stdio: 'ignore' });"
      : '',
    "console.log('starting'); console.error('a line on stderr');",
    `setTimeout(() => require('net').createServer().listen(${port}, '${HOST}'), ${options.delayMs ?? 0});`,
    'setInterval(() => {}, 1000);',
  ].join(' ');
  return ['-e', code];
}

describe('startProcess', () => {
  it('resolves when the listener accepts, keeps stdout/stderr in memory and in files, and close() frees the port', async () => {
    const port = await freePort(HOST);
    const proxy = await startProcess({
      name: 'ok',
      command: process.execPath,
      args: listener(port, { delayMs: 200 }),
      logDir,
      waitFor: [{ host: HOST, port }],
    });
    expect(await accepts({ host: HOST, port })).toBe(true);
    await proxy.close();
    expect(alive(proxy.pid)).toBe(false);
    expect(await refusesTcp(HOST, port)).toBe(true);
    expect(proxy.log()).toEqual(expect.arrayContaining(['starting', 'a line on stderr']));
    expect(readFileSync(join(logDir, 'ok.stdout.log'), 'utf8')).toBe('starting\n');
    expect(readFileSync(join(logDir, 'ok.stderr.log'), 'utf8')).toBe('a line on stderr\n');
  });

  it('rejects with the last stderr lines when the process exits before it is ready', async () => {
    const port = await freePort(HOST);
    await expect(
      startProcess({
        name: 'dies',
        command: '/bin/sh',
        args: ['-c', 'echo "cannot read the certificate" >&2; exit 7'],
        logDir,
        waitFor: [{ host: HOST, port }],
      }),
    ).rejects.toThrow(/dies exited before it was ready \(exit code 7\); last stderr lines:\ncannot read the certificate/);
  });

  it('rejects after the timeout, and kills the process', async () => {
    const port = await freePort(HOST);
    // Long enough for a Node process to start and write its stderr line on a loaded machine (a short
    // deadline made this test race the child's start-up); the listener itself waits a minute.
    const error = await startProcess({
      name: 'slow',
      command: process.execPath,
      args: listener(port, { delayMs: 60_000 }),
      logDir,
      waitFor: [{ host: HOST, port }],
      readyTimeoutMs: 5_000,
    }).catch((e: Error) => e);
    expect(String(error)).toMatch(
      new RegExp(
        `slow was not ready within 5 s: nothing accepts TCP on ${HOST.replace(/\./g, '\\.')}:${port}; last stderr lines:\\na line on stderr`,
      ),
    );
  });

  it('refuses to start when something else already listens on a listener address', async () => {
    const port = await freePort(HOST);
    const squatter = net.createServer().listen(port, HOST);
    await new Promise((done) => squatter.once('listening', done));
    try {
      await expect(
        startProcess({ name: 'late', command: process.execPath, args: listener(port), logDir, waitFor: [{ host: HOST, port }] }),
      ).rejects.toThrow(/already in use by another process/);
    } finally {
      squatter.close();
    }
  });

  it('close() kills the whole group with SIGKILL when SIGTERM is ignored, children included', async () => {
    const port = await freePort(HOST);
    const proxy = await startProcess({
      name: 'stubborn',
      command: process.execPath,
      args: listener(port, { ignoreTerm: true, child: true }),
      logDir,
      waitFor: [{ host: HOST, port }],
      killGraceMs: 300,
    });
    expect(alive(proxy.pid)).toBe(true);
    const started = Date.now();
    await proxy.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(alive(proxy.pid)).toBe(false);
    expect(() => process.kill(proxy.pid, 0)).toThrow(); // the leader was reaped by us
    expect(groupAlive(proxy.pid)).toBe(false);
    expect(await proxy.exited).toMatchObject({ signal: 'SIGKILL' });
  });

  for (const how of ['exit', 'signal'] as const) {
    it(`kills the proxy when the Node process ${how === 'exit' ? 'exits' : 'is terminated by SIGTERM'}`, async () => {
      const port = await freePort(HOST);
      const fixture = spawn(
        process.execPath,
        ['--import', 'tsx', resolve(here, 'fixtures/exit-hook.ts'), how, HOST, String(port), logDir],
        { stdio: ['ignore', 'pipe', 'inherit'], cwd: resolve(here, '../..') },
      );
      const pid = await new Promise<number>((done, fail) => {
        fixture.stdout!.once('data', (chunk: Buffer) => done(Number(chunk.toString().trim())));
        fixture.once('exit', (code) => fail(new Error(`fixture exited with ${code} before printing a pid`)));
      });
      expect(pid).toBeGreaterThan(0);
      if (how === 'signal') fixture.kill('SIGTERM');
      const status = await new Promise<{ code: number | null; signal: string | null }>((done) => {
        if (fixture.exitCode !== null || fixture.signalCode !== null) done({ code: fixture.exitCode, signal: fixture.signalCode });
        else fixture.once('exit', (code, signal) => done({ code, signal }));
      });
      expect(status).toEqual(how === 'exit' ? { code: 0, signal: null } : { code: null, signal: 'SIGTERM' });
      for (let i = 0; i < 40 && alive(pid); i++) await new Promise((done) => setTimeout(done, 25));
      expect(alive(pid)).toBe(false);
      expect(await refusesTcp(HOST, port)).toBe(true);
    });
  }
});
