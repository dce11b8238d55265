/** Site server over TLS: client-certificate policy (require / request), CRL, journal TLS facts, undici over TLS. */
import { Client } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Journal, startSiteServer, type SiteRequest, type StartedSiteServer } from '../../harness/http/index.js';
import { exchange, parseResponses } from './helpers.js';
import { createTlsMaterial, type KeyPairPem, type TlsMaterial } from './tls-material.js';

const DP_TARGET = '/SMS_DP_SMSPKG$/Content_1.1/sccm?/a%7Bb%7D.msi';

describe('site server over TLS', () => {
  let material: TlsMaterial;
  const journal = new Journal();
  const seen: SiteRequest[] = [];
  let requireServer: StartedSiteServer;
  let requestServer: StartedSiteServer;

  beforeAll(async () => {
    material = createTlsMaterial();
    const handler = (request: SiteRequest) => {
      seen.push(request);
      return { status: 200, headers: [['Content-Type', 'text/plain']] as [string, string][], body: `${request.method} ok` };
    };
    const tlsOptions = { key: material.server.key, cert: material.server.cert, ca: material.ca, crl: material.crl };
    requireServer = await startSiteServer({
      name: 'management-point',
      host: '127.0.0.1',
      port: 0,
      journal,
      handler,
      tls: { ...tlsOptions, clientCertificate: 'require' },
    });
    requestServer = await startSiteServer({
      name: 'distribution-point',
      host: '127.0.0.1',
      port: 0,
      journal,
      handler,
      tls: { ...tlsOptions, clientCertificate: 'request' },
    });
  });
  afterAll(async () => {
    await requireServer?.close();
    await requestServer?.close();
    material?.cleanup();
  });
  beforeEach(() => {
    journal.clear();
    seen.length = 0;
  });

  const tlsClient = (credentials?: KeyPairPem) => ({ ca: material.ca, servername: 'localhost', ...credentials });

  it('serves CCM_POST byte-exact to a trusted client and journals the TLS facts', async () => {
    const head = `CCM_POST ${DP_TARGET} HTTP/1.1\r\nHost: mp.ibcm.lab\r\nCCM-Client-Cert: yes\r\nContent-Length: 4\r\n\r\nbody`;
    const result = await exchange(requireServer.port, head, { tls: tlsClient(material.client) });
    const [response] = await parseResponses(result.bytes);
    expect(response.status).toBe(200);
    expect(seen[0].connection.tls?.peerCertificate?.subject).toContain('CN=client-good.lab');

    const [entry] = journal.entries();
    expect(entry).toMatchObject({ requestLine: `CCM_POST ${DP_TARGET} HTTP/1.1`, target: DP_TARGET, bodyLength: 4 });
    expect(entry.headers).toEqual([
      ['Host', 'mp.ibcm.lab'],
      ['CCM-Client-Cert', 'yes'],
      ['Content-Length', '4'],
    ]);
    expect(entry.tls).toMatchObject({ authorized: true, authorizationError: null, servername: 'localhost' });
    expect(entry.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(entry.tls?.cipher).toBeTruthy();
    expect(entry.tls?.peerCertificate).toMatchObject({
      subject: 'O=IBCM Lab, CN=client-good.lab',
      issuer: 'O=IBCM Lab, CN=IBCM Lab Test Root CA',
      serialNumber: '2001',
    });
    expect(entry.tls?.peerCertificate?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('works with undici as a TLS client (BITS_POST, PROPFIND, keep-alive)', async () => {
    const client = new Client(`https://127.0.0.1:${requireServer.port}`, { connect: tlsClient(material.client) });
    try {
      for (const method of ['CCM_POST', 'BITS_POST', 'PROPFIND']) {
        const { statusCode, body } = await client.request({ method, path: DP_TARGET, body: '<x/>', reset: false });
        expect(statusCode).toBe(200);
        expect(await body.text()).toBe(`${method} ok`);
      }
    } finally {
      await client.close();
    }
    const entries = journal.entries();
    expect(entries.map((entry) => entry.method)).toEqual(['CCM_POST', 'BITS_POST', 'PROPFIND']);
    expect(new Set(entries.map((entry) => entry.connectionId)).size).toBe(1);
  });

  it.each([
    ['no client certificate', undefined, '403.7', 'NO_CLIENT_CERTIFICATE'],
    ['a revoked client certificate', 'revoked', '403.13', 'CERT_REVOKED'],
    ['an untrusted client certificate', 'rogue', '403.16', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ] as const)('answers 403 without calling the handler for %s', async (_label, which, subStatus, error) => {
    const credentials = which === 'revoked' ? material.revokedClient : which === 'rogue' ? material.rogueClient : undefined;
    const request = 'CCM_POST /ccm_system/request HTTP/1.1\r\nHost: mp.ibcm.lab\r\nContent-Length: 0\r\n\r\n';
    const result = await exchange(requireServer.port, [request, request], { tls: tlsClient(credentials) });
    const responses = await parseResponses(result.bytes);
    expect(responses.map((response) => response.status)).toEqual([403, 403]);
    expect(responses[0].body.toString()).toContain(subStatus);
    expect(seen).toHaveLength(0);
    const entries = journal.entries();
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ method: 'CCM_POST', target: '/ccm_system/request', error, response: { status: 403 } });
    expect(entries[0].tls?.authorized).toBe(false);
    if (which === 'revoked') expect(entries[0].tls?.peerCertificate?.subject).toContain('CN=client-revoked.lab');
    if (which === undefined) expect(entries[0].tls?.peerCertificate).toBeNull();
  });

  it("with clientCertificate 'request' calls the handler and reports the verdict in the facts", async () => {
    const anonymous = await exchange(requestServer.port, 'GET / HTTP/1.1\r\nHost: dp\r\n\r\n', { tls: tlsClient() });
    const revoked = await exchange(requestServer.port, 'GET / HTTP/1.1\r\nHost: dp\r\n\r\n', { tls: tlsClient(material.revokedClient) });
    expect((await parseResponses(anonymous.bytes))[0].status).toBe(200);
    expect((await parseResponses(revoked.bytes))[0].status).toBe(200);
    expect(seen.map((request) => request.connection.tls?.authorized)).toEqual([false, false]);
    expect(seen[1].connection.tls?.authorizationError).toBe('CERT_REVOKED');
    expect(journal.entries().every((entry) => entry.server === 'distribution-point' && entry.error === undefined)).toBe(true);
  });

  it('survives a client that aborts the handshake', async () => {
    const result = await exchange(requireServer.port, Buffer.from('\x16\x03\x01\x00\x05hello', 'latin1'));
    expect(result.closed).toBe(true);
    const good = await exchange(requireServer.port, 'GET / HTTP/1.1\r\nHost: mp\r\n\r\n', { tls: tlsClient(material.client) });
    expect((await parseResponses(good.bytes))[0].status).toBe(200);
  });
});
