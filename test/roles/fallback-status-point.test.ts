// The fallback status point (research W:38): plain-HTTP `POST /SMS_FSP/.sms_fsp` with a state
// message → 200 with an empty body; everything else 404/405. The role keeps no state: the server's
// journal is what shows a state message arrived intact.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fspStateMessage } from '../../harness/ccm-messaging/index.js';
import * as fspModule from '../../harness/roles/fallback-status-point/index.js';
import { FSP_PATH, fallbackStatusPoint } from '../../harness/roles/fallback-status-point/index.js';
import { call, send, serveRole, type RunningRole } from './request.js';
import { assertWellFormed, unescapeXml } from './xml.js';

const MESSAGE = fspStateMessage({
  clientName: 'CLIENT01',
  siteCode: 'LAB',
  stateId: 7,
  message: 'No valid PKI certificate for <client auth> & MP',
  time: new Date('2026-11-02T08:00:00Z'),
});

describe('fspStateMessage (harness/ccm-messaging, re-exported by the FSP role)', () => {
  it('the role re-exports the one builder', () => {
    expect(fspModule.fspStateMessage).toBe(fspStateMessage);
  });

  it('is a well-formed Report with a header and one state message', () => {
    assertWellFormed(MESSAGE);
    expect(MESSAGE).toMatch(/^<\?xml version="1\.0"\?><Report><ReportHeader>/);
    expect(MESSAGE).toContain('<ReportContent>State Message Data</ReportContent>');
    expect(MESSAGE).toContain('<NetBIOSName>CLIENT01</NetBIOSName>');
    expect(MESSAGE).toContain('<SiteCode>LAB</SiteCode>');
    expect(MESSAGE).toContain('<State ID="7" Criticality="0"/>');
    expect(MESSAGE).toContain('<StateMessage MessageTime="2026-11-02T08:00:00Z" SerialNumber="1">');
    expect(MESSAGE).toContain('<Date>20261102080000.000000+000</Date>');
    expect(MESSAGE).toMatch(/<\/ReportBody><\/Report>$/);
  });

  it('escapes the insertion string and client name', () => {
    const param = /<Param>([^<]*)<\/Param>/.exec(MESSAGE)![1]!;
    expect(unescapeXml(param)).toBe('No valid PKI certificate for <client auth> & MP');
    const odd = fspStateMessage({ clientName: 'A"<B', siteCode: 'LAB', stateId: 1, message: 'x', clientId: 'GUID:1&2' });
    assertWellFormed(odd);
    expect(odd).toContain('<ClientInstalled>1</ClientInstalled><ClientType>1</ClientType><ClientID>GUID:1&amp;2</ClientID>');
  });
});

describe('fallback status point as a handler', () => {
  const fsp = fallbackStatusPoint();

  it('POST /SMS_FSP/.sms_fsp with a state message → 200 with an empty body', async () => {
    const reply = await call(fsp, 'POST', FSP_PATH, [['Content-Type', 'text/xml']], MESSAGE);
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(0);
  });

  it('accepts any non-empty body, any content type, and the path in any case', async () => {
    expect((await call(fsp, 'POST', '/sms_fsp/.SMS_FSP', [], 'x')).status).toBe(200);
    expect(
      (await call(fsp, 'POST', FSP_PATH, [['Content-Type', 'application/octet-stream']], Buffer.from([0xff, 0xfe, 0x3c, 0x00]))).status,
    ).toBe(200);
  });

  it('answers the same however often it is called (it records nothing)', async () => {
    const first = await call(fsp, 'POST', FSP_PATH, [], MESSAGE);
    const second = await call(fsp, 'POST', FSP_PATH, [], MESSAGE);
    expect([second.status, second.headers, second.body]).toEqual([first.status, first.headers, first.body]);
  });

  it('an empty body is 400', async () => {
    const reply = await call(fsp, 'POST', FSP_PATH);
    expect(reply.status).toBe(400);
    expect(reply.header('X-IBCM-Lab-Reason')).toMatch(/empty/);
  });

  it.each(['GET', 'HEAD', 'PUT', 'BITS_POST', 'CCM_POST', 'PROPFIND'])('%s → 405 with Allow: POST', async (method) => {
    const reply = await call(fsp, method, FSP_PATH, [], 'x');
    expect([reply.status, reply.header('Allow')]).toEqual([405, 'POST']);
  });

  it.each(['/', '/SMS_FSP', '/SMS_FSP/', '/SMS_FSP/.sms_fsp2', '/SMS_MP/.sms_aut', '/CCM_Incoming/x'])('POST %s → 404', async (target) => {
    expect((await call(fsp, 'POST', target, [], MESSAGE)).status).toBe(404);
  });

  it('requireStateMessage refuses a body that is not a state-message report', async () => {
    const strict = fallbackStatusPoint({ requireStateMessage: true });
    expect((await call(strict, 'POST', FSP_PATH, [], MESSAGE)).status).toBe(200);
    const junk = await call(strict, 'POST', FSP_PATH, [], '<html>hello</html>');
    expect(junk.status).toBe(400);
    expect(junk.header('X-IBCM-Lab-Reason')).toMatch(/state-message/);
  });
});

describe('fallback status point end to end (lab server, undici, plain HTTP)', () => {
  let role: RunningRole;

  beforeAll(async () => {
    role = await serveRole('fallback-status-point', fallbackStatusPoint());
  });
  afterAll(() => role.close());

  it('a POSTed state message is answered 200 and journaled byte-exact; GET is 405', async () => {
    const reply = await send(role, 'POST', FSP_PATH, { 'Content-Type': 'text/xml', 'User-Agent': 'SMS CCM 5.0' }, MESSAGE);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe('0');
    expect(reply.body.length).toBe(0);

    const get = await send(role, 'GET', FSP_PATH);
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    expect((await send(role, 'POST', '/SMS_FSP/other', {}, MESSAGE)).status).toBe(404);

    const [post] = role.journal.entries();
    expect(post).toMatchObject({
      method: 'POST',
      target: FSP_PATH,
      tls: null,
      bodyLength: Buffer.byteLength(MESSAGE),
      response: { status: 200, bodyLength: 0 },
    });
    expect(post!.bodySha256).toBe(createHash('sha256').update(MESSAGE).digest('hex'));
  });
});
