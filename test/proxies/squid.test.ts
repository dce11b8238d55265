// The Squid reference adapter (forward mode) against a real Squid (Debian squid 5.7): CONNECT to the
// site system by name (resolved from the contract's hosts file only), plain-HTTP forwarding for the
// fallback status point, refusals for other ports and non-lab destinations, and a clean stop.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxyAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyContract } from '../../harness/proxies/contract/schema.js';
import { groupAlive, type StartedProcess } from '../../harness/proxies/process/index.js';
import { squidProxy, startSquid } from '../../harness/proxies/squid/index.js';
import { requireProgram } from '../programs.js';
import { FSP_NAME, PUBLIC_NAME, alive, arrivalProblems, createWorld, ibcmRequests, refusesTcp, send, type World } from './world.js';

describe('squid adapter (forward mode)', () => {
  let world: World;
  let contract: ProxyContract;
  let proxy: StartedProcess;
  let proxyUri: string;
  beforeAll(async () => {
    requireProgram('squid');
    world = await createWorld('127.240.3');
    contract = world.contract('forward', 'squid-forward');
    proxy = await startSquid(contract);
    proxyUri = `http://${contract.forwardProxy!.bind.host}:${contract.forwardProxy!.bind.port}`;
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.close();
  });

  it('is the forward-mode reference proxy', () => {
    expect(squidProxy.modes).toEqual(['forward']);
    expect(squidProxy.binaries).toEqual(['squid']);
  });

  it('CONNECTs to the site system by its name (hosts file) and carries IBCM traffic byte-exact, the client certificate end to end', async () => {
    const agent = new ProxyAgent({
      uri: proxyUri,
      connections: 1,
      requestTls: {
        ca: world.pki.trustBundlePem,
        cert: world.certs.workstation.chainPem,
        key: world.certs.workstation.keyPem,
        servername: PUBLIC_NAME,
      },
    });
    const origin = `https://${PUBLIC_NAME}:${world.site.port}`;
    const mark = world.journal.mark();
    const requests = ibcmRequests();
    const statuses: number[] = [];
    try {
      for (const request of requests) statuses.push((await send(agent, request, origin)).status);
    } finally {
      await agent.close();
    }
    expect(statuses).toEqual([200, 200, 200, 207, 200, 206]);
    const received = world.journal.since(mark);
    expect(requests.flatMap((request) => arrivalProblems(request, received))).toEqual([]);
    expect(new Set(received.map((entry) => entry.tls?.peerCertificate?.subject))).toEqual(new Set([world.certs.workstation.subject]));
    // It left from the contract's egress address, over one tunnel (keep-alive inside it).
    expect(new Set(received.map((entry) => entry.remoteAddress))).toEqual(new Set([contract.egress.host]));
    expect(new Set(received.map((entry) => entry.connectionId)).size).toBe(1);
  });

  it('forwards a plain-HTTP fallback status point POST without adding Via or X-Forwarded-For', async () => {
    const agent = new ProxyAgent({ uri: proxyUri, proxyTunnel: false });
    const mark = world.fspJournal.mark();
    const body = Buffer.from('<StateMessage/>', 'utf16le');
    const request = {
      method: 'POST',
      target: '/SMS_FSP/.sms_fsp',
      headers: [['Content-Type', 'application/octet-stream']] as [string, string][],
      body,
    };
    try {
      expect((await send(agent, request, `http://${FSP_NAME}:${world.fsp.port}`)).status).toBe(200);
    } finally {
      await agent.close();
    }
    const received = world.fspJournal.since(mark);
    expect(arrivalProblems(request, received)).toEqual([]);
    const names = received[0]!.headers.map(([name]) => name.toLowerCase());
    expect(names).not.toContain('via');
    expect(names).not.toContain('x-forwarded-for');
  });

  it('refuses CONNECT to a port the contract does not allow, and destinations outside the lab ranges', async () => {
    const mark = world.fspJournal.mark();
    const tunnel = new ProxyAgent({ uri: proxyUri });
    const outcome = await send(tunnel, { method: 'GET', target: '/', headers: [] }, `https://${FSP_NAME}:${world.fsp.port}`).then(
      (response) => `HTTP ${response.status}`,
      (error: Error) => error.message,
    );
    await tunnel.close();
    expect(outcome).toMatch(/403/);
    expect(world.fspJournal.since(mark)).toEqual([]);

    const plain = new ProxyAgent({ uri: proxyUri, proxyTunnel: false });
    // 192.0.2.1 (TEST-NET-1) is outside 127/8 and 198.18/15: refused before any connection is tried.
    const outside = await send(plain, { method: 'GET', target: '/', headers: [] }, 'http://192.0.2.1:8080');
    await plain.close();
    expect(outside.status).toBe(403);
  });

  it('close() stops Squid, frees its port and shared memory, and leaves its logs in the logs directory', async () => {
    expect(alive(proxy.pid)).toBe(true);
    expect(proxy.log().some((line) => line.includes(`CONNECT ${PUBLIC_NAME}:${world.site.port}`))).toBe(true);
    await proxy.close();
    expect(alive(proxy.pid)).toBe(false);
    expect(() => process.kill(proxy.pid, 0)).toThrow(); // the leader was reaped by us
    expect(groupAlive(proxy.pid)).toBe(false);
    expect(await refusesTcp(contract.forwardProxy!.bind.host, contract.forwardProxy!.bind.port)).toBe(true);
    const service = proxy
      .log()
      .find((line) => line.includes('Service Name:'))
      ?.split('Service Name: ')[1];
    expect(service).toMatch(/^ibcmlab/);
    if (existsSync('/dev/shm')) expect(readdirSync('/dev/shm').filter((name) => name.startsWith(`${service}-`))).toEqual([]);
    const access = readFileSync(join(contract.logs.dir, 'squid-access.log'), 'utf8');
    expect(access).toContain(`CONNECT ${PUBLIC_NAME}:${world.site.port}`);
    expect(access).toContain('POST http://');
  });
});
