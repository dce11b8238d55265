// The nginx reference adapter against a real nginx (Debian nginx-light + libnginx-mod-stream), and
// the evidence behind its recorded expectation (PX-NTLM-AFFINITY in bridge mode).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxConfig, nginxProxy, startNginx } from '../../harness/proxies/nginx/index.js';
import { requireProgram } from '../programs.js';
import { reverseProxySuite } from './reverse-proxy-cases.js';
import { createWorld, httpsClient, ntlmType1, ntlmType3, send, type World } from './world.js';

reverseProxySuite({
  implementation: nginxProxy,
  start: (contract) => startNginx(contract),
  binary: 'nginx',
  net24: '127.240.1',
  bridgeNtlm: 'shared',
});

describe('nginx configuration', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld('127.240.6');
  });
  afterAll(async () => {
    await world?.close();
  });
  const layout = {
    dir: '/run/x/nginx',
    logsDir: '/run/x/logs',
    tempPaths: ['client_body', 'proxy'] as ('client_body' | 'proxy')[],
    runAsRoot: false,
  };

  it('bridge: mutual TLS both legs, CRL, no body limit, Host as sent, keep-alive upstream', () => {
    const conf = nginxConfig(world.contract('bridge', 'conf-bridge'), layout);
    for (const directive of [
      'ssl_verify_client on;',
      'ssl_verify_depth 3;',
      'ssl_crl ',
      'proxy_ssl_certificate ',
      'proxy_ssl_verify on;',
      'proxy_ssl_server_name on;',
      'client_max_body_size 0;',
      'proxy_set_header Host $http_host;',
      'proxy_request_buffering off;',
      'keepalive 32;',
      'error_page 495 496 =403',
    ]) {
      expect(conf).toContain(directive);
    }
    expect(conf).not.toContain('load_module');
    // Contract 1.1: the site system's chain against the upstream CRL, in the upstream location.
    expect(conf).toMatch(/proxy_ssl_verify on;[\s\S]*proxy_ssl_crl "[^"]+";/);
  });

  it('tunnel: the stream module, no certificates', () => {
    const conf = nginxConfig(world.contract('tunnel', 'conf-tunnel'), {
      ...layout,
      streamModule: '/usr/lib/nginx/modules/ngx_stream_module.so',
    });
    expect(conf).toMatch(/^load_module "\/usr\/lib\/nginx\/modules\/ngx_stream_module\.so";$/m);
    expect(conf).toContain('stream {');
    expect(conf).not.toMatch(/ssl_certificate|http \{/);
  });

  it('refuses what nginx.conf cannot quote, and forward mode', () => {
    const contract = world.contract('bridge', 'conf-bad');
    expect(() => nginxConfig({ ...contract, logs: { dir: '/run/$x/logs' } }, { ...layout, logsDir: '/run/$x/logs' })).toThrow(
      /contains "\$"/,
    );
    expect(() => nginxConfig({ ...contract, egress: { host: '127.0.0.1; evil' } }, layout)).toThrow(/not an address/);
    expect(() => nginxConfig(world.contract('forward', 'conf-forward'), layout)).toThrow(/no forward mode/);
  });

  it('without upstream keepalive the NTLM legs land on different upstream connections (the other half of the expectation)', async () => {
    requireProgram('nginx');
    const contract = world.contract('bridge', 'nginx-no-keepalive');
    const proxy = await startNginx(contract, { upstreamKeepalive: false });
    const { client } = httpsClient(world, contract.listeners[0]!.bind.port, world.certs.workstation);
    try {
      const target = '/ccm_system_windowsauth/request';
      const challenge = await send(client, {
        method: 'CCM_POST',
        target,
        headers: [['Authorization', ntlmType1()]],
        body: Buffer.from('x'),
      });
      const answer = await send(client, {
        method: 'CCM_POST',
        target,
        headers: [['Authorization', ntlmType3('alice')]],
        body: Buffer.from('x'),
      });
      expect(challenge.status).toBe(401);
      expect(answer.status).toBe(401);
      expect(answer.headers['x-echo-connection']).not.toBe(challenge.headers['x-echo-connection']);
      expect(answer.headers['x-ntlm-problem']).toBe('type 3 on a connection that never got a challenge');
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
