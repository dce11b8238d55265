// The HAProxy reference adapter against a real HAProxy (Debian haproxy 2.6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyConfig, haproxyProxy, startHaproxy } from '../../harness/proxies/haproxy/index.js';
import { requireProgram } from '../programs.js';
import { reverseProxySuite } from './reverse-proxy-cases.js';
import { createWorld, httpsClient, ibcmRequests, send, type World } from './world.js';

reverseProxySuite({
  implementation: haproxyProxy,
  start: startHaproxy,
  binary: 'haproxy',
  net24: '127.240.2',
  bridgeNtlm: 'paired',
});

describe('haproxy configuration', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld('127.240.7');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('bridge: verify required + crl-file, mutual TLS upstream with SNI, connections never shared', () => {
    const contract = world.contract('bridge', 'conf-bridge');
    const conf = haproxyConfig(contract, {
      dir: '/run/x/haproxy',
      serverPem: new Map([['mp1-https', '/run/x/haproxy/server-0.pem']]),
      clientPem: new Map([['mp1-https', '/run/x/haproxy/upstream-client-0.pem']]),
    });
    expect(conf).toMatch(/bind \S+ ssl crt \/run\/x\/haproxy\/server-0\.pem ssl-min-ver TLSv1\.2 verify required ca-file \S+ crl-file \S+/);
    expect(conf).toContain(`sni str(${contract.listeners[0]!.upstream.serverName})`);
    expect(conf).toContain('crt /run/x/haproxy/upstream-client-0.pem');
    // Contract 1.1: the site system's chain against the upstream CRL, on the server line.
    expect(conf).toMatch(/server s \S+ .* verify required ca-file \S+ .* crl-file \S+/);
    expect(conf).toContain('http-reuse never');
    expect(conf).toContain('noreuseport');
    expect(conf).not.toMatch(/forwardfor|compression/);
  });

  it('tunnel: mode tcp, no certificates', () => {
    const conf = haproxyConfig(world.contract('tunnel', 'conf-tunnel'), {
      dir: '/run/x/haproxy',
      serverPem: new Map(),
      clientPem: new Map(),
    });
    expect(conf).toContain('mode tcp');
    expect(conf).not.toMatch(/ crt | ssl |ca-file/);
  });

  it('puts ConfigMgr header names back in their case (HAProxy writes HTTP/1 header names in lower case)', async () => {
    requireProgram('haproxy');
    const contract = world.contract('bridge', 'haproxy-case');
    const proxy = await startHaproxy(contract);
    const { client } = httpsClient(world, contract.listeners[0]!.bind.port, world.certs.workstation);
    const request = ibcmRequests()[1]!; // CCM_POST with the CCMClient* headers
    const mark = world.journal.mark();
    try {
      await send(client, request);
    } finally {
      await client.close();
      await proxy.close();
    }
    const names = world.journal.since(mark)[0]!.headers.map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(request.headers.map(([name]) => name)));
  });
});
