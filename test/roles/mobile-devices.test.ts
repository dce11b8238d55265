// The MP as enrolled mobile devices meet it (MOB-ENROLLED-NO-BRIDGE) and the site's MP list as it
// changes while the lab runs (LOC-MP-REFRESH): role-level behaviour, without a lab.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSigningIdentity } from '../../harness/client/signing-identity.js';
import type { SiteHandler, SiteRequest } from '../../harness/http/index.js';
import { managementPoint } from '../../harness/roles/management-point/index.js';
import { MOBILE_DEVICE_SYNC_PATH, withMobileDeviceEndpoint } from '../../harness/roles/management-point/mobile-devices.js';
import { replyOf, siteRequest } from './request.js';

function withPeer(request: SiteRequest, subject: string | null): SiteRequest {
  const tls =
    subject === null
      ? null
      : {
          protocol: 'TLSv1.3',
          cipher: null,
          servername: null,
          peerCertificate: { subject, issuer: 'CN=IBCM Lab Issuing CA', serialNumber: '0A1B', fingerprint256: '00', validTo: '' },
          authorized: true,
          authorizationError: null,
        };
  return { ...request, connection: { ...request.connection, tls: tls as never } };
}

const inner: SiteHandler = () => ({ status: 299, body: 'mp' });
const endpoint = withMobileDeviceEndpoint(inner, { isEnrolledDevice: (subject) => /CN=[^,]+\.devices\.corp\.example$/.test(subject) });

describe('enrolled mobile devices at the MP', () => {
  it('knows a device by its enrollment certificate', async () => {
    const reply = replyOf(await endpoint(withPeer(siteRequest('GET', MOBILE_DEVICE_SYNC_PATH), 'CN=wm-0001.devices.corp.example')));
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('Serial="0A1B"');
  });
  it("refuses another certificate (a bridge's own) and a connection without one", async () => {
    expect(replyOf(await endpoint(withPeer(siteRequest('GET', MOBILE_DEVICE_SYNC_PATH), 'CN=proxy.ibcm-lab.example'))).text).toMatch(
      /^403\.16/,
    );
    expect(replyOf(await endpoint(withPeer(siteRequest('GET', MOBILE_DEVICE_SYNC_PATH), null))).status).toBe(403);
  });
  it('passes every other request to the MP', async () => {
    expect(replyOf(await endpoint(siteRequest('GET', '/SMS_MP/.sms_aut?MPLIST'))).status).toBe(299);
  });
});

describe('the MP list as the site changes', () => {
  it('reads the internet MPs each time it answers', async () => {
    let listed = [{ name: 'MP1', fqdn: 'mp.ibcm-lab.example' }];
    // The MP's certificate only has to be a certificate (MPCERT returns it): a self-signed one will do.
    const certificatePem = new X509Certificate((await createSigningIdentity('mp')).certificateDer).toString();
    const mp = managementPoint({ siteCode: 'LAB', hostName: 'MP1', internetManagementPoints: () => listed, certificatePem });
    const before = replyOf(await mp(siteRequest('GET', '/SMS_MP/.sms_aut?MPLIST1&LAB'))).text;
    listed = [...listed, { name: 'MP2', fqdn: 'mp2.ibcm-lab.example' }];
    const after = replyOf(await mp(siteRequest('GET', '/SMS_MP/.sms_aut?MPLIST1&LAB'))).text;
    expect(before).not.toContain('mp2.ibcm-lab.example');
    expect(after).toContain('FQDN="mp2.ibcm-lab.example"');
  });
});
