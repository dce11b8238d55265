// The Application Catalog website point (research W:39; seed 000: GET and POST, Windows auth on the
// internet): the catalog page, the request form post, the two SOAP services, and the hook the lab
// uses to put Windows authentication in front of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteRequest, SiteResponse } from '../../harness/http/index.js';
import {
  APPLICATION_OFFER_SERVICE_PATH,
  APPLICATION_VIEW_SERVICE_PATH,
  DEFAULT_CATALOG_APPLICATIONS,
  applicationCatalog,
} from '../../harness/roles/application-catalog/index.js';
import { call, send, serveRole, type RunningRole } from './request.js';
import { assertWellFormed, unescapeXml } from './xml.js';

const FORM: [string, string] = ['Content-Type', 'application/x-www-form-urlencoded'];
const SOAP_REQUEST =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
  '<GetApplications xmlns="http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/SoftwareCatalog/Website"><startIndex>0</startIndex></GetApplications>' +
  '</soap:Body></soap:Envelope>';

interface Row {
  id: string;
  name: string;
  version: string;
  action: string;
  method: string;
  hiddenId: string;
  button: string;
}

/** The catalog rows as a browser would see them (independent of the role's templates). */
function rows(html: string): Row[] {
  return [...html.matchAll(/<tr data-application-id="([^"]*)">([\s\S]*?)<\/tr>/g)].map((match) => {
    const cell = (name: string) => unescapeXml(new RegExp(`<td class="${name}">([^<]*)</td>`).exec(match[2]!)![1]!);
    const form = /<form method="([^"]*)" action="([^"]*)">([\s\S]*?)<\/form>/.exec(match[2]!)!;
    return {
      id: unescapeXml(match[1]!),
      name: cell('name'),
      version: cell('version'),
      method: form[1]!,
      action: form[2]!,
      hiddenId: unescapeXml(/<input type="hidden" name="applicationId" value="([^"]*)">/.exec(form[3]!)![1]!),
      button: /<button type="submit">([^<]*)<\/button>/.exec(form[3]!)![1]!,
    };
  });
}

describe('application catalog as a handler', () => {
  const catalog = applicationCatalog({});

  it('GET /CMApplicationCatalog is an HTML page titled "Application Catalog" with three request forms', async () => {
    for (const target of ['/CMApplicationCatalog', '/CMApplicationCatalog/', '/cmapplicationcatalog/?lang=en']) {
      const reply = await call(catalog, 'GET', target);
      expect({ target, status: reply.status }).toEqual({ target, status: 200 });
      expect(reply.header('Content-Type')).toBe('text/html; charset=utf-8');
      expect(reply.text).toMatch(/^<!DOCTYPE html>/);
      expect(reply.text).toContain('<title>Application Catalog</title>');
      expect(reply.text).toContain('<meta name="ibcm-lab-role" content="application-catalog">');
      expect(rows(reply.text)).toEqual(
        DEFAULT_CATALOG_APPLICATIONS.map((app) => ({
          id: app.id,
          name: app.name,
          version: app.version,
          method: 'post',
          action: '/CMApplicationCatalog/Request',
          hiddenId: app.id,
          button: 'Request',
        })),
      );
    }
    expect(DEFAULT_CATALOG_APPLICATIONS).toHaveLength(3);
  });

  it('HEAD is allowed on the page; other verbs are 405', async () => {
    expect((await call(catalog, 'HEAD', '/CMApplicationCatalog/')).status).toBe(200);
    for (const method of ['PUT', 'DELETE', 'PROPFIND', 'POST']) {
      const reply = await call(catalog, method, '/CMApplicationCatalog/');
      expect([method, reply.status, reply.header('Allow')]).toEqual([method, 405, 'GET, HEAD']);
    }
  });

  it('POST /CMApplicationCatalog/Request with applicationId → "Request received for <name>"', async () => {
    const app = DEFAULT_CATALOG_APPLICATIONS[1]!;
    const reply = await call(
      catalog,
      'POST',
      '/CMApplicationCatalog/Request',
      [FORM],
      new URLSearchParams({ applicationId: app.id }).toString(),
    );
    expect(reply.status).toBe(200);
    expect(reply.header('Content-Type')).toBe('text/html; charset=utf-8');
    expect(reply.text).toContain(`Request received for ${app.name}`);
    expect(reply.text).toContain('<meta name="ibcm-lab-role" content="application-catalog">');
    const withCharset = await call(
      catalog,
      'POST',
      '/cmapplicationcatalog/request',
      [['Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8']],
      `other=1&applicationId=${encodeURIComponent(DEFAULT_CATALOG_APPLICATIONS[0]!.id)}`,
    );
    expect(withCharset.text).toContain(`Request received for ${DEFAULT_CATALOG_APPLICATIONS[0]!.name}`);
  });

  it('an unknown or missing applicationId is 400, a non-form body 415, GET on the form target 405', async () => {
    const unknown = await call(catalog, 'POST', '/CMApplicationCatalog/Request', [FORM], 'applicationId=ScopeId_X%2FApplication_Y');
    expect([unknown.status, unknown.header('X-IBCM-Lab-Reason')]).toEqual([400, 'unknown applicationId "ScopeId_X/Application_Y"']);
    expect((await call(catalog, 'POST', '/CMApplicationCatalog/Request', [FORM], 'name=x')).status).toBe(400);
    expect(
      (
        await call(
          catalog,
          'POST',
          '/CMApplicationCatalog/Request',
          [['Content-Type', 'application/json']],
          `{"applicationId":"${DEFAULT_CATALOG_APPLICATIONS[0]!.id}"}`,
        )
      ).status,
    ).toBe(415);
    const get = await call(catalog, 'GET', '/CMApplicationCatalog/Request');
    expect([get.status, get.header('Allow')]).toEqual([405, 'POST']);
  });

  it.each([
    [APPLICATION_VIEW_SERVICE_PATH, 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/SoftwareCatalog/Website'],
    [APPLICATION_OFFER_SERVICE_PATH, 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/SoftwareCatalog/Service'],
  ])('POST %s with a SOAP body → 200 text/xml SOAP envelope listing the catalog', async (path, namespace) => {
    const reply = await call(
      catalog,
      'POST',
      path,
      [
        ['Content-Type', 'text/xml; charset=utf-8'],
        ['SOAPAction', '"GetApplications"'],
      ],
      SOAP_REQUEST,
    );
    expect(reply.status).toBe(200);
    expect(reply.header('Content-Type')).toBe('text/xml; charset=utf-8');
    assertWellFormed(reply.text);
    expect(reply.text).toContain('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"');
    expect(reply.text).toContain(`<soap:Body><GetApplicationsResponse xmlns="${namespace}"><GetApplicationsResult>`);
    expect([...reply.text.matchAll(/<Name>([^<]*)<\/Name>/g)].map((match) => match[1])).toEqual(
      DEFAULT_CATALOG_APPLICATIONS.map((app) => app.name),
    );
  });

  it('names the operation from SOAPAction when the SOAP body is empty', async () => {
    const reply = await call(
      catalog,
      'POST',
      APPLICATION_OFFER_SERVICE_PATH,
      [
        ['Content-Type', 'text/xml'],
        ['SOAPAction', '"http://x/IApplicationOfferService/GetInstallStatus"'],
      ],
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>',
    );
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('<GetInstallStatusResponse ');
  });

  it('SOAP endpoints: no envelope → 500 SOAP fault, non-XML content type → 415, GET → 405', async () => {
    const fault = await call(catalog, 'POST', APPLICATION_VIEW_SERVICE_PATH, [['Content-Type', 'text/xml']], 'not soap');
    expect(fault.status).toBe(500);
    assertWellFormed(fault.text);
    expect(fault.text).toContain('<faultcode>soap:Client</faultcode>');
    expect((await call(catalog, 'POST', APPLICATION_VIEW_SERVICE_PATH, [['Content-Type', 'application/json']], SOAP_REQUEST)).status).toBe(
      415,
    );
    const get = await call(catalog, 'GET', APPLICATION_OFFER_SERVICE_PATH);
    expect([get.status, get.header('Allow')]).toEqual([405, 'POST']);
  });

  it.each([
    '/',
    '/CMApplicationCatalogX',
    '/CMApplicationCatalog/Missing.aspx',
    '/CMApplicationCatalogSvc/Other.svc',
    '/SMS_MP/.sms_aut?MPLIST',
  ])('GET %s → 404', async (target) => {
    expect((await call(catalog, 'GET', target)).status).toBe(404);
  });

  it('escapes configured names in HTML', async () => {
    const custom = applicationCatalog({ applications: [{ id: 'a"b', name: '<script>alert(1)</script> & Co', version: '1' }] });
    const reply = await call(custom, 'GET', '/CMApplicationCatalog');
    expect(reply.text).not.toContain('<script>');
    expect(rows(reply.text)).toMatchObject([{ id: 'a"b', name: '<script>alert(1)</script> & Co', hiddenId: 'a"b' }]);
    const requested = await call(custom, 'POST', '/CMApplicationCatalog/Request', [FORM], 'applicationId=a%22b');
    expect(requested.text).toContain('Request received for &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
  });

  describe('requireWindowsAuth', () => {
    const seen: string[] = [];
    const ntlm = (request: SiteRequest): SiteResponse | null => {
      seen.push(request.target);
      return request.header('Authorization')?.startsWith('NTLM ')
        ? null
        : { status: 401, headers: [['WWW-Authenticate', 'NTLM']], body: '' };
    };
    const guarded = applicationCatalog({ requireWindowsAuth: ntlm });

    it("its response replaces the role's for every path of the catalog, before routing", async () => {
      for (const [method, target] of [
        ['GET', '/CMApplicationCatalog'],
        ['POST', '/CMApplicationCatalog/Request'],
        ['POST', APPLICATION_OFFER_SERVICE_PATH],
        ['GET', '/CMApplicationCatalog/Missing.aspx'],
      ] as const) {
        const reply = await call(guarded, method, target);
        expect([target, reply.status, reply.header('WWW-Authenticate')]).toEqual([target, 401, 'NTLM']);
      }
    });

    it('null lets the request through to the catalog', async () => {
      const reply = await call(guarded, 'GET', '/CMApplicationCatalog', [['Authorization', 'NTLM TlRMTVNTUAADAAAA']]);
      expect(reply.status).toBe(200);
      expect(rows(reply.text)).toHaveLength(3);
    });

    it("is not consulted outside the catalog's URL space", async () => {
      seen.length = 0;
      expect((await call(guarded, 'GET', '/other')).status).toBe(404);
      expect(seen).toEqual([]);
    });
  });
});

describe('application catalog end to end (lab server, undici)', () => {
  let role: RunningRole;

  beforeAll(async () => {
    role = await serveRole('application-catalog', applicationCatalog({}));
  });
  afterAll(() => role.close());

  it("GET the page, submit a row's form as a browser would, call the SOAP service", async () => {
    const page = await send(role, 'GET', '/CMApplicationCatalog/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const row = rows(page.text)[2]!;

    const submitted = await send(
      role,
      row.method.toUpperCase(),
      row.action,
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ applicationId: row.hiddenId }).toString(),
    );
    expect(submitted.status).toBe(200);
    expect(submitted.text).toContain(`Request received for ${row.name}`);

    const soap = await send(
      role,
      'POST',
      APPLICATION_VIEW_SERVICE_PATH,
      { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '"GetApplications"' },
      SOAP_REQUEST,
    );
    expect(soap.status).toBe(200);
    expect(soap.headers['content-type']).toBe('text/xml; charset=utf-8');
    assertWellFormed(soap.text);

    expect((await send(role, 'PUT', '/CMApplicationCatalog/', {}, 'x')).status).toBe(405);
    expect((await send(role, 'GET', '/CMApplicationCatalog/nothing')).status).toBe(404);

    const entries = role.journal.entries();
    expect(entries.map((entry) => [entry.method, entry.target, entry.response.status])).toEqual([
      ['GET', '/CMApplicationCatalog/', 200],
      ['POST', '/CMApplicationCatalog/Request', 200],
      ['POST', APPLICATION_VIEW_SERVICE_PATH, 200],
      ['PUT', '/CMApplicationCatalog/', 405],
      ['GET', '/CMApplicationCatalog/nothing', 404],
    ]);
    expect(entries[2]!.headers).toContainEqual(['SOAPAction', '"GetApplications"']);
  });
});
