// The enrollment proxy point and the Configuration Manager Policy Module (ROLE-UNTRUSTED): as far as
// their internet-facing behaviour is public — MDE2 discovery (GET 200, POST Discover) and SCEP on NDES
// (GetCACaps, GetCACert, PKIOperation refused by the policy module, which verifies every request).
import { describe, expect, it } from 'vitest';
import { ENROLLMENT_DISCOVERY_PATH, enrollmentProxyPoint } from '../../harness/roles/enrollment-proxy-point/index.js';
import { SCEP_CAPABILITIES, SCEP_PATH, policyModule } from '../../harness/roles/policy-module/index.js';
import { call } from './request.js';

describe('enrollment proxy point', () => {
  const role = enrollmentProxyPoint();

  it('answers the MDE2 discovery GET with 200 and a Discover POST with a SOAP DiscoverResponse', async () => {
    expect((await call(role, 'GET', ENROLLMENT_DISCOVERY_PATH)).status).toBe(200);
    expect((await call(role, 'GET', ENROLLMENT_DISCOVERY_PATH.toLowerCase())).status).toBe(200);
    const posted = await call(role, 'POST', ENROLLMENT_DISCOVERY_PATH, [['Content-Type', 'application/soap+xml']], '<s:Envelope/>');
    expect(posted.status).toBe(200);
    expect(posted.text).toContain('<DiscoverResponse');
  });

  it('serves nothing else', async () => {
    expect((await call(role, 'GET', '/SMS_MP/.sms_aut?MPLIST')).status).toBe(404);
    expect((await call(role, 'PUT', ENROLLMENT_DISCOVERY_PATH)).status).toBe(405);
  });
});

describe('Configuration Manager Policy Module (NDES)', () => {
  it('answers SCEP GetCACaps with its capabilities, one per line', async () => {
    const reply = await call(policyModule(), 'GET', `${SCEP_PATH}?operation=GetCACaps&message=x`);
    expect(reply.status).toBe(200);
    expect(reply.text.trim().split('\n')).toEqual(SCEP_CAPABILITIES);
  });

  it('answers GetCACert with the CA certificate it was given, 404 without one', async () => {
    const der = Buffer.from([0x30, 0x82, 0x01, 0x00]);
    const given = await call(policyModule({ caCertificateDer: der }), 'GET', `${SCEP_PATH}/pkiclient.exe?operation=GetCACert`);
    expect(given.status).toBe(200);
    expect((await call(policyModule(), 'GET', `${SCEP_PATH}?operation=GetCACert`)).status).toBe(404);
  });

  it('refuses every PKIOperation (no challenge was issued) and unknown operations', async () => {
    expect((await call(policyModule(), 'POST', `${SCEP_PATH}?operation=PKIOperation`, [], 'x')).status).toBe(403);
    expect((await call(policyModule(), 'GET', `${SCEP_PATH}?operation=Nope`)).status).toBe(400);
    expect((await call(policyModule(), 'GET', '/certsrv/')).status).toBe(404);
  });
});
