// A lab variant's own path is a prerequisite of a PKI leg (suites/pki/support.ts, variantAttempt):
// when the client's connection to a listener the variant started could not even be opened
// (refused, unreachable, a TCP connect that timed out), the leg is blocked and says which listener;
// anything the proxy did once connected — closing the TLS handshake, silence — stays the leg's verdict.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exchange, IbcmClient } from '../../harness/client/index.js';
import type { ClientProfile } from '../../harness/client/profile.js';
import { ClientTransport } from '../../harness/client/transport.js';
import type { JournalEntry } from '../../harness/http/index.js';
import type { Lab } from '../../harness/lab/index.js';
import type { ProxyContract } from '../../harness/proxies/index.js';
import { CheckBlocked, CheckFailure, Evidence } from '../../suites/evidence.js';
import { connectionNotOpened, ensureClientRefusedServer, ownListeners, variantAttempt } from '../../suites/pki/support.js';

const BRIDGE = '198.19.20.11';

function bridgeContract(host = BRIDGE, port = 443): ProxyContract {
  return {
    mode: 'bridge',
    listeners: [{ name: 'mp1-https', role: 'management-point', publicName: 'mp.ibcm-lab.example', bind: { host, port }, scheme: 'https' }],
  } as unknown as ProxyContract;
}

const siteSystems: Lab['siteSystems'] = [
  {
    name: 'mp1',
    kind: 'management-point',
    internetFqdn: 'mp.ibcm-lab.example',
    intranetFqdn: 'mp1.corp.ibcm-lab.test',
    address: '198.19.21.10',
    internetAddress: '198.19.20.12',
    services: [
      { service: 'https', wellKnownPort: 443, port: 443, published: true },
      { service: 'http', wellKnownPort: 80, port: 80, published: false },
    ],
  },
];

function failedExchange(code: string, message: string, extra: Partial<Exchange> = {}): Exchange {
  return {
    at: '',
    origin: 'https://mp.ibcm-lab.example',
    method: 'GET',
    target: '/SMS_MP/.sms_aut?MPLIST1&LAB',
    requestHeaders: [],
    requestBodyLength: 0,
    requestBodySha256: '',
    error: { code, message },
    connection: 1,
    durationMs: 1,
    ...extra,
  };
}

describe('ownListeners', () => {
  it("names the bridge's listeners by address and by published name", () => {
    const listeners = ownListeners({ mode: 'bridge', proxyContract: bridgeContract(), siteSystems });
    expect(listeners.get(`${BRIDGE}:443`)).toBe("the bridging proxy's listener for mp.ibcm-lab.example");
    expect(listeners.get('mp.ibcm-lab.example:443')).toBe("the bridging proxy's listener for mp.ibcm-lab.example");
    // Behind a bridge the client never dials the MP itself.
    expect(listeners.has('198.19.20.12:443')).toBe(false);
  });

  it('names the web proxy in forward mode and the site systems where no proxy publishes them', () => {
    const forward = {
      mode: 'forward',
      listeners: [],
      forwardProxy: { bind: { host: '198.19.20.13', port: 3128 }, allowedPorts: [443] },
    } as unknown as ProxyContract;
    expect(ownListeners({ mode: 'forward', proxyContract: forward, siteSystems }).get('198.19.20.13:3128')).toBe('the web proxy');
    const direct = ownListeners({ mode: 'direct', proxyContract: null, siteSystems });
    expect(direct.get('198.19.20.12:443')).toBe("mp1's https listener for mp.ibcm-lab.example");
    expect(direct.has('198.19.20.12:80')).toBe(false);
  });
});

describe('connectionNotOpened', () => {
  const listeners = ownListeners({ mode: 'bridge', proxyContract: bridgeContract(), siteSystems });

  it('finds a refused, an unreachable and a timed-out TCP connect to the lab’s own listener', () => {
    expect(connectionNotOpened(failedExchange('ECONNREFUSED', `connect ECONNREFUSED ${BRIDGE}:443`), listeners)).toEqual({
      endpoint: `${BRIDGE}:443`,
      who: "the bridging proxy's listener for mp.ibcm-lab.example",
      how: 'was refused',
    });
    expect(connectionNotOpened(failedExchange('EHOSTUNREACH', `connect EHOSTUNREACH ${BRIDGE}:443`), listeners)?.how).toBe(
      'found no host there',
    );
    // The client's own TCP connect timeout names the host it dialled; a station says ETIMEDOUT with the same words.
    for (const code of ['UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'])
      expect(
        connectionNotOpened(failedExchange(code, 'connect to mp.ibcm-lab.example:443 timed out after 10000 ms'), listeners),
      ).toMatchObject({ endpoint: 'mp.ibcm-lab.example:443', how: 'was not answered within 10 s' });
  });

  it("leaves alone whatever the proxy did on a connection, and addresses that are not the lab's", () => {
    const notOurs = [
      failedExchange('ECONNREFUSED', 'connect ECONNREFUSED 198.19.99.11:443'),
      failedExchange('ECONNREFUSED', `connect ECONNREFUSED ${BRIDGE}:8443`),
      // hostile-tls-half-handshake, hostile-silent: the proxy answered the connect.
      failedExchange(
        'ECONNRESET',
        `the connection was closed during the TLS handshake: Client network socket disconnected (${BRIDGE}:443)`,
      ),
      failedExchange(
        'UND_ERR_CONNECT_TIMEOUT',
        'no answer within 10 s: the TLS handshake was not complete (the peer stayed silent or trickled it)',
      ),
      failedExchange('CERT_HAS_EXPIRED', 'CERT_HAS_EXPIRED: the server presented CN=mp.ibcm-lab.example …', {
        tls: { subject: 'CN=mp.ibcm-lab.example' } as Exchange['tls'],
      }),
      { ...failedExchange('ECONNREFUSED', `connect ECONNREFUSED ${BRIDGE}:443`), status: 502 },
    ];
    for (const exchange of notOurs) expect(connectionNotOpened(exchange, listeners), exchange.error!.message).toBeUndefined();
  });
});

describe('connectionNotOpened on what the client transport really reports', () => {
  let closedPort: number;
  let closer: net.Server;
  let closerPort: number;
  // What the transport reads of a profile to open a connection to an IP literal, no CRL check.
  const profile = { install: { NoCRLCheck: true }, certificate: null, trustedRootsPem: '' } as unknown as ClientProfile;

  beforeAll(async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    // A "proxy" that accepts TCP and drops it at once: the connection was opened.
    closer = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', resolve));
    closerPort = (closer.address() as net.AddressInfo).port;
  });
  afterAll(() => closer.close());

  async function exchangeWith(port: number): Promise<Exchange> {
    const transport = new ClientTransport(profile, { timeoutMs: 2000 });
    try {
      return await transport.exchange(`https://127.0.0.1:${port}`, { method: 'GET', target: '/' });
    } finally {
      await transport.close();
    }
  }

  it('a refused connect to a listener of the lab is found; one the listener accepted and closed is not', async () => {
    const listeners = ownListeners({ mode: 'bridge', proxyContract: bridgeContract('127.0.0.1', closedPort), siteSystems: [] });
    const refused = await exchangeWith(closedPort);
    expect(refused.error?.code).toBe('ECONNREFUSED');
    expect(connectionNotOpened(refused, listeners)).toMatchObject({ endpoint: `127.0.0.1:${closedPort}`, how: 'was refused' });

    const closed = await exchangeWith(closerPort);
    expect(closed.error).toBeDefined();
    const accepting = ownListeners({ mode: 'bridge', proxyContract: bridgeContract('127.0.0.1', closerPort), siteSystems: [] });
    expect(connectionNotOpened(closed, accepting)).toBeUndefined();
  });
});

describe('variantAttempt', () => {
  /** A lab variant as the helper sees it: its contract, an MP journal and a proxy log that grows. */
  function variant(): Lab & { log: string[] } {
    const log = ['nginx-error.log: start worker processes'];
    const entries: JournalEntry[] = [];
    return {
      log,
      mode: 'bridge',
      topology: { name: 'ibcm-lab [proxyClient-expired]' },
      proxyContract: bridgeContract(),
      siteSystems,
      proxyLog: () => [...log],
      journal: () => ({ entries: () => entries, mark: () => entries.length, since: (mark: number) => entries.slice(mark) }),
    } as unknown as Lab & { log: string[] };
  }

  const clientGetting = (exchange: Exchange, onAsk?: () => void) =>
    ({
      getMpList: async () => {
        onAsk?.();
        return exchange;
      },
    }) as unknown as IbcmClient;

  const refused = failedExchange('ECONNREFUSED', `connect ECONNREFUSED ${BRIDGE}:443`);
  const leg = 'the bridge presenting its expired client certificate CN=proxy (serial 1a) to the MP';

  it('blocks the leg when the connection to the variant’s bridge is refused, naming the listener and the leg', async () => {
    const lab = variant();
    const evidence = new Evidence();
    const attempt = variantAttempt(
      lab,
      clientGetting(refused, () => lab.log.push('proxy-serve: nginx ready in 153 ms')),
      evidence,
      leg,
    );
    await expect(attempt).rejects.toBeInstanceOf(CheckBlocked);
    await expect(variantAttempt(lab, clientGetting(refused), new Evidence(), leg)).rejects.toThrow(
      new RegExp(
        `^the lab could not reach a listener it started itself — the bridging proxy's listener for mp\\.ibcm-lab\\.example at ${BRIDGE.replace(/\./g, '\\.')}:443: the client's connection to it was refused \\(ECONNREFUSED: connect ECONNREFUSED .*lab variant "ibcm-lab \\[proxyClient-expired\\]" had found it accepting TCP when it started .*nothing was learnt about the bridge presenting its expired client certificate`,
      ),
    );
    // The evidence keeps what the client saw and the variant's proxy lines of the attempt.
    const json = evidence.toJSON();
    expect(json.client[0]?.error?.code).toBe('ECONNREFUSED');
    expect(json.proxyLog).toEqual(['[ibcm-lab [proxyClient-expired]] proxy-serve: nginx ready in 153 ms']);
  });

  it('blocks only for a connection to its own listeners that was not opened', async () => {
    const lab = variant();
    const unresolved = failedExchange('ENOTFOUND', 'getaddrinfo ENOTFOUND mp.ibcm-lab.example (lab dns 198.19.20.53:53)');
    expect((await variantAttempt(lab, clientGetting(unresolved), new Evidence(), leg)).exchange.error?.code).toBe('ENOTFOUND');
    const elsewhere = failedExchange('ECONNREFUSED', 'connect ECONNREFUSED 198.19.99.11:443');
    expect((await variantAttempt(lab, clientGetting(elsewhere), new Evidence(), leg)).exchange).toBe(elsewhere);
    await expect(variantAttempt(lab, clientGetting(refused), new Evidence(), leg)).rejects.toBeInstanceOf(CheckBlocked);
  });

  it('lets a proxy that accepted the connection and closed the TLS handshake fail the leg', async () => {
    const closed = failedExchange('ECONNRESET', 'the connection was closed during the TLS handshake: Client network socket disconnected');
    const attempt = await variantAttempt(variant(), clientGetting(closed), new Evidence(), leg);
    expect(() => ensureClientRefusedServer(attempt, /^CERT_HAS_EXPIRED$/, leg)).toThrow(CheckFailure);
    try {
      ensureClientRefusedServer(attempt, /^CERT_HAS_EXPIRED$/, leg);
    } catch (error) {
      expect((error as CheckFailure).code).toBe('failed-for-another-reason');
    }
  });
});
