// The client's HTTPS stack against a real embedded lab (direct mode): CRLs fetched over HTTP from the
// CDP before the first request, then also given to the TLS context; fail closed when the CDP is
// down, unless /NoCRLCheck; a state message to the FSP after the certificate failure; certificate
// selection among several certificates in the store.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRYPTOAPI_USER_AGENT, FSP_STATE, IbcmClient, type ClientProfile } from '../../harness/client/index.js';
import { startLab, type Lab } from '../../harness/lab/index.js';
import { loadTopology } from '../../harness/topology/index.js';

// A loopback block of its own (tests pin 150..180; the CLI tests use 171 and 173).
const LAB_INDEX = 166;
let tmp: string;
let lab: Lab;
const clients: IbcmClient[] = [];

function client(profile: ClientProfile = lab.clientProfile()): IbcmClient {
  const made = new IbcmClient(profile);
  clients.push(made);
  return made;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-lab-transport-'));
  lab = await startLab({
    topology: loadTopology(),
    mode: 'direct',
    runId: 'transport-test',
    dir: path.join(tmp, 'lab'),
    labIndex: LAB_INDEX,
  });
});

afterAll(async () => {
  await Promise.all(clients.map((made) => made.close()));
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('ClientTransport revocation checking', () => {
  it('fetches both CRLs from the CDP (as CryptoAPI) before the first request, then carries them in the TLS context', async () => {
    const cdp = lab.journal('cdp');
    const mark = cdp.mark();
    const ws01 = client();
    const first = await ws01.getMpList();
    expect(first.status).toBe(200);
    expect(first.tls?.revocation).toMatchObject({ checked: true, crlInTlsContext: false });
    expect(first.tls?.revocation?.certificates.map((certificate) => certificate.status)).toEqual(['good', 'good']);
    const fetched = cdp.since(mark);
    expect(fetched.map((entry) => entry.target).sort()).toEqual(['/IBCM-Lab-Issuing-CA.crl', '/IBCM-Lab-Root-CA.crl']);
    expect(fetched.every((entry) => entry.headers.some(([name, value]) => name === 'User-Agent' && value === CRYPTOAPI_USER_AGENT))).toBe(
      true,
    );
    expect(fetched.every((entry) => entry.remoteAddress === lab.clientProfile().localAddress)).toBe(true);
    // A new connection (pools closed) with CRLs still current: OpenSSL gets them too, nothing is fetched again.
    await ws01.transport.close();
    const second = await ws01.getMpList();
    expect(second.status).toBe(200);
    expect(second.tls?.revocation).toMatchObject({ checked: true, crlInTlsContext: true });
    expect(cdp.since(mark)).toHaveLength(2);
  });

  it('fails closed with CERT_REV_FAILED when the CDP is down, posts a state message to the FSP; /NoCRLCheck connects', async () => {
    const mp = lab.journal('mp1');
    const fsp = lab.journal('fsp1');
    const marks = { mp: mp.mark(), fsp: fsp.mark() };
    await lab.cdp.stop();
    try {
      const checking = client();
      const refused = await checking.getMpList();
      expect(refused.error?.code).toBe('CERT_REV_FAILED');
      expect(refused.error?.message).toMatch(
        /CN=mp\.ibcm-lab\.example .*http:\/\/crl\.ibcm-lab\.example:\d+\/IBCM-Lab-Issuing-CA\.crl → fetch failed: ECONNREFUSED/,
      );
      expect(refused.tls?.revocation?.finding).toMatchObject({
        code: 'CERT_REV_FAILED',
        certificate: { subject: 'CN=mp.ibcm-lab.example' },
      });
      expect(mp.since(marks.mp)).toEqual([]);
      expect(checking.fspReports).toEqual([expect.objectContaining({ stateId: FSP_STATE.serverCertificateRefused })]);
      const posted = fsp.since(marks.fsp);
      expect(posted).toHaveLength(1);
      expect(posted[0]).toMatchObject({
        method: 'POST',
        target: '/SMS_FSP/.sms_fsp',
        tls: null,
        bodySha256: checking.fspReports[0]!.exchange.requestBodySha256,
      });

      const profile = lab.clientProfile();
      const unchecked = client({ ...profile, install: { ...profile.install, NoCRLCheck: true } });
      const served = await unchecked.getMpList();
      expect(served.status).toBe(200);
      expect(served.tls?.revocation).toMatchObject({ checked: false });
    } finally {
      await lab.cdp.start();
    }
  });

  it('selects the valid certificate when the store also holds an expired one (W:49) and presents it', async () => {
    const expired = await lab.pki.issueClientCertificate({ variant: 'expired' });
    const valid = await lab.pki.issueClientCertificate({ variant: 'valid' });
    const profile = { ...lab.clientProfile(), certificate: expired, otherCertificates: [valid] };
    const ws01 = client(profile);
    expect(ws01.transport.certificateSelection.considered.map((item) => item.verdict)).toEqual(['rejected', 'selected']);
    const mp = lab.journal('mp1');
    const mark = mp.mark();
    expect((await ws01.getMpList()).status).toBe(200);
    expect(mp.since(mark)[0]?.tls?.peerCertificate?.serialNumber.toLowerCase()).toBe(valid.serialNumber);
  });
});
