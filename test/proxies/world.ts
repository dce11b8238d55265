// A tiny world for the proxy adapter tests: a lab PKI, one HTTPS site server that requires a client
// certificate (the management/distribution point), one plain HTTP site server (the fallback status
// point on port 80), and a proxy contract written to disk by the lab's own contract writer
// (harness/lab/contract.ts), so the adapters are tested against the contract a lab hands them.
// Every address is in 127.240.0.0/16 (one /24 per test file) to stay out of the lab's way.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, buildConnector, type Dispatcher } from 'undici';
import {
  Journal,
  startSiteServer,
  type JournalEntry,
  type SiteRequest,
  type SiteResponse,
  type StartedSiteServer,
} from '../../harness/http/index.js';
import { LabPki, type IssuedCertificate } from '../../harness/pki/index.js';
import { writeContract, type PublishedService } from '../../harness/lab/contract.js';
import type { ProxyContract } from '../../harness/proxies/contract/schema.js';
import { deadInStat } from '../../harness/proxies/process/index.js';

export const PUBLIC_NAME = 'mp.ibcm-proxy-test.example';
export const FSP_NAME = 'fsp.ibcm-proxy-test.example';
export const SITE_CODE = 'LAB';

/** Content served by the DP for ranged GETs. */
export const CONTENT = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7) & 0xff));

export interface World {
  dir: string;
  net: string;
  pki: LabPki;
  certs: {
    site: IssuedCertificate;
    proxyServer: IssuedCertificate;
    proxyClient: IssuedCertificate;
    workstation: IssuedCertificate;
    workstation2: IssuedCertificate;
    revoked: IssuedCertificate;
    revokedIssuer: IssuedCertificate;
  };
  site: StartedSiteServer;
  /**
   * Management points presenting a revoked certificate, and one from the lab's revoked issuing CA
   * (same journal as `site`): the upstreams of `contract('bridge', name, { upstream })`.
   */
  revokedSites: Record<RevokedUpstream, StartedSiteServer>;
  fsp: StartedSiteServer;
  journal: Journal;
  fspJournal: Journal;
  /** Address the proxy's https listener binds, the http listener, egress, forward proxy. */
  addresses: { site: string; httpsListener: string; httpListener: string; egress: string; forward: string };
  /** `upstream`: a bridge contract with one https listener (a port of its own) in front of a revoked site instead. */
  contract(mode: ProxyContract['mode'], name: string, options?: { upstream?: RevokedUpstream }): ProxyContract;
  close(): Promise<void>;
}

export type RevokedUpstream = 'revoked' | 'revoked-issuer';

/** A free port on host (asks the kernel). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The site handler: echoes what arrived, answers ranged GETs with 206, BITS_POST with BITS
 * response headers, and does a connection-bound "NTLM" handshake on /ccm_system_windowsauth/ the
 * way IIS does (the connection, not the request, is authenticated).
 */
export function siteHandler(request: SiteRequest): SiteResponse {
  const echo: [string, string][] = [
    ['X-Echo-Method', request.method],
    ['X-Echo-Target', request.target],
    ['X-Echo-Connection', String(request.connection.id)],
    ['X-Echo-Body-Sha256', createHash('sha256').update(request.body).digest('hex')],
  ];
  if (request.target.startsWith('/ccm_system_windowsauth/')) return ntlm(request, echo);
  const range = request.header('range');
  if (request.method === 'GET' && range) {
    const match = /^bytes=(\d+)-(\d+)$/.exec(range);
    if (match) {
      const start = Number(match[1]);
      const end = Math.min(Number(match[2]), CONTENT.length - 1);
      return {
        status: 206,
        headers: [...echo, ['Content-Type', 'application/octet-stream'], ['Content-Range', `bytes ${start}-${end}/${CONTENT.length}`]],
        body: CONTENT.subarray(start, end + 1),
      };
    }
  }
  if (request.method === 'BITS_POST') {
    return {
      status: 200,
      headers: [
        ...echo,
        ['BITS-Packet-Type', 'Ack'],
        ['BITS-Protocol', '{7df0354d-249b-430f-820d-3d2a9bef4931}'],
        ['BITS-Session-Id', '{6C2B9D7A-1F4E-4B1A-9A31-4E0E2C7B1D55}'],
      ],
    };
  }
  if (request.method === 'PROPFIND') {
    return {
      status: 207,
      headers: [...echo, ['Content-Type', 'text/xml; charset="utf-8"']],
      body: '<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"/>',
    };
  }
  return { status: 200, headers: [...echo, ['Content-Type', 'application/octet-stream']], body: `${request.method} ${request.target}` };
}

function ntlm(request: SiteRequest, echo: [string, string][]): SiteResponse {
  const state = request.connection.state;
  const authorization = request.header('authorization');
  const blob = authorization?.startsWith('NTLM ') ? Buffer.from(authorization.slice(5), 'base64') : undefined;
  if (blob && blob.subarray(0, 8).toString('latin1') === 'NTLMSSP\0' && blob[8] === 1) {
    state.set('challenge', randomBytes(8).toString('hex'));
    const type2 = Buffer.concat([Buffer.from('NTLMSSP\0\x02', 'latin1'), Buffer.from(String(state.get('challenge')))]).toString('base64');
    return { status: 401, headers: [...echo, ['WWW-Authenticate', `NTLM ${type2}`]] };
  }
  if (blob && blob.subarray(0, 8).toString('latin1') === 'NTLMSSP\0' && blob[8] === 3) {
    if (!state.has('challenge'))
      return {
        status: 401,
        headers: [...echo, ['WWW-Authenticate', 'NTLM'], ['X-Ntlm-Problem', 'type 3 on a connection that never got a challenge']],
      };
    state.set('user', blob.subarray(9).toString('utf8'));
    state.delete('challenge');
  }
  if (state.has('user'))
    return {
      status: 200,
      headers: [...echo, ['X-Authenticated-As', String(state.get('user'))]],
      body: `authenticated as ${String(state.get('user'))}`,
    };
  return { status: 401, headers: [...echo, ['WWW-Authenticate', 'NTLM']] };
}

export function ntlmType1(): string {
  return `NTLM ${Buffer.from('NTLMSSP\0\x01\x00\x00\x00', 'latin1').toString('base64')}`;
}

export function ntlmType3(user: string): string {
  return `NTLM ${Buffer.concat([Buffer.from('NTLMSSP\0\x03', 'latin1'), Buffer.from(user)]).toString('base64')}`;
}

export async function createWorld(net24: string): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'ibcm-proxy-test-'));
  const addresses = {
    site: `${net24}.10`,
    httpsListener: `${net24}.20`,
    httpListener: `${net24}.21`,
    egress: `${net24}.30`,
    forward: `${net24}.40`,
  };
  const pki = await LabPki.create({ dir: join(dir, 'pki'), cdpBaseUrl: `http://crl.ibcm-proxy-test.example:20080` });
  const [site, proxyServer, proxyClient, workstation, workstation2, revoked] = await Promise.all([
    pki.issue('site-system-web-server', { name: 'mp', dnsNames: [PUBLIC_NAME, 'mp.intranet.ibcm-proxy-test.example'] }),
    pki.issue('bridging-proxy-server', { name: 'proxy-server', dnsNames: [PUBLIC_NAME, FSP_NAME] }),
    pki.issue('bridging-proxy-client', { name: 'proxy-client', dnsNames: ['proxy.ibcm-proxy-test.example'] }),
    pki.issue('workstation-client', { name: 'ws1', dnsNames: ['ws1.ibcm-proxy-test.example'] }),
    pki.issue('workstation-client', { name: 'ws2', dnsNames: ['ws2.ibcm-proxy-test.example'] }),
    pki.issue('workstation-client', { name: 'ws-revoked', dnsNames: ['ws-revoked.ibcm-proxy-test.example'] }),
  ]);
  const [revokedIssuer, siteRevoked, siteRevokedIssuer] = await Promise.all([
    pki.issue('workstation-client', {
      name: 'ws-revoked-issuer',
      dnsNames: ['ws-revoked-issuer.ibcm-proxy-test.example'],
      issuer: 'revoked-issuing',
    }),
    pki.issue('site-system-web-server', { name: 'mp-revoked', dnsNames: [PUBLIC_NAME] }),
    pki.issue('site-system-web-server', { name: 'mp-revoked-issuer', dnsNames: [PUBLIC_NAME], issuer: 'revoked-issuing' }),
  ]);
  await pki.revoke(revoked.serialNumber, 'keyCompromise');
  await pki.revoke(siteRevoked.serialNumber, 'keyCompromise');
  const journal = new Journal();
  const fspJournal = new Journal();
  const siteServer = await startSiteServer({
    name: 'management-point',
    host: addresses.site,
    port: 0,
    journal,
    handler: siteHandler,
    tls: { key: site.keyPem, cert: site.chainPem, ca: pki.trustBundlePem, crl: pki.crlPems(), clientCertificate: 'require' },
  });
  const fsp = await startSiteServer({
    name: 'fallback-status-point',
    host: addresses.site,
    port: 0,
    journal: fspJournal,
    handler: siteHandler,
  });
  const revokedSite = (certificate: IssuedCertificate) =>
    startSiteServer({
      name: 'management-point',
      host: addresses.site,
      port: 0,
      journal,
      handler: siteHandler,
      tls: {
        key: certificate.keyPem,
        cert: certificate.chainPem,
        ca: pki.trustBundlePem,
        crl: pki.crlPems(),
        clientCertificate: 'require',
      },
    });
  const revokedSites: Record<RevokedUpstream, StartedSiteServer> = {
    revoked: await revokedSite(siteRevoked),
    'revoked-issuer': await revokedSite(siteRevokedIssuer),
  };

  const ports = {
    https: await freePort(addresses.httpsListener),
    http: await freePort(addresses.httpListener),
    forward: await freePort(addresses.forward),
  };
  const revokedPorts: Record<RevokedUpstream, number> = {
    revoked: await freePort(addresses.httpsListener),
    'revoked-issuer': await freePort(addresses.httpsListener),
  };
  const https: PublishedService = {
    name: 'mp1-https',
    role: 'management-point',
    publicName: PUBLIC_NAME,
    scheme: 'https',
    bind: { host: addresses.httpsListener, port: ports.https },
    upstream: { host: addresses.site, port: siteServer.port },
  };
  const http: PublishedService = {
    name: 'fsp-http',
    role: 'fallback-status-point',
    publicName: FSP_NAME,
    scheme: 'http',
    bind: { host: addresses.httpListener, port: ports.http },
    upstream: { host: addresses.site, port: fsp.port },
  };
  // `upstream`: the https listener alone, on a port of its own, in front of a revoked site instead.
  const inFrontOf = (upstream: RevokedUpstream): PublishedService => ({
    ...https,
    name: `mp-${upstream}-https`,
    bind: { ...https.bind, port: revokedPorts[upstream] },
    upstream: { ...https.upstream, port: revokedSites[upstream].port },
  });

  return {
    dir,
    net: net24,
    pki,
    certs: { site, proxyServer, proxyClient, workstation, workstation2, revoked, revokedIssuer },
    site: siteServer,
    revokedSites,
    fsp,
    journal,
    fspJournal,
    addresses,
    contract(mode, name, options = {}) {
      const forward = mode === 'forward';
      return writeContract({
        runId: name,
        mode,
        dir: join(dir, 'runs', name),
        facing: {
          published: forward ? [] : options.upstream ? [inFrontOf(options.upstream)] : [https, http],
          forward: forward ? { bind: { host: addresses.forward, port: ports.forward }, allowedPorts: [443, siteServer.port] } : undefined,
          egress: addresses.egress,
        },
        trustBundlePath: pki.trustBundlePath,
        crlPem: pki.crlPem(),
        crlUrls: pki.crls().map((crl) => crl.url),
        resolver: {
          host: '127.240.255.53',
          port: 20053,
          hostsFileText: `${addresses.site} ${PUBLIC_NAME}\n${addresses.site} ${FSP_NAME}\n`,
        },
        proxyServer,
        proxyClient,
      });
    },
    async close() {
      await Promise.all([siteServer.close(), fsp.close(), ...Object.values(revokedSites).map((server) => server.close())]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CountingClient {
  client: Client;
  /** TCP connections the client opened so far. */
  connections(): number;
}

/** An undici client to a proxy listener, speaking TLS as a workstation would (or with no certificate). */
export function httpsClient(
  world: World,
  port: number,
  identity: IssuedCertificate | null,
  host = world.addresses.httpsListener,
): CountingClient {
  let count = 0;
  const connector = buildConnector({
    ca: world.pki.trustBundlePem,
    cert: identity?.chainPem,
    key: identity?.keyPem,
    servername: PUBLIC_NAME,
    rejectUnauthorized: true,
  });
  const client = new Client(`https://${host}:${port}`, {
    pipelining: 1,
    connect: (options, callback) => {
      count++;
      connector(options, callback);
    },
  });
  return { client, connections: () => count };
}

/** A plain-HTTP undici client (the fallback status point listener). */
export function httpClient(host: string, port: number): CountingClient {
  let count = 0;
  const connector = buildConnector({});
  const client = new Client(`http://${host}:${port}`, {
    connect: (options, callback) => {
      count++;
      connector(options, callback);
    },
  });
  return { client, connections: () => count };
}

export interface Sent {
  method: string;
  target: string;
  headers: [string, string][];
  body?: Buffer;
}

export interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export async function send(dispatcher: Dispatcher, spec: Sent, origin?: string): Promise<Received> {
  const response = await dispatcher.request({
    origin,
    method: spec.method,
    path: spec.target,
    headers: spec.headers.flat(),
    body: spec.body,
    // undici would otherwise close the connection after a body sent with CCM_POST/BITS_POST/PROPFIND.
    reset: false,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  return { status: response.statusCode, headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()) };
}

export function sha256(data: Buffer | undefined): string {
  return createHash('sha256')
    .update(data ?? Buffer.alloc(0))
    .digest('hex');
}

/** The IBCM requests every adapter must carry byte-exact (research W:2–5, 54–58). */
export function ibcmRequests(): Sent[] {
  const boundary = 'aAbBcCdDv1234567890VxXyYzZ';
  const header = Buffer.concat([
    Buffer.from([0xff, 0xfe]),
    Buffer.from('<Msg SchemaVersion="1.1"><ID>{00000000-0000-0000-0000-000000000001}</ID></Msg>', 'utf16le'),
  ]);
  const multipart = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-type: text/plain; charset=UTF-16\r\n\r\n`),
    header,
    Buffer.from(`\r\n--${boundary}\r\ncontent-type: application/octet-stream\r\n\r\n`),
    randomBytes(2048),
    Buffer.from(`\r\n--${boundary}--`),
  ]);
  const signature = 'A1'.repeat(256);
  return [
    { method: 'GET', target: '/SMS_MP/.sms_aut?MPLIST1&LAB', headers: [['User-Agent', 'SMS CCM 5.0']] },
    {
      method: 'CCM_POST',
      target: '/ccm_system/request',
      headers: [
        ['User-Agent', 'ConfigMgr Messaging HTTP Sender'],
        ['Content-Type', `multipart/mixed; boundary="${boundary}"`],
        ['CCMClientID', 'GUID:6C2B9D7A-1F4E-4B1A-9A31-4E0E2C7B1D55'],
        ['CCMClientIDSignature', signature],
        ['CCMClientTimestamp', '2026-11-02T10:00:00Z'],
        ['CCMClientTimestampSignature', signature.toLowerCase()],
        ['CCMAuthHeaderType', '1;2'],
      ],
      body: multipart,
    },
    {
      method: 'BITS_POST',
      target: '/CCM_Incoming/{6C2B9D7A-1F4E-4B1A-9A31-4E0E2C7B1D55}',
      headers: [
        ['BITS-Packet-Type', 'Create-Session'],
        ['BITS-Supported-Protocols', '{7df0354d-249b-430f-820d-3d2a9bef4931}'],
        ['Content-Type', 'application/octet-stream'],
      ],
      body: randomBytes(3 * 1024 * 1024),
    },
    {
      method: 'PROPFIND',
      target: '/SMS_DP_SMSPKG$/Content_%7B1D4E2C7B%7D.1',
      headers: [
        ['Depth', '1'],
        ['Translate', 'f'],
      ],
    },
    {
      method: 'HEAD',
      target: '/SMS_DP_SMSPKG$/Content_%7B1D4E2C7B%7D.1/sccm?/payload.bin',
      headers: [['User-Agent', 'Microsoft BITS/7.8']],
    },
    {
      method: 'GET',
      target: '/SMS_DP_SMSPKG$/Content_%7B1D4E2C7B%7D.1/sccm?/payload.bin',
      headers: [
        ['Range', 'bytes=100-1123'],
        ['User-Agent', 'Microsoft BITS/7.8'],
      ],
    },
  ];
}

/** Problems with how `sent` arrived in `entries` (empty when byte-exact). */
export function arrivalProblems(sent: Sent, entries: JournalEntry[]): string[] {
  const entry = entries.find((candidate) => candidate.method === sent.method && candidate.target === sent.target);
  if (!entry)
    return [`${sent.method} ${sent.target} did not arrive (got: ${entries.map((e) => `${e.method} ${e.target}`).join(', ') || 'nothing'})`];
  const problems: string[] = [];
  if (entry.bodySha256 !== sha256(sent.body))
    problems.push(`${sent.method}: body changed (${sent.body?.length ?? 0} → ${entry.bodyLength} bytes)`);
  for (const [name, value] of sent.headers) {
    const got = entry.headers.find(([candidate]) => candidate.toLowerCase() === name.toLowerCase());
    if (!got) problems.push(`${sent.method}: header ${name} missing`);
    else if (got[1] !== value) problems.push(`${sent.method}: header ${name} changed to ${JSON.stringify(got[1].slice(0, 40))}`);
  }
  return problems;
}

/** Throws when something still accepts TCP at host:port. */
export function refusesTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** True while a live process with this pid exists (a reaped-later zombie whose threads are all gone is not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !deadInStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
