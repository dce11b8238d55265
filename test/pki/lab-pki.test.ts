import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CERTIFICATE_PROFILES,
  CERTIFICATE_PROFILE_NAMES,
  EKU,
  LabPki,
  x509,
  type CertificateProfileName,
  type IssuedCertificate,
  type UntrustedPki,
} from '../../harness/pki/index.js';

const CDP_BASE = 'http://crl.ibcm-lab.example:20080';
const MP_INTERNET = 'mp.ibcm-lab.example';
const MP_INTRANET = 'mp.corp.ibcm-lab.example';
const DP_INTERNET = 'dp.ibcm-lab.example';
const DP_INTRANET = 'dp.corp.ibcm-lab.example';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let tmp: string;
let pki: LabPki;
let clock: Date;
let leaves: Record<string, IssuedCertificate>;
let rootNode: X509Certificate;
let issuingNode: X509Certificate;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-lab-pki-'));
  clock = new Date();
  pki = await LabPki.create({ dir: path.join(tmp, 'pki'), cdpBaseUrl: `${CDP_BASE}/`, clock });
  const issued = await Promise.all([
    pki.issue('site-system-web-server', { name: 'mp-web', dnsNames: [MP_INTERNET, MP_INTRANET] }),
    pki.issue('site-system-web-server', { name: 'dp-web', dnsNames: [DP_INTERNET, DP_INTRANET] }),
    pki.issue('workstation-client', { name: 'client01', subjectCn: 'client01.corp.ibcm-lab.example' }),
    pki.issue('workstation-client', { name: 'client02', subjectCn: 'client02.corp.ibcm-lab.example' }),
    pki.issue('bridging-proxy-server', { name: 'proxy-server', dnsNames: [MP_INTERNET, DP_INTERNET] }),
    pki.issue('bridging-proxy-client', { name: 'proxy-client', subjectCn: 'proxy.ibcm-lab.example' }),
    pki.issue('site-system-client', { name: 'mp-client', subjectCn: MP_INTRANET }),
    pki.issue('site-system-web-server', {
      name: 'mp-web-expired',
      dnsNames: [MP_INTERNET, MP_INTRANET],
      notBefore: new Date(clock.getTime() - 30 * DAY),
      notAfter: new Date(clock.getTime() - DAY),
    }),
  ]);
  leaves = Object.fromEntries(issued.map((c) => [c.name, c]));
  rootNode = new X509Certificate(pki.rootCaPem);
  issuingNode = new X509Certificate(pki.issuingCaPem);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const mode = (file: string) => statSync(file).mode & 0o777;

function peculiar(pem: string) {
  const cert = new x509.X509Certificate(pem);
  return {
    cert,
    ku: cert.getExtension(x509.KeyUsagesExtension),
    eku: cert.getExtension(x509.ExtendedKeyUsageExtension),
    bc: cert.getExtension(x509.BasicConstraintsExtension),
    ski: cert.getExtension(x509.SubjectKeyIdentifierExtension),
    aki: cert.getExtension(x509.AuthorityKeyIdentifierExtension),
    cdp: cert.getExtension(x509.CRLDistributionPointsExtension),
  };
}

function cdpUrls(ext: x509.CRLDistributionPointsExtension | null): string[] {
  if (!ext) return [];
  return ext.distributionPoints.flatMap((dp) =>
    (dp.distributionPoint?.fullName ?? []).map((gn) => gn.uniformResourceIdentifier).filter((u): u is string => !!u),
  );
}

// ---------------------------------------------------------------------------
// TLS helper: one in-process server, one client, both sides' verdicts.
// ---------------------------------------------------------------------------
interface Side {
  authorized: boolean;
  error?: string;
  message?: string;
}

function serverOptions(cert: IssuedCertificate, crl: string[] = pki.crlPems()): tls.SecureContextOptions {
  return { cert: cert.chainPem, key: cert.keyPem, ca: pki.trustBundlePem, crl };
}

async function withServer<T>(context: tls.SecureContextOptions, fn: (server: tls.Server, port: number) => Promise<T>): Promise<T> {
  const server = tls.createServer({ ...context, requestCert: true, rejectUnauthorized: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(server, (server.address() as { port: number }).port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function handshake(
  server: tls.Server,
  port: number,
  client: { cert?: IssuedCertificate; servername: string; ca?: string },
): Promise<{ server: Side; client: Side }> {
  const serverSide = new Promise<Side>((resolve) => {
    const onSecure = (s: tls.TLSSocket) => {
      cleanup();
      resolve({ authorized: s.authorized, error: s.authorizationError ? String(s.authorizationError) : undefined });
      s.on('error', () => undefined);
      s.end();
    };
    const onClientError = (err: NodeJS.ErrnoException) => {
      cleanup();
      resolve({ authorized: false, error: err.code ?? 'tlsClientError', message: err.message });
    };
    const cleanup = () => {
      server.off('secureConnection', onSecure);
      server.off('tlsClientError', onClientError);
    };
    server.on('secureConnection', onSecure);
    server.on('tlsClientError', onClientError);
  });
  const clientSide = new Promise<Side>((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: client.servername,
      ca: client.ca ?? pki.trustBundlePem,
      cert: client.cert?.chainPem,
      key: client.cert?.keyPem,
      rejectUnauthorized: true,
    });
    socket.once('secureConnect', () => {
      resolve({ authorized: socket.authorized });
      socket.end();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      resolve({ authorized: false, error: err.code, message: err.message });
      socket.destroy();
    });
  });
  const client_ = await clientSide;
  // When the client refuses the server, the server side may never complete; don't wait long for it.
  const server_ = await Promise.race([
    serverSide,
    new Promise<Side>((resolve) =>
      setTimeout(() => resolve({ authorized: false, error: 'no-server-event' }), client_.authorized ? 2000 : 300),
    ),
  ]);
  return { server: server_, client: client_ };
}

// ---------------------------------------------------------------------------

describe('profiles table (certs/profiles.ts)', () => {
  it('has one entry per profile with a cited requirement, EKU and KU', () => {
    expect(CERTIFICATE_PROFILE_NAMES.sort()).toEqual(
      ['bridging-proxy-client', 'bridging-proxy-server', 'site-system-client', 'site-system-web-server', 'workstation-client'].sort(),
    );
    for (const name of CERTIFICATE_PROFILE_NAMES) {
      const p = CERTIFICATE_PROFILES[name];
      expect(p.name).toBe(name);
      expect(p.requirement.length).toBeGreaterThan(10);
      expect(p.keyUsages).toEqual(['digitalSignature', 'keyEncipherment']);
      expect(p.extKeyUsages.length).toBe(1);
    }
  });
});

describe('output tree', () => {
  it('writes the output tree with private modes (dir 0700, keys 0600) and a trust bundle', () => {
    expect(mode(pki.dir)).toBe(0o700);
    for (const sub of ['certs', 'keys', 'crl']) expect(mode(path.join(pki.dir, sub))).toBe(0o700);
    for (const cert of Object.values(leaves)) {
      expect(mode(cert.keyPath)).toBe(0o600);
      expect(readFileSync(cert.keyPath, 'utf8')).toBe(cert.keyPem);
      expect(readFileSync(cert.certPath, 'utf8')).toBe(cert.certPem);
      expect(readFileSync(cert.chainPath, 'utf8')).toBe(cert.chainPem);
      expect(cert.keyPath.startsWith(pki.dir)).toBe(true);
    }
    expect(mode(path.join(pki.dir, 'keys', 'IBCM-Lab-Root-CA.key'))).toBe(0o600);
    expect(readFileSync(path.join(pki.dir, 'trust-bundle.pem'), 'utf8')).toBe(pki.trustBundlePem);
    expect(pki.trustBundlePem).toBe(pki.rootCaPem + pki.issuingCaPem);
  });
});

describe('CA certificates', () => {
  it('root is self-signed; issuing CA is signed by root', () => {
    expect(rootNode.verify(rootNode.publicKey)).toBe(true);
    expect(issuingNode.verify(rootNode.publicKey)).toBe(true);
    expect(issuingNode.checkIssued(rootNode)).toBe(true);
    expect(rootNode.ca).toBe(true);
    expect(issuingNode.ca).toBe(true);
  });

  it('carry CA:true (critical), keyCertSign+cRLSign, SKI; issuing CA has AKI and CDP → root CRL', () => {
    const root = peculiar(pki.rootCaPem);
    const issuing = peculiar(pki.issuingCaPem);
    for (const ca of [root, issuing]) {
      expect(ca.bc?.ca).toBe(true);
      expect(ca.bc?.critical).toBe(true);
      expect(ca.ku?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
      expect(ca.ski?.keyId).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(issuing.aki?.keyId).toBe(root.ski?.keyId);
    expect(cdpUrls(issuing.cdp)).toEqual([`${CDP_BASE}/IBCM-Lab-Root-CA.crl`]);
  });

  it('validity is relative to the lab clock', () => {
    const root = peculiar(pki.rootCaPem).cert;
    expect(Math.abs(root.notBefore.getTime() - (clock.getTime() - HOUR))).toBeLessThan(1000);
    expect(root.notAfter.getTime()).toBeGreaterThan(clock.getTime() + 5 * 365 * DAY);
  });
});

describe('leaf certificates', () => {
  const expectations: Array<[string, CertificateProfileName, string, string[]]> = [
    ['mp-web', 'site-system-web-server', EKU.serverAuth, [MP_INTERNET, MP_INTRANET]],
    ['dp-web', 'site-system-web-server', EKU.serverAuth, [DP_INTERNET, DP_INTRANET]],
    ['client01', 'workstation-client', EKU.clientAuth, ['client01.corp.ibcm-lab.example']],
    ['proxy-server', 'bridging-proxy-server', EKU.serverAuth, [MP_INTERNET, DP_INTERNET]],
    ['proxy-client', 'bridging-proxy-client', EKU.clientAuth, ['proxy.ibcm-lab.example']],
    ['mp-client', 'site-system-client', EKU.clientAuth, [MP_INTRANET]],
  ];

  it.each(expectations)('%s (%s): chain, EKU/KU, SAN, CN, AKI, CDP, serial, key', (name, profile, eku, dnsNames) => {
    const issued = leaves[name];
    expect(issued.profile).toBe(profile);
    const leaf = new X509Certificate(issued.certPem);
    expect(leaf.verify(issuingNode.publicKey)).toBe(true);
    expect(leaf.checkIssued(issuingNode)).toBe(true);
    expect(leaf.ca).toBe(false);
    // Node's X509Certificate.keyUsage is actually the EKU list.
    expect(leaf.keyUsage).toEqual([eku]);
    expect(leaf.subjectAltName).toBe(dnsNames.map((d) => `DNS:${d}`).join(', '));
    expect(leaf.subject).toBe(`CN=${dnsNames[0]}`);
    expect(leaf.serialNumber).toBe(issued.serialNumber.toUpperCase());
    expect(issued.serialNumber).toMatch(/^[1-7][0-9a-f]{31}$/);
    expect(issued.dnsNames).toEqual(dnsNames);
    expect(issued.subject).toBe(`CN=${dnsNames[0]}`);

    const p = peculiar(issued.certPem);
    expect(p.ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    expect(p.ku?.critical).toBe(true);
    expect(p.eku?.usages).toEqual([eku]);
    expect(p.aki?.keyId).toBe(peculiar(pki.issuingCaPem).ski?.keyId);
    expect(cdpUrls(p.cdp)).toEqual([`${CDP_BASE}/IBCM-Lab-Issuing-CA.crl`]);
    expect(issued.crlUrls).toEqual([`${CDP_BASE}/IBCM-Lab-Issuing-CA.crl`]);
    expect(p.cert.publicKey.algorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048 });
    expect(p.cert.signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });

    // PKCS#8 key matches the certificate; chain = leaf + issuing CA (no root).
    expect(issued.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const fromKey = createPublicKey(createPrivateKey(issued.keyPem)).export({ type: 'spki', format: 'der' });
    expect(Buffer.compare(fromKey, leaf.publicKey.export({ type: 'spki', format: 'der' }))).toBe(0);
    expect(issued.chainPem).toBe(issued.certPem + pki.issuingCaPem);
    expect(Math.abs(issued.notAfter.getTime() - (clock.getTime() + CERTIFICATE_PROFILES[profile].validityDays * DAY))).toBeLessThan(1000);
  });

  it('applies overrides: omitCdp, ldap:// CDP, EKU list, names; rejects bad input', async () => {
    const [noCdp, ldapCdp, bothEku, cnOnly] = await Promise.all([
      pki.issue('workstation-client', { name: 'no-cdp', subjectCn: 'nocdp.corp.ibcm-lab.example', omitCdp: true }),
      pki.issue('workstation-client', {
        name: 'ldap-cdp',
        subjectCn: 'ldap.corp.ibcm-lab.example',
        cdpUrls: ['ldap:///CN=IBCM%20Lab%20Issuing%20CA,CN=CDP,DC=corp?certificateRevocationList?base'],
      }),
      pki.issue('site-system-web-server', { name: 'both-eku', dnsNames: [MP_INTERNET], extKeyUsages: ['serverAuth', EKU.clientAuth] }),
      pki.issue('site-system-web-server', { name: 'cn-only', subjectCn: MP_INTERNET, dnsNames: [] }),
    ]);
    expect(peculiar(noCdp.certPem).cdp).toBeNull();
    expect(noCdp.crlUrls).toEqual([]);
    expect(cdpUrls(peculiar(ldapCdp.certPem).cdp)).toEqual([ldapCdp.crlUrls[0]]);
    expect(ldapCdp.crlUrls[0]).toMatch(/^ldap:/);
    expect(new X509Certificate(bothEku.certPem).keyUsage).toEqual([EKU.serverAuth, EKU.clientAuth]);
    expect(new X509Certificate(cnOnly.certPem).subjectAltName).toBeUndefined();
    expect(new X509Certificate(cnOnly.certPem).subject).toBe(`CN=${MP_INTERNET}`);

    await expect(pki.issue('workstation-client', { name: 'client01', subjectCn: 'dup.example' })).rejects.toThrow(/already issued/);
    await expect(pki.issue('workstation-client', { name: '../escape', subjectCn: 'x.example' })).rejects.toThrow(
      /invalid certificate name/,
    );
    await expect(pki.issue('workstation-client', { name: 'nameless' })).rejects.toThrow(/subjectCn or dnsNames/);
    await expect(pki.revoke('0123456789abcdef')).rejects.toThrow(/not issued/);
  });
});

describe('CRLs', () => {
  it('publishes a signed root CRL and issuing CA CRL at the CDP paths, dated by the lab clock', () => {
    const [rootCrl, issuingCrl] = pki.crls();
    expect(rootCrl.url).toBe(`${CDP_BASE}/IBCM-Lab-Root-CA.crl`);
    expect(rootCrl.path).toBe('/IBCM-Lab-Root-CA.crl');
    expect(issuingCrl.url).toBe(`${CDP_BASE}/IBCM-Lab-Issuing-CA.crl`);
    expect(issuingCrl.path).toBe('/IBCM-Lab-Issuing-CA.crl');
    expect(issuingCrl.issuer).toBe(peculiar(pki.issuingCaPem).cert.subject);
    for (const crl of [rootCrl, issuingCrl]) {
      expect(Math.floor(crl.thisUpdate.getTime() / 1000)).toBe(Math.floor(clock.getTime() / 1000));
      expect(crl.nextUpdate.getTime() - crl.thisUpdate.getTime()).toBe(24 * HOUR);
      expect(crl.pem).toMatch(/^-----BEGIN X509 CRL-----\n/);
      expect(readFileSync(crl.filePath)).toEqual(crl.der);
    }
    expect(pki.crlPem()).toBe(
      pki
        .crls()
        .map((crl) => crl.pem)
        .join(''),
    );
  });

  it('CRL signatures verify against the issuing CAs', async () => {
    const [rootCrl, issuingCrl] = pki.crls();
    expect(await new x509.X509Crl(rootCrl.der).verify({ publicKey: peculiar(pki.rootCaPem).cert.publicKey })).toBe(true);
    expect(await new x509.X509Crl(issuingCrl.der).verify({ publicKey: peculiar(pki.issuingCaPem).cert.publicKey })).toBe(true);
  });
});

describe('real TLS (Node tls with the lab certificates and CRLs)', () => {
  it('web-server cert + workstation client cert: authorized on both sides', async () => {
    await withServer(serverOptions(leaves['mp-web']), async (server, port) => {
      const r = await handshake(server, port, { cert: leaves['client01'], servername: MP_INTERNET });
      expect(r.client).toEqual({ authorized: true });
      expect(r.server).toEqual({ authorized: true, error: undefined });
      // The web-server SAN holds the intranet FQDN too.
      const intranet = await handshake(server, port, { cert: leaves['client01'], servername: MP_INTRANET });
      expect(intranet.client.authorized).toBe(true);
    });
  });

  it('bridging proxy: server cert covers every published FQDN; its client cert is accepted upstream; site-system client cert too', async () => {
    await withServer(serverOptions(leaves['proxy-server']), async (server, port) => {
      for (const servername of [MP_INTERNET, DP_INTERNET]) {
        const r = await handshake(server, port, { cert: leaves['client01'], servername });
        expect(r.client.authorized).toBe(true);
      }
    });
    await withServer(serverOptions(leaves['mp-web']), async (server, port) => {
      for (const cert of [leaves['proxy-client'], leaves['mp-client']]) {
        const r = await handshake(server, port, { cert, servername: MP_INTRANET });
        expect(r.server).toEqual({ authorized: true, error: undefined });
      }
    });
  });

  it('revoke(client) + a new server context with the new CRL → CERT_REVOKED', async () => {
    const victim = leaves['client02'];
    await withServer(serverOptions(leaves['mp-web']), async (server, port) => {
      const before = await handshake(server, port, { cert: victim, servername: MP_INTERNET });
      expect(before.server.authorized).toBe(true);

      const crlNumberBefore = pki.crls()[1].crlNumber;
      await pki.revoke(victim.serialNumber, 'keyCompromise');
      const issuingCrl = pki.crls()[1];
      expect(issuingCrl.crlNumber).toBe(crlNumberBefore + 1);
      expect(issuingCrl.revokedSerials).toEqual([victim.serialNumber]);

      server.setSecureContext(serverOptions(leaves['mp-web']));
      const after = await handshake(server, port, { cert: victim, servername: MP_INTERNET });
      expect(after.server).toEqual({ authorized: false, error: 'CERT_REVOKED' });
      const other = await handshake(server, port, { cert: leaves['client01'], servername: MP_INTERNET });
      expect(other.server.authorized).toBe(true);
    });
  });

  it('Node reads only the first CRL of a concatenated string (why crlPems() exists)', async () => {
    await withServer({ ...serverOptions(leaves['mp-web']), crl: pki.crlPem() }, async (server, port) => {
      const r = await handshake(server, port, { cert: leaves['client01'], servername: MP_INTERNET });
      expect(r.server).toEqual({ authorized: false, error: 'UNABLE_TO_GET_CRL' });
    });
  });

  it('certificates from the untrusted hierarchy are not authorized (either direction)', async () => {
    const untrusted: UntrustedPki = await pki.untrusted();
    const [badClient, badServer, viaIssue] = await Promise.all([
      untrusted.issue('workstation-client', { name: 'rogue-client', subjectCn: 'rogue.corp.ibcm-lab.example' }),
      untrusted.issue('site-system-web-server', { name: 'rogue-mp', dnsNames: [MP_INTERNET, MP_INTRANET] }),
      pki.issue('workstation-client', { name: 'rogue-2', subjectCn: 'rogue2.example', issuer: 'untrusted' }),
    ]);
    expect(viaIssue.issuedBy).toBe('untrusted');
    expect(new X509Certificate(viaIssue.certPem).verify(issuingNode.publicKey)).toBe(false);
    expect(untrusted.crls().map((c) => c.path)).toEqual(['/IBCM-Lab-Untrusted-Root-CA.crl', '/IBCM-Lab-Untrusted-Issuing-CA.crl']);
    expect(mode(badClient.keyPath)).toBe(0o600);
    expect(badClient.keyPath.startsWith(path.join(pki.dir, 'untrusted'))).toBe(true);

    await withServer(serverOptions(leaves['mp-web']), async (server, port) => {
      const r = await handshake(server, port, { cert: badClient, servername: MP_INTERNET });
      expect(r.server.authorized).toBe(false);
      // OpenSSL keeps going after the missing-issuer error and Node reports the LAST error: with
      // CRL checking on, that is the missing CRL of the unknown issuing CA.
      expect(r.server.error).toBe('UNABLE_TO_GET_CRL');
    });
    const { crl: _crl, ...withoutCrl } = serverOptions(leaves['mp-web']);
    await withServer(withoutCrl, async (server, port) => {
      const r = await handshake(server, port, { cert: badClient, servername: MP_INTERNET });
      expect(r.server).toEqual({ authorized: false, error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    });
    await withServer(
      { cert: badServer.chainPem, key: badServer.keyPem, ca: pki.trustBundlePem, crl: pki.crlPems() },
      async (server, port) => {
        const r = await handshake(server, port, { cert: leaves['client01'], servername: MP_INTERNET });
        expect(r.client.authorized).toBe(false);
        expect(r.client.error).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
      },
    );
  });

  it('a client-auth-only certificate used as a server → client rejects (unsupported certificate purpose)', async () => {
    await withServer(serverOptions(leaves['client01']), async (server, port) => {
      const r = await handshake(server, port, { cert: leaves['mp-client'], servername: 'client01.corp.ibcm-lab.example' });
      expect(r.client.authorized).toBe(false);
      expect(r.client.error).toBe('INVALID_PURPOSE');
      // OpenSSL 3 words X509_V_ERR_INVALID_PURPOSE "unsuitable certificate purpose"; 1.1 said "unsupported".
      expect(r.client.message).toMatch(/(unsuitable|unsupported) certificate purpose/);
    });
    // …and a server-auth-only certificate used as a client → the server refuses it the same way.
    await withServer(serverOptions(leaves['mp-web']), async (server, port) => {
      const r = await handshake(server, port, { cert: leaves['dp-web'], servername: MP_INTERNET });
      expect(r.server).toEqual({ authorized: false, error: 'INVALID_PURPOSE' });
    });
  });

  it('a server certificate whose SAN lacks the requested name → ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    await withServer(serverOptions(leaves['dp-web']), async (server, port) => {
      const r = await handshake(server, port, { cert: leaves['client01'], servername: MP_INTERNET });
      expect(r.client.authorized).toBe(false);
      expect(r.client.error).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });

  it('an expired server certificate (notAfter before the lab clock) → CERT_HAS_EXPIRED', async () => {
    expect(leaves['mp-web-expired'].notAfter.getTime()).toBeLessThan(clock.getTime());
    await withServer(serverOptions(leaves['mp-web-expired']), async (server, port) => {
      const r = await handshake(server, port, { cert: leaves['client01'], servername: MP_INTERNET });
      expect(r.client.authorized).toBe(false);
      expect(r.client.error).toBe('CERT_HAS_EXPIRED');
    });
  });
});

describe('openssl CLI', () => {
  const openssl = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };

  it('parses the issuing CA CRL (DER) and lists the revoked serial', () => {
    const revoked = leaves['client02'].serialNumber; // revoked in the TLS block above
    const issuingCrl = pki.crls()[1];
    expect(issuingCrl.revokedSerials).toContain(revoked);
    const r = openssl(['crl', '-inform', 'DER', '-in', issuingCrl.filePath, '-noout', '-text']);
    expect(r.status).toBe(0);
    expect(r.out).toContain('Issuer: CN = IBCM Lab Issuing CA, O = IBCM Lab');
    expect(r.out).toContain(`Serial Number: ${revoked.toUpperCase()}`);
    expect(r.out).toContain('Key Compromise');
    expect(r.out).toMatch(/X509v3 CRL Number:\s*\n\s*2\b/);
  });

  it('verify -crl_check: OK for a good leaf, "certificate revoked" for a revoked one', () => {
    const crlFile = path.join(tmp, 'crls.pem');
    writeFileSync(crlFile, pki.crlPem());
    const root = path.join(pki.dir, 'certs', 'IBCM-Lab-Root-CA.pem');
    const issuing = path.join(pki.dir, 'certs', 'IBCM-Lab-Issuing-CA.pem');
    for (const flag of ['-crl_check', '-crl_check_all']) {
      const base = ['verify', flag, '-CAfile', root, '-untrusted', issuing, '-CRLfile', crlFile];
      const good = openssl([...base, leaves['client01'].certPath]);
      expect(good.out).toContain(`${leaves['client01'].certPath}: OK`);
      expect(good.status).toBe(0);
      const bad = openssl([...base, leaves['client02'].certPath]);
      expect(bad.out).toMatch(/certificate revoked/);
      expect(bad.status).not.toBe(0);
    }
  });
});

describe('lab clock', () => {
  it('moves validity and CRL dates; a stale CRL (nextUpdate in the past) is refused by Node', async () => {
    const past = new Date(clock.getTime() - 3 * DAY);
    pki.setClock(past);
    try {
      const old = await pki.issue('workstation-client', { name: 'issued-in-the-past', subjectCn: 'past.corp.ibcm-lab.example' });
      expect(Math.abs(old.notBefore.getTime() - (past.getTime() - HOUR))).toBeLessThan(1000);
      const [, issuingCrl] = await pki.publishCrls();
      expect(issuingCrl.nextUpdate.getTime()).toBeLessThan(Date.now());
      await withServer(serverOptions(leaves['mp-web']), async (server, port) => {
        const r = await handshake(server, port, { cert: leaves['client01'], servername: MP_INTERNET });
        expect(r.server).toEqual({ authorized: false, error: 'CRL_HAS_EXPIRED' });
      });
    } finally {
      pki.setClock(clock);
      await pki.publishCrls();
    }
    expect(pki.crls()[1].nextUpdate.getTime()).toBeGreaterThan(Date.now());
    expect(pki.crls()[1].revokedSerials).toEqual([leaves['client02'].serialNumber]);
  });
});
