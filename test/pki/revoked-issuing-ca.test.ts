// The lab's revoked issuing CA (issue 11, finding 4): a second issuing CA under the trusted root,
// on the root's CRL from the first publication. Its certificates chain to a trusted root and their
// own serials are on no CRL, so only a revocation check of the whole chain refuses them — which is
// what Node, nginx and HAProxy do with every CA's CRL loaded (CRL_CHECK_ALL), and what a
// leaf-only check (OpenSSL `-crl_check`, Apache `SSLCARevocationCheck leaf`) misses.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabPki, normalizeSerialNumber, variantIssueOptions, type IssuedCertificate } from '../../harness/pki/index.js';

const MP = 'mp.ibcm-lab.example';
let tmp: string;
let pki: LabPki;
let orphanClient: IssuedCertificate;
let orphanServer: IssuedCertificate;
let goodClient: IssuedCertificate;
let goodServer: IssuedCertificate;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-lab-pki-revoked-ca-'));
  pki = await LabPki.create({ dir: path.join(tmp, 'pki'), cdpBaseUrl: 'http://crl.ibcm-lab.example:20080' });
  [orphanClient, orphanServer, goodClient, goodServer] = await Promise.all([
    pki.issue('workstation-client', { name: 'client-orphan', subjectCn: 'client01.corp.ibcm-lab.example', issuer: 'revoked-issuing' }),
    pki.issue('site-system-web-server', { name: 'mp-orphan', dnsNames: [MP], issuer: 'revoked-issuing' }),
    pki.issue('workstation-client', { name: 'client-good', subjectCn: 'client02.corp.ibcm-lab.example' }),
    pki.issue('site-system-web-server', { name: 'mp-good', dnsNames: [MP] }),
  ]);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const serialOf = (pem: string) => normalizeSerialNumber(new X509Certificate(pem).serialNumber);

describe('the revoked issuing CA', () => {
  it('is on the root CRL from the start; the default chain and trust bundle are unchanged', () => {
    const [rootCrl, issuingCrl, revokedCrl] = pki.crls();
    expect(pki.crls()).toHaveLength(3);
    expect(rootCrl!.revokedSerials).toEqual([serialOf(pki.revokedIssuingCaPem)]);
    expect(issuingCrl!.revokedSerials).toEqual([]);
    expect(revokedCrl!.url).toBe('http://crl.ibcm-lab.example:20080/IBCM-Lab-Revoked-Issuing-CA.crl');
    expect(revokedCrl!.issuer).toBe('CN=IBCM Lab Revoked Issuing CA, O=IBCM Lab');
    expect(pki.trustBundlePem).toBe(pki.rootCaPem + pki.issuingCaPem);
    expect(goodClient.issuer).toEqual({ subject: 'CN=IBCM Lab Issuing CA, O=IBCM Lab', serialNumber: serialOf(pki.issuingCaPem) });
    expect(goodClient.issuedBy).toBe('issuing');
  });

  it('issues leaves whose own serial is on no CRL, with their issuer named and the chain to send', () => {
    expect(orphanClient.issuedBy).toBe('revoked-issuing');
    expect(orphanClient.issuer).toEqual({
      subject: 'CN=IBCM Lab Revoked Issuing CA, O=IBCM Lab',
      serialNumber: serialOf(pki.revokedIssuingCaPem),
    });
    expect(orphanClient.chainPem).toBe(orphanClient.certPem + pki.revokedIssuingCaPem);
    expect(orphanClient.crlUrls).toEqual(['http://crl.ibcm-lab.example:20080/IBCM-Lab-Revoked-Issuing-CA.crl']);
    expect(new X509Certificate(orphanClient.certPem).checkIssued(new X509Certificate(pki.revokedIssuingCaPem))).toBe(true);
    for (const crl of pki.crls()) expect(crl.revokedSerials).not.toContain(orphanClient.serialNumber);
  });

  it('is what the revoked-issuer variant asks for (no leaf revocation)', () => {
    const base = { name: 'x', subjectCn: 'x.example' };
    expect(variantIssueOptions('revoked-issuer', 'workstation-client', base, { clock: new Date() })).toEqual({
      options: { ...base, issuer: 'revoked-issuing' },
      revoke: false,
    });
  });

  it('OpenSSL: a leaf-only CRL check accepts its certificates, a check of the whole chain refuses them', () => {
    const dir = mkdtempSync(path.join(tmp, 'openssl-'));
    const file = (name: string, text: string) => {
      const p = path.join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const args = [
      '-CAfile',
      file('root.pem', pki.rootCaPem),
      '-untrusted',
      file('intermediate.pem', pki.revokedIssuingCaPem),
      '-CRLfile',
      file('crls.pem', pki.crlPem()),
    ];
    const leaf = file('leaf.pem', orphanClient.certPem);
    const leafOnly = spawnSync('openssl', ['verify', '-crl_check', ...args, leaf], { encoding: 'utf8' });
    const whole = spawnSync('openssl', ['verify', '-crl_check_all', ...args, leaf], { encoding: 'utf8' });
    expect(leafOnly.status, leafOnly.stderr).toBe(0);
    expect(whole.status).not.toBe(0);
    expect(whole.stdout + whole.stderr).toMatch(/certificate revoked/);
  });
});

describe('Node TLS with every CRL of the chain (what the MP and the Node bridge do)', () => {
  async function handshake(server: { cert: IssuedCertificate; crl?: string[] }, client: { cert: IssuedCertificate; crl?: string[] }) {
    const tlsServer = tls.createServer({
      cert: server.cert.chainPem,
      key: server.cert.keyPem,
      ca: pki.trustBundlePem,
      crl: server.crl,
      requestCert: true,
      rejectUnauthorized: false,
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const serverSide = new Promise<string>((resolve) => {
      tlsServer.once('secureConnection', (socket) => {
        resolve(socket.authorized ? 'authorized' : String(socket.authorizationError));
        socket.on('error', () => undefined);
        socket.end();
      });
      tlsServer.once('tlsClientError', (error: NodeJS.ErrnoException) => resolve(`client error ${error.code ?? error.message}`));
    });
    const clientSide = await new Promise<string>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: (tlsServer.address() as { port: number }).port,
        servername: MP,
        ca: pki.trustBundlePem,
        crl: client.crl,
        cert: client.cert.chainPem,
        key: client.cert.keyPem,
      });
      socket.once('secureConnect', () => {
        resolve('authorized');
        socket.end();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        resolve(error.code ?? error.message);
        socket.destroy();
      });
    });
    const serverSaw = clientSide === 'authorized' ? await serverSide : 'not reached';
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    return { server: serverSaw, client: clientSide };
  }

  it('a server refuses a client certificate of the revoked issuing CA (CERT_REVOKED), and accepts it without CRLs', async () => {
    expect((await handshake({ cert: goodServer, crl: pki.crlPems() }, { cert: orphanClient })).server).toBe('CERT_REVOKED');
    expect((await handshake({ cert: goodServer }, { cert: orphanClient })).server).toBe('authorized');
    expect((await handshake({ cert: goodServer, crl: pki.crlPems() }, { cert: goodClient })).server).toBe('authorized');
  });

  it('a client (the bridge upstream) refuses a server certificate of the revoked issuing CA, and accepts it without CRLs', async () => {
    expect((await handshake({ cert: orphanServer }, { cert: goodClient, crl: pki.crlPems() })).client).toBe('CERT_REVOKED');
    expect((await handshake({ cert: orphanServer }, { cert: goodClient })).client).toBe('authorized');
    expect((await handshake({ cert: goodServer }, { cert: goodClient, crl: pki.crlPems() })).client).toBe('authorized');
  });
});
