// `--proxy exec:<command>` with the example proxy written from the contract document alone
// (examples/haproxy-tunnel.sh): tunnel mode works end to end; other modes fail to start with the
// script's own reason; the contract file is where the document says; close() leaves nothing behind.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyContract } from '../../harness/proxies/contract/schema.js';
import { contractPath, ensureContractFile, execProxy } from '../../harness/proxies/exec/index.js';
import { groupAlive, type StartedProcess } from '../../harness/proxies/process/index.js';
import { requireProgram } from '../programs.js';
import { alive, arrivalProblems, createWorld, httpsClient, ibcmRequests, refusesTcp, send, type World } from './world.js';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/haproxy-tunnel.sh');
/** examples/haproxy-tunnel.sh runs HAProxy and reads its contract with python3. */
const requireScriptPrograms = () => ['haproxy', 'python3'].forEach(requireProgram);

describe('exec: adapter', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld('127.240.4');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('names itself after the command and offers every mode (the command decides)', () => {
    const proxy = execProxy('sh examples/haproxy-tunnel.sh');
    expect(proxy.name).toBe('exec:sh examples/haproxy-tunnel.sh');
    expect(proxy.modes).toEqual(['bridge', 'tunnel', 'forward']);
  });

  it('finds contract.json beside the logs directory, and writes it there when the lab has not', () => {
    const contract = world.contract('tunnel', 'exec-contract-file');
    const file = contractPath(contract);
    expect(file).toBe(join(dirname(contract.logs.dir), 'contract.json'));
    rmSync(file);
    expect(ensureContractFile(contract)).toBe(file);
    expect(ProxyContract.parse(JSON.parse(readFileSync(file, 'utf8')))).toEqual(JSON.parse(JSON.stringify(contract)));
  });

  it('runs examples/haproxy-tunnel.sh in tunnel mode: IBCM traffic byte-exact, the client certificate reaches the site system', async () => {
    requireScriptPrograms();
    const contract = world.contract('tunnel', 'exec-tunnel');
    const proxy = (await execProxy(`sh ${script}`).start(contract)) as StartedProcess;
    try {
      const mark = world.journal.mark();
      const { client } = httpsClient(world, contract.listeners[0]!.bind.port, world.certs.workstation);
      const requests = ibcmRequests();
      try {
        for (const request of requests) await send(client, request);
      } finally {
        await client.close();
      }
      const received = world.journal.since(mark);
      expect(requests.flatMap((request) => arrivalProblems(request, received))).toEqual([]);
      expect(new Set(received.map((entry) => entry.tls?.peerCertificate?.subject))).toEqual(new Set([world.certs.workstation.subject]));
      expect(existsSync(join(contract.logs.dir, 'haproxy-tunnel.cfg'))).toBe(true);
      expect(existsSync(join(contract.logs.dir, 'exec.stdout.log'))).toBe(true);
    } finally {
      await proxy.close();
    }
    // `exec haproxy` replaced the shell, so the group leader is HAProxy itself; nothing outlives close().
    expect(alive(proxy.pid)).toBe(false);
    expect(() => process.kill(proxy.pid, 0)).toThrow(); // the leader was reaped by us
    expect(groupAlive(proxy.pid)).toBe(false);
    for (const listener of contract.listeners) expect(await refusesTcp(listener.bind.host, listener.bind.port)).toBe(true);
    expect(proxy.log().join('\n')).toMatch(/tunnel_0/);
  });

  it("fails to start in bridge mode with the script's reason (exit 3), quoting its stderr", async () => {
    requireScriptPrograms();
    const contract = world.contract('bridge', 'exec-bridge');
    await expect(execProxy(`sh ${script}`).start(contract)).rejects.toThrow(
      /exited before it was ready \(exit code 3\)[\s\S]*bridge mode needs TLS termination/,
    );
    for (const listener of contract.listeners) expect(await refusesTcp(listener.bind.host, listener.bind.port)).toBe(true);
  });
});
