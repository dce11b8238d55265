// The software update point ([MS-WUSP], research W:40): SOAP 1.1 on client.asmx dispatched by
// SOAPAction, SimpleAuth's GetAuthorizationCookie, the self-update cab, and update content under
// /Content/<xx>/<SHA1>.cab with HEAD and Range (W:34, W:42).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deterministicContent } from '../../harness/roles/shared/content.js';
import {
  CLIENT_WEB_SERVICE_PATH,
  SELF_UPDATE_PATH,
  SIMPLE_AUTH_PATH,
  softwareUpdatePoint,
  updateFileContent,
  type SoftwareUpdatePointOptions,
} from '../../harness/roles/software-update-point/index.js';
import { call, send, serveRole, type Headers, type RunningRole } from './request.js';
import { assertWellFormed, unescapeXml } from './xml.js';

const NS = 'http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService';
const AUTH_NS = 'http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService';
const KB = { updateId: '7d9c1e5a-3b2f-4c8e-9a61-0f4b2d8c7e13', title: 'Security Update for Windows (KB5099999)', fileSize: 150_000 };
const DEFENDER = { updateId: '0b8d3c2e-1f4a-4e5b-8c6d-7e8f9a0b1c2d', title: 'Definition Update <1.225.2944.0> & more', fileSize: 4_000 };
const OPTIONS: SoftwareUpdatePointOptions = { internetFqdn: 'sup.ibcm-lab.example', port: 8531, updates: [KB, DEFENDER] };

/** What the test expects of an update's file, computed here rather than taken from the role. */
function expectedFile(update: { updateId: string; fileSize: number }) {
  const bytes = deterministicContent(`software-update/${update.updateId}`, update.fileSize);
  const sha1 = createHash('sha1').update(bytes).digest();
  const hex = sha1.toString('hex').toUpperCase();
  return { bytes, hex, base64: sha1.toString('base64'), path: `/Content/${hex.slice(-2)}/${hex}.cab` };
}

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

const COOKIE = '<cookie><Expiration>2026-11-06T08:00:00Z</Expiration><EncryptedData>AAAA</EncryptedData></cookie>';
const REQUESTS: Record<string, string> = {
  GetConfig: `<GetConfig xmlns="${NS}"><protocolVersion>1.8</protocolVersion></GetConfig>`,
  GetCookie: `<GetCookie xmlns="${NS}"><authCookies><AuthorizationCookie><PlugInId>SimpleTargeting</PlugInId><CookieData>AAAA</CookieData></AuthorizationCookie></authCookies><oldCookie xsi:nil="true" /><lastChange>2026-11-02T08:00:00Z</lastChange><currentTime>2026-11-02T08:00:00Z</currentTime><protocolVersion>1.8</protocolVersion></GetCookie>`,
  RegisterComputer: `<RegisterComputer xmlns="${NS}">${COOKIE}<computerInfo><DnsName>client01.ibcm-lab.example</DnsName></computerInfo></RegisterComputer>`,
  SyncUpdates: `<SyncUpdates xmlns="${NS}">${COOKIE}<parameters><ExpressQuery>false</ExpressQuery><InstalledNonLeafUpdateIDs /><OtherCachedUpdateIDs /><SkipSoftwareSync>false</SkipSoftwareSync><NeedTwoGroupOutOfScopeUpdates>false</NeedTwoGroupOutOfScopeUpdates></parameters></SyncUpdates>`,
  GetExtendedUpdateInfo: `<GetExtendedUpdateInfo xmlns="${NS}">${COOKIE}<revisionIDs><int>300001</int><int>999</int></revisionIDs><infoTypes><XmlUpdateFragmentType>Extended</XmlUpdateFragmentType><XmlUpdateFragmentType>LocalizedProperties</XmlUpdateFragmentType></infoTypes><locales><string>en</string></locales></GetExtendedUpdateInfo>`,
};

function soapHeaders(operation: string, namespace = NS): Headers {
  return [
    ['Content-Type', 'text/xml; charset=utf-8'],
    ['SOAPAction', `"${namespace}/${operation}"`],
    ['User-Agent', 'Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.50'],
  ];
}

/** Text of the first element with this name. */
function text(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

describe('software update point as a handler', () => {
  const sup = softwareUpdatePoint(OPTIONS);
  const kb = expectedFile(KB);

  async function soap(operation: string, body = REQUESTS[operation]!) {
    const reply = await call(sup, 'POST', CLIENT_WEB_SERVICE_PATH, soapHeaders(operation), envelope(body));
    if (reply.status === 200) assertWellFormed(reply.text);
    return reply;
  }

  it.each(['GetConfig', 'GetCookie', 'RegisterComputer', 'SyncUpdates', 'GetExtendedUpdateInfo'])(
    '%s → 200 text/xml SOAP 1.1 envelope with <%sResponse>',
    async (operation) => {
      const reply = await soap(operation);
      expect(reply.status).toBe(200);
      expect(reply.header('Content-Type')).toBe('text/xml; charset=utf-8');
      expect(reply.text).toMatch(
        /^<\?xml version="1\.0" encoding="utf-8"\?><soap:Envelope xmlns:soap="http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\/"/,
      );
      expect(reply.text).toContain(`<soap:Body><${operation}Response xmlns="${NS}"`);
    },
  );

  it('GetConfig points the client at the SimpleTargeting plug-in and requires registration', async () => {
    const reply = await soap('GetConfig');
    expect(text(reply.text, 'IsRegistrationRequired')).toBe('true');
    expect(reply.text).toContain('<PlugInID>SimpleTargeting</PlugInID><ServiceUrl>SimpleAuthWebService/SimpleAuth.asmx</ServiceUrl>');
  });

  it('GetCookie returns an expiring, opaque cookie', async () => {
    const result = (await soap('GetCookie')).text;
    expect(Date.parse(text(result, 'Expiration')!)).toBeGreaterThan(Date.now());
    expect(text(result, 'EncryptedData')).toMatch(/^[A-Za-z0-9+/]{40,}={0,2}$/);
  });

  it('RegisterComputer answers an empty response element', async () => {
    expect((await soap('RegisterComputer')).text).toContain(`<RegisterComputerResponse xmlns="${NS}" />`);
  });

  it("SyncUpdates returns each update with its UpdateID and a FileLocation on the SUP's internet FQDN", async () => {
    const result = (await soap('SyncUpdates')).text;
    const infos = [...result.matchAll(/<UpdateInfo><ID>(\d+)<\/ID>[\s\S]*?<Xml>([^<]*)<\/Xml><\/UpdateInfo>/g)];
    expect(infos.map((info) => Number(info[1]))).toEqual([300001, 300002]);
    const core = unescapeXml(infos[0]![2]!);
    expect(core).toContain(`<UpdateIdentity UpdateID="${KB.updateId}" RevisionNumber="200" />`);
    assertWellFormed(`<core>${core}</core>`);
    expect(result).toContain('<IsAssigned>true</IsAssigned>');
    expect(text(result, 'Truncated')).toBe('false');
    expect(result).toMatch(/<NewCookie><Expiration>[^<]+<\/Expiration><EncryptedData>[^<]+<\/EncryptedData><\/NewCookie>/);
    const locations = [...result.matchAll(/<FileLocation><FileDigest>([^<]*)<\/FileDigest><Url>([^<]*)<\/Url><\/FileLocation>/g)].map(
      (match) => [match[1], match[2]],
    );
    expect(locations).toEqual([
      [kb.base64, `https://sup.ibcm-lab.example:8531${kb.path}`],
      [expectedFile(DEFENDER).base64, `https://sup.ibcm-lab.example:8531${expectedFile(DEFENDER).path}`],
    ]);
    expect(kb.path).toMatch(/^\/Content\/[0-9A-F]{2}\/[0-9A-F]{40}\.cab$/);
  });

  it('GetExtendedUpdateInfo gives files and title of the requested revision, the rest out of scope', async () => {
    const result = (await soap('GetExtendedUpdateInfo')).text;
    expect(result).toContain('<OutOfScopeRevisionIDs><int>999</int></OutOfScopeRevisionIDs>');
    const fragments = [...result.matchAll(/<Update><ID>(\d+)<\/ID><Xml>([^<]*)<\/Xml><\/Update>/g)].map(
      (match) => [Number(match[1]), unescapeXml(match[2]!)] as const,
    );
    expect(fragments.map(([id]) => id)).toEqual([300001, 300001]);
    expect(fragments[0]![1]).toContain(
      `<File Digest="${kb.base64}" DigestAlgorithm="SHA1" FileName="${kb.hex.toLowerCase()}.cab" Size="150000"`,
    );
    expect(fragments[1]![1]).toContain(`<Title>${KB.title}</Title>`);
    expect([...result.matchAll(/<Url>([^<]*)<\/Url>/g)].map((match) => match[1])).toEqual([`https://sup.ibcm-lab.example:8531${kb.path}`]);
    // Without revision IDs, every update; titles are escaped inside the fragment.
    const all = (
      await soap(
        'GetExtendedUpdateInfo',
        `<GetExtendedUpdateInfo xmlns="${NS}">${COOKIE}<revisionIDs /><infoTypes /></GetExtendedUpdateInfo>`,
      )
    ).text;
    expect(unescapeXml(all)).toContain('<Title>Definition Update &lt;1.225.2944.0&gt; &amp; more</Title>');
  });

  it('GetFileLocations maps a SHA-1 digest to its URL', async () => {
    const reply = await soap(
      'GetFileLocations',
      `<GetFileLocations xmlns="${NS}">${COOKIE}<fileDigests><base64Binary>${kb.base64}</base64Binary><base64Binary>AAAA</base64Binary></fileDigests></GetFileLocations>`,
    );
    expect(reply.status).toBe(200);
    expect([...reply.text.matchAll(/<Url>([^<]*)<\/Url>/g)].map((match) => match[1])).toEqual([
      `https://sup.ibcm-lab.example:8531${kb.path}`,
    ]);
  });

  it('SimpleAuth GetAuthorizationCookie → 200 with the SimpleTargeting cookie', async () => {
    const reply = await call(
      sup,
      'POST',
      SIMPLE_AUTH_PATH,
      soapHeaders('GetAuthorizationCookie', AUTH_NS),
      envelope(
        `<GetAuthorizationCookie xmlns="${AUTH_NS}"><clientId>x</clientId><targetGroupName /><dnsName>client01</dnsName></GetAuthorizationCookie>`,
      ),
    );
    expect(reply.status).toBe(200);
    assertWellFormed(reply.text);
    expect(reply.text).toContain(
      `<GetAuthorizationCookieResponse xmlns="${AUTH_NS}"><GetAuthorizationCookieResult><PlugInId>SimpleTargeting</PlugInId><CookieData>`,
    );
    // The client web service's actions are not SimpleAuth's.
    expect((await call(sup, 'POST', SIMPLE_AUTH_PATH, soapHeaders('GetConfig'), envelope(REQUESTS.GetConfig!))).status).toBe(500);
  });

  describe('faults and refusals', () => {
    it.each([
      ['missing', undefined],
      ['unknown', `"${NS}/RefreshCache"`],
      ['without the namespace', '"GetConfig"'],
      ['from another service', `"${AUTH_NS}/GetConfig"`],
    ])('a %s SOAPAction → 500 SOAP Fault (soap:Client)', async (_what, action) => {
      const headers: Headers = [
        ['Content-Type', 'text/xml; charset=utf-8'],
        ...(action === undefined ? [] : [['SOAPAction', action] as [string, string]]),
      ];
      const reply = await call(sup, 'POST', CLIENT_WEB_SERVICE_PATH, headers, envelope(REQUESTS.GetConfig!));
      expect(reply.status).toBe(500);
      expect(reply.header('Content-Type')).toBe('text/xml; charset=utf-8');
      assertWellFormed(reply.text);
      expect(reply.text).toContain(
        '<soap:Fault><faultcode>soap:Client</faultcode><faultstring>System.Web.Services.Protocols.SoapException: Server did not recognize the value of HTTP Header SOAPAction',
      );
    });

    it("a body that does not carry the SOAPAction's operation → 500 fault with an [MS-WUSP] ErrorCode", async () => {
      const reply = await call(sup, 'POST', CLIENT_WEB_SERVICE_PATH, soapHeaders('SyncUpdates'), envelope(REQUESTS.GetConfig!));
      expect(reply.status).toBe(500);
      expect(reply.text).toContain('<ErrorCode>InvalidParameters</ErrorCode>');
      expect((await call(sup, 'POST', CLIENT_WEB_SERVICE_PATH, soapHeaders('GetConfig'), '')).status).toBe(500);
    });

    it('a non-XML content type is 415, a GET on the service 405', async () => {
      expect(
        (
          await call(
            sup,
            'POST',
            CLIENT_WEB_SERVICE_PATH,
            [
              ['Content-Type', 'application/soap+xml'],
              ['SOAPAction', `"${NS}/GetConfig"`],
            ],
            envelope(REQUESTS.GetConfig!),
          )
        ).status,
      ).toBe(415);
      const get = await call(sup, 'GET', CLIENT_WEB_SERVICE_PATH);
      expect([get.status, get.header('Allow')]).toEqual([405, 'POST']);
    });

    it.each([
      '/',
      '/ClientWebService/other.asmx',
      '/ReportingWebService/ReportingWebService.asmx',
      `/Content/00/${kb.hex}.cab`,
      `/Content/${kb.hex.slice(-2)}/${'0'.repeat(40)}.cab`,
    ])('%s → 404', async (target) => {
      expect((await call(sup, 'GET', target)).status).toBe(404);
    });
  });

  describe('files', () => {
    it('/selfupdate/wuident.cab is a small deterministic body', async () => {
      const reply = await call(sup, 'GET', SELF_UPDATE_PATH);
      expect(reply.status).toBe(200);
      expect(reply.body.equals(deterministicContent('selfupdate/wuident.cab', 4096))).toBe(true);
      expect((await call(sup, 'GET', '/SelfUpdate/WUIdent.cab', [['Range', 'bytes=0-9']])).status).toBe(206);
    });

    it('update content: whole, ranged, case-insensitive path, 416, 405', async () => {
      expect(updateFileContent(KB).equals(kb.bytes)).toBe(true);
      const whole = await call(sup, 'GET', kb.path);
      expect([whole.status, whole.header('Content-Type'), whole.header('Accept-Ranges')]).toEqual([
        200,
        'application/vnd.ms-cab-compressed',
        'bytes',
      ]);
      expect(whole.body.equals(kb.bytes)).toBe(true);
      const ranged = await call(sup, 'GET', kb.path.toLowerCase(), [['Range', 'bytes=100000-']]);
      expect([ranged.status, ranged.header('Content-Range')]).toEqual([206, 'bytes 100000-149999/150000']);
      expect(ranged.body.equals(kb.bytes.subarray(100_000))).toBe(true);
      const beyond = await call(sup, 'GET', kb.path, [['Range', 'bytes=150000-']]);
      expect([beyond.status, beyond.header('Content-Range')]).toEqual([416, 'bytes */150000']);
      const post = await call(sup, 'POST', kb.path, [], 'x');
      expect([post.status, post.header('Allow')]).toEqual([405, 'GET, HEAD']);
    });
  });

  it("URLs leave out the scheme's default port, and follow the scheme option", async () => {
    const url = async (options: Partial<SoftwareUpdatePointOptions>) => {
      const role = softwareUpdatePoint({ ...OPTIONS, updates: [KB], ...options });
      const reply = await call(role, 'POST', CLIENT_WEB_SERVICE_PATH, soapHeaders('SyncUpdates'), envelope(REQUESTS.SyncUpdates!));
      return text(reply.text, 'Url');
    };
    expect(await url({ port: 443 })).toBe(`https://sup.ibcm-lab.example${kb.path}`);
    expect(await url({ scheme: 'http', port: 8530 })).toBe(`http://sup.ibcm-lab.example:8530${kb.path}`);
    expect(await url({ scheme: 'http', port: 80 })).toBe(`http://sup.ibcm-lab.example${kb.path}`);
  });
});

describe('software update point end to end (lab server, undici)', () => {
  let role: RunningRole;

  beforeAll(async () => {
    role = await serveRole('software-update-point', softwareUpdatePoint(OPTIONS));
  });
  afterAll(() => role.close());

  it('scan (SOAP) then download the update file by HEAD + ranges from the URL SyncUpdates gave', async () => {
    const post = (path: string, operation: string, namespace: string, body: string) =>
      send(role, 'POST', path, Object.fromEntries(soapHeaders(operation, namespace)), envelope(body));

    expect((await post(CLIENT_WEB_SERVICE_PATH, 'GetConfig', NS, REQUESTS.GetConfig!)).status).toBe(200);
    const auth = await post(
      SIMPLE_AUTH_PATH,
      'GetAuthorizationCookie',
      AUTH_NS,
      `<GetAuthorizationCookie xmlns="${AUTH_NS}"><clientId>x</clientId></GetAuthorizationCookie>`,
    );
    expect(auth.status).toBe(200);
    expect((await post(CLIENT_WEB_SERVICE_PATH, 'GetCookie', NS, REQUESTS.GetCookie!)).status).toBe(200);
    expect((await post(CLIENT_WEB_SERVICE_PATH, 'RegisterComputer', NS, REQUESTS.RegisterComputer!)).status).toBe(200);
    const sync = await post(CLIENT_WEB_SERVICE_PATH, 'SyncUpdates', NS, REQUESTS.SyncUpdates!);
    expect(sync.status).toBe(200);
    expect(sync.headers['content-type']).toBe('text/xml; charset=utf-8');

    const [, digest, url] = /<FileLocation><FileDigest>([^<]*)<\/FileDigest><Url>([^<]*)<\/Url>/.exec(sync.text)!;
    const { host, pathname } = new URL(url!);
    expect(host).toBe('sup.ibcm-lab.example:8531');
    const head = await send(role, 'HEAD', pathname);
    expect([head.status, head.headers['content-length'], head.headers['accept-ranges']]).toEqual([200, '150000', 'bytes']);
    const parts: Buffer[] = [];
    for (let start = 0; start < 150_000; start += 65_536) {
      const end = Math.min(start + 65_535, 149_999);
      const part = await send(role, 'GET', pathname, { Range: `bytes=${start}-${end}` });
      expect([part.status, part.headers['content-range']]).toEqual([206, `bytes ${start}-${end}/150000`]);
      parts.push(part.body);
    }
    expect(createHash('sha1').update(Buffer.concat(parts)).digest('base64')).toBe(digest);

    const fault = await send(
      role,
      'POST',
      CLIENT_WEB_SERVICE_PATH,
      { 'Content-Type': 'text/xml; charset=utf-8' },
      envelope(REQUESTS.GetConfig!),
    );
    expect(fault.status).toBe(500);
    expect(fault.text).toContain('<soap:Fault>');

    const entries = role.journal.entries();
    expect(
      entries.filter((entry) => entry.method === 'POST').map((entry) => entry.headers.find(([name]) => name === 'SOAPAction')?.[1]),
    ).toEqual([
      `"${NS}/GetConfig"`,
      `"${AUTH_NS}/GetAuthorizationCookie"`,
      `"${NS}/GetCookie"`,
      `"${NS}/RegisterComputer"`,
      `"${NS}/SyncUpdates"`,
      undefined,
    ]);
    expect(entries.map((entry) => entry.response.status)).toEqual([200, 200, 200, 200, 200, 200, 206, 206, 206, 500]);
  });
});
