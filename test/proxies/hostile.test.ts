// The client against each hostile proxy directly, without the lab (issue 17): every exchange ends
// within its deadline with an error that names what the proxy did, and the endless header is cut at
// the client's bound (the proxy writes it as the socket drains, so neither side holds it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientTransport, MAX_RAW_RESPONSE_BYTES, MAX_RESPONSE_HEADER_BYTES } from '../../harness/client/transport.js';
import type { ClientProfile } from '../../harness/client/profile.js';
import type { ProxyListener } from '../../harness/proxies/contract/schema.js';
import { HOSTILE_SPECS, startHostileProxy, type HostileBehaviour } from '../../harness/proxies/hostile/index.js';
import type { StartedProxy } from '../../harness/proxies/types.js';

const TIMEOUT_MS = 1500;
let tmp: string;
let tlsFiles: { certificate: string; key: string; chain: string };

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-lab-hostile-'));
  const key = path.join(tmp, 'key.pem');
  const certificate = path.join(tmp, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      certificate,
      '-days',
      '1',
      '-subj',
      '/CN=hostile.test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  tlsFiles = { certificate, key, chain: certificate };
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function hostile(
  behaviour: HostileBehaviour,
  scheme: 'http' | 'https',
  tunnelTo?: number,
): Promise<{ proxy: StartedProxy; origin: string }> {
  const port = await freePort();
  const listener = {
    name: `test-${scheme}`,
    role: 'management-point',
    publicName: '127.0.0.1',
    bind: { host: '127.0.0.1', port },
    scheme,
    // Tunnel mode: no certificate, the client's TLS goes through to the upstream.
    tls: scheme === 'https' && tunnelTo === undefined ? tlsFiles : undefined,
    upstream: { host: '127.0.0.1', port: tunnelTo ?? 1, scheme, serverName: 'x', caBundle: '' },
  } as ProxyListener;
  const proxy = await startHostileProxy({ listeners: [listener], logs: { dir: tmp } } as never, behaviour);
  return { proxy, origin: `${scheme}://127.0.0.1:${port}` };
}

function transport(): ClientTransport {
  const profile = {
    name: 'ws',
    computerName: 'WS',
    fqdn: 'ws.test',
    segment: 'internet',
    install: { UsePKICert: false, NoCRLCheck: true },
    certificate: null,
    trustedRootsPem: readFileSync(tlsFiles.certificate, 'utf8'),
    dns: { host: '127.0.0.1', port: 53 },
    siteSystems: [],
  } as unknown as ClientProfile;
  return new ClientTransport(profile, { timeoutMs: TIMEOUT_MS });
}

const cases: [HostileBehaviour, 'http' | 'https', RegExp, string][] = [
  ['garbage-status', 'http', /status line that is not HTTP/, 'HPE_'],
  ['garbage-status', 'https', /status line that is not HTTP/, 'HPE_'],
  ['silent', 'https', /no answer within 1\.5 s/, 'UND_ERR_HEADERS_TIMEOUT'],
  ['trickle', 'http', /no answer within 1\.5 s/, 'UND_ERR_HEADERS_TIMEOUT'],
  ['endless-header', 'http', new RegExp(`response header exceeded ${MAX_RESPONSE_HEADER_BYTES} bytes`), 'UND_ERR_HEADERS_OVERFLOW'],
  ['endless-header', 'https', /response header exceeded/, 'UND_ERR_HEADERS_OVERFLOW'],
  ['reset-mid-body', 'http', /reset \(TCP RST\)|closed the connection before/, ''],
  ['reset-mid-body', 'https', /reset \(TCP RST\)|closed the connection before/, ''],
  ['tls-half-handshake', 'https', /closed during the TLS handshake/, 'ECONNRESET'],
];

describe('the client against a hostile proxy', () => {
  it.each(cases)('%s over %s ends within its deadline, naming what the proxy did', async (behaviour, scheme, says, code) => {
    const { proxy, origin } = await hostile(behaviour, scheme);
    const client = transport();
    try {
      const started = Date.now();
      const exchange = await client.exchange(origin, { method: 'GET', target: '/SMS_MP/.sms_aut?MPLIST' });
      const took = Date.now() - started;
      expect(exchange.error, JSON.stringify(exchange.error)).toBeDefined();
      expect(exchange.error!.message).toMatch(says);
      if (code) expect(exchange.error!.code.startsWith(code), exchange.error!.code).toBe(true);
      // Headers and idle time: TIMEOUT_MS; the whole exchange: twice that. Never more, with slack.
      expect(took).toBeLessThan(2 * TIMEOUT_MS + 1000);
      // Every behaviour's spec names what its failures must say; this client error says it.
      expect(exchange.error!.message).toMatch(HOSTILE_SPECS.find((spec) => spec.behaviour === behaviour)!.says);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  // Tunnel mode: the TLS is the client's and the site system's (here a TLS server that answers 200).
  const tunnelCases: [HostileBehaviour, RegExp][] = [
    ['garbage-status', /answered something that is not TLS/],
    ['silent', /no answer within 1\.5 s: the TLS handshake was not complete/],
    ['trickle', /no answer within 1\.5 s: the TLS handshake was not complete/],
    ['tls-half-handshake', /closed during the TLS handshake/],
  ];
  it.each(tunnelCases)('%s as a tunnel ends with an error naming what the proxy did', async (behaviour, says) => {
    const site = tls.createServer({ key: readFileSync(tlsFiles.key), cert: readFileSync(tlsFiles.certificate) }, (socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const { proxy, origin } = await hostile(behaviour, 'https', (site.address() as net.AddressInfo).port);
    const client = transport();
    try {
      const exchange = await client.exchange(origin, { method: 'GET', target: '/SMS_MP/.sms_aut?MPLIST' });
      expect(exchange.error, JSON.stringify(exchange)).toBeDefined();
      expect(exchange.error!.message).toMatch(says);
      expect(exchange.error!.message).toMatch(HOSTILE_SPECS.find((spec) => spec.behaviour === behaviour)!.says);
    } finally {
      await client.close();
      await proxy.close();
      site.close();
    }
  });

  it('has no tunnel form of what lives inside the end-to-end TLS (an endless header, a reset mid-body)', async () => {
    for (const behaviour of ['endless-header', 'reset-mid-body'] as const) {
      await expect(hostile(behaviour, 'https', 1)).rejects.toThrow(/no tunnel form/);
      expect(HOSTILE_SPECS.find((spec) => spec.behaviour === behaviour)!.modes ?? ['bridge']).toEqual(['bridge']);
    }
  });

  it('cuts a body that trickles in at its overall deadline (each byte restarts the idle timer)', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n');
        const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('x')), 200);
        socket.once('close', () => clearInterval(timer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new ClientTransport(transport()['profile' as never], { timeoutMs: 1000, deadlineMs: 2000 });
    try {
      const started = Date.now();
      const exchange = await client.exchange(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, {
        method: 'GET',
        target: '/',
      });
      expect(exchange.error?.message).toMatch(/not complete within 2(\.\d)? s \(\d+ bytes of body: it trickled in slower than 64 KiB\/s\)/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('lets a body that keeps flowing at a fair rate outlive the deadline (a large download on a busy machine)', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${8 * 256 * 1024}\r\n\r\n`);
        let sent = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || sent === 8) return clearInterval(timer);
          socket.write(Buffer.alloc(256 * 1024, 0x61));
          sent++;
        }, 200);
        socket.once('close', () => clearInterval(timer));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new ClientTransport(transport()['profile' as never], { timeoutMs: 500, deadlineMs: 800 });
    try {
      const exchange = await client.exchange(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, {
        method: 'GET',
        target: '/',
      });
      expect(exchange.error).toBeUndefined();
      expect(exchange.responseBodyLength).toBe(8 * 256 * 1024);
    } finally {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('stops reading raw bytes from an endless answer at its bound', async () => {
    const { proxy, origin } = await hostile('endless-header', 'http');
    const client = transport();
    try {
      const started = Date.now();
      const result = await client.raw(origin, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      expect(result.error).toBe(`the peer sent more than ${MAX_RAW_RESPONSE_BYTES} bytes`);
      expect(result.response.length).toBeLessThan(MAX_RAW_RESPONSE_BYTES + 1024 * 1024);
      expect(Date.now() - started).toBeLessThan(2 * TIMEOUT_MS + 1000);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('keeps the endless header to a bounded memory on both sides', async () => {
    const { proxy, origin } = await hostile('endless-header', 'http');
    const client = transport();
    const before = process.memoryUsage().rss;
    try {
      for (let round = 0; round < 5; round++)
        expect((await client.exchange(origin, { method: 'GET', target: '/' })).error?.code).toBe('UND_ERR_HEADERS_OVERFLOW');
      expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
      expect(proxy.log().some((line) => /the client hung up after \d+ header bytes/.test(line))).toBe(true);
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
