// `ibcm-lab proxy-serve`: a built-in proxy run as its own program against a contract on disk — the
// entry point of the proxy images — started, used, and stopped with SIGTERM like a vendor's proxy.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractPath } from '../../harness/proxies/exec/index.js';
import { createWorld, httpsClient, send, type World } from '../proxies/world.js';
import { root, runCli } from './run-cli.js';

function waitForLine(child: ReturnType<typeof spawn>, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr so far:\n${seen}`)),
      timeoutMs,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const line = seen.split('\n').find((item) => pattern.test(item));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}

describe('ibcm-lab proxy-serve', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld('127.240.9');
  });
  afterAll(async () => {
    await world?.close();
  });

  // bin/ibcm-lab-proxy.mjs is the same command without the rest of the CLI: the proxy images' entry point.
  it("serves the contract named by IBCM_PROXY_CONTRACT, logs into logs.dir, and stops cleanly on SIGTERM (the images' entry point)", async () => {
    const contract = world.contract('bridge', 'serve-node');
    const child = spawn(process.execPath, ['bin/ibcm-lab-proxy.mjs', '--proxy', 'node'], {
      cwd: root,
      env: { ...process.env, IBCM_PROXY_CONTRACT: contractPath(contract) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitForLine(child, /node ready in \d+ ms/);
      const { client } = httpsClient(world, contract.listeners[0]!.bind.port, world.certs.workstation);
      const response = await send(client, {
        method: 'CCM_POST',
        target: '/ccm_system/request',
        headers: [['Content-Type', 'application/octet-stream']],
        body: Buffer.from('hello'),
      });
      await client.close();
      expect(response.status).toBe(200);
      expect(response.headers['x-echo-method']).toBe('CCM_POST');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const log = readFileSync(join(contract.logs.dir, 'proxy-serve.log'), 'utf8');
    expect(log).toMatch(/starting node in bridge mode/);
    expect(log).toMatch(/SIGTERM: stopping node[\s\S]*node stopped/);
    expect(existsSync(join(contract.logs.dir, 'node-proxy.log'))).toBe(true);
  });

  it('runs from the full CLI too, reading the proxy name from IBCM_LAB_PROXY as the images set it', async () => {
    const contract = world.contract('tunnel', 'serve-cli');
    const child = spawn(process.execPath, ['bin/ibcm-lab.mjs', 'proxy-serve'], {
      cwd: root,
      env: { ...process.env, IBCM_LAB_PROXY: 'node', IBCM_PROXY_CONTRACT: contractPath(contract) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      expect(await waitForLine(child, /ready in \d+ ms/)).toMatch(/node ready/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('exits 3 with one line when the contract asks for a mode the proxy does not offer', async () => {
    const contract = world.contract('bridge', 'serve-squid-bridge');
    const result = await runCli(['proxy-serve', '--proxy', 'squid'], { IBCM_PROXY_CONTRACT: contractPath(contract) });
    expect(result.code).toBe(3);
    expect(result.stderr.trim()).toBe('ibcm-lab proxy-serve: squid has no bridge mode (it offers forward)');
  });

  it('exits 2 with the reason when there is no contract or no such proxy', async () => {
    const none = await runCli(['proxy-serve', '--proxy', 'node'], { IBCM_PROXY_CONTRACT: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no contract: set IBCM_PROXY_CONTRACT/);
    const unknown = await runCli(['proxy-serve', '--proxy', 'no-such-proxy'], { IBCM_PROXY_CONTRACT: '/nonexistent/contract.json' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown proxy "no-such-proxy"/);
  });
});
