// The Application Catalog website point (research W:39; seed 000: firewalls must allow GET and POST
// for it; "An Internet-based Application Catalog website point also requires Windows authentication").
// URL space: the website `/CMApplicationCatalog`, the user's request form post, the website's own
// `ApplicationViewService.asmx`, and the web service point `/CMApplicationCatalogSvc/
// ApplicationOfferService.svc` (W:39). The role was removed from ConfigMgr after 1910 (W:39): the lab
// keeps it for the legacy IBCM profile only.
//
// Windows authentication is not implemented here: the lab plugs it in with `requireWindowsAuth`.
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { methodNotAllowed, notFound, splitTarget } from '../shared/iis.js';
import { isTextXml, soapAction, soapBodyOperation, soapFault, soapResponse } from '../shared/soap.js';
import { escapeXml } from '../shared/xml.js';

export interface CatalogApplication {
  /** ConfigMgr-style model name, `ScopeId_<guid>/Application_<guid>`. */
  id: string;
  name: string;
  version: string;
  publisher?: string;
}

export interface ApplicationCatalogOptions {
  /** What the catalog offers; default {@link DEFAULT_CATALOG_APPLICATIONS} (three applications). */
  applications?: CatalogApplication[];
  /**
   * Called first for every request in the catalog's URL space (`/CMApplicationCatalog…`,
   * `/CMApplicationCatalogSvc…`), as IIS authenticates before it routes. Return a response (e.g. a
   * 401 NTLM challenge) to send it instead, or null to let the request through.
   */
  requireWindowsAuth?: (request: SiteRequest) => SiteResponse | null;
}

const SCOPE = 'ScopeId_6C5A3E1D-2B4F-4E8A-9C7D-1F0E2D3C4B5A';

export const DEFAULT_CATALOG_APPLICATIONS: readonly CatalogApplication[] = Object.freeze([
  { id: `${SCOPE}/Application_0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0`, name: 'Lab Notepad', version: '1.2.0', publisher: 'IBCM Lab' },
  { id: `${SCOPE}/Application_1A2B3C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D`, name: 'Lab VPN Client', version: '4.1.7', publisher: 'IBCM Lab' },
  { id: `${SCOPE}/Application_9F8E7D6C-5B4A-4392-8190-7F6E5D4C3B2A`, name: 'Lab PDF Reader', version: '11.0.3', publisher: 'IBCM Lab' },
]);

export const CATALOG_PATH = '/CMApplicationCatalog';
export const CATALOG_REQUEST_PATH = '/CMApplicationCatalog/Request';
export const APPLICATION_VIEW_SERVICE_PATH = '/CMApplicationCatalog/ApplicationViewService.asmx';
export const APPLICATION_OFFER_SERVICE_PATH = '/CMApplicationCatalogSvc/ApplicationOfferService.svc';

// Namespaces of the two services. [INFER]: the real WSDLs are not public; these follow the
// `schemas.microsoft.com/5.0.0.0/ConfigurationManager/…` pattern of ConfigMgr 2012 web services.
const VIEW_SERVICE_NS = 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/SoftwareCatalog/Website';
const OFFER_SERVICE_NS = 'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/SoftwareCatalog/Service';

export function applicationCatalog(options: ApplicationCatalogOptions = {}): SiteHandler {
  const applications = [...(options.applications ?? DEFAULT_CATALOG_APPLICATIONS)];

  return (request: SiteRequest): SiteResponse => {
    const path = splitTarget(request.target).path.toLowerCase();
    const inCatalog =
      path === '/cmapplicationcatalog' ||
      path.startsWith('/cmapplicationcatalog/') ||
      path === '/cmapplicationcatalogsvc' ||
      path.startsWith('/cmapplicationcatalogsvc/');
    if (!inCatalog) return notFound();
    const challenge = options.requireWindowsAuth?.(request);
    if (challenge) return challenge;

    if (path === '/cmapplicationcatalog' || path === '/cmapplicationcatalog/') {
      if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET', 'HEAD']);
      return html(200, catalogPage(applications));
    }
    if (path === CATALOG_REQUEST_PATH.toLowerCase()) {
      if (request.method !== 'POST') return methodNotAllowed(['POST']);
      return requestApplication(request, applications);
    }
    if (path === APPLICATION_VIEW_SERVICE_PATH.toLowerCase()) return soapService(request, VIEW_SERVICE_NS, applications);
    if (path === APPLICATION_OFFER_SERVICE_PATH.toLowerCase()) return soapService(request, OFFER_SERVICE_NS, applications);
    return notFound();
  };
}

function html(status: number, body: string, extra: [string, string][] = []): SiteResponse {
  return { status, headers: [['Content-Type', 'text/html; charset=utf-8'], ...extra], body };
}

function page(title: string, content: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="ibcm-lab-role" content="application-catalog">',
    `<title>${escapeXml(title)}</title>`,
    '</head>',
    '<body>',
    content,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The catalog: one row per application, each with its own request form (a user "requests" an app). */
function catalogPage(applications: CatalogApplication[]): string {
  const rows = applications.map((app) =>
    [
      `<tr data-application-id="${escapeXml(app.id)}">`,
      `<td class="name">${escapeXml(app.name)}</td>`,
      `<td class="version">${escapeXml(app.version)}</td>`,
      `<td class="id">${escapeXml(app.id)}</td>`,
      '<td>',
      `<form method="post" action="${CATALOG_REQUEST_PATH}">`,
      `<input type="hidden" name="applicationId" value="${escapeXml(app.id)}">`,
      `<button type="submit">Request</button>`,
      '</form>',
      '</td>',
      '</tr>',
    ].join(''),
  );
  return page(
    'Application Catalog',
    [
      '<h1>Application Catalog</h1>',
      '<table id="applications">',
      '<thead><tr><th>Name</th><th>Version</th><th>ID</th><th></th></tr></thead>',
      '<tbody>',
      ...rows,
      '</tbody>',
      '</table>',
    ].join('\n'),
  );
}

/** `POST /CMApplicationCatalog/Request` with `applicationId=…` (an HTML form post). */
function requestApplication(request: SiteRequest, applications: CatalogApplication[]): SiteResponse {
  const mediaType = (request.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    return html(415, page('Application Catalog', '<p>Unsupported Media Type: expected an HTML form post.</p>'), [
      ['X-IBCM-Lab-Reason', `Content-Type "${mediaType}"`],
    ]);
  }
  const id = new URLSearchParams(request.body.toString('utf8')).get('applicationId');
  const app = applications.find((candidate) => candidate.id === id);
  if (!app) {
    const reason = id === null ? 'no applicationId in the form' : `unknown applicationId "${id}"`;
    return html(400, page('Application Catalog', `<p>Unknown application.</p>`), [['X-IBCM-Lab-Reason', reason]]);
  }
  return html(
    200,
    page(
      'Application Catalog',
      `<h1>Request received for ${escapeXml(app.name)}</h1>\n<p data-application-id="${escapeXml(app.id)}">Request received for ${escapeXml(app.name)} ${escapeXml(app.version)}.</p>`,
    ),
  );
}

/**
 * The catalog's SOAP services. Operation names and schemas are not public ([INFER]): the role answers
 * any operation — named by the first element of the SOAP body, else by the last segment of
 * `SOAPAction` — with `<{op}Response><{op}Result>` listing the catalog, so a proxy's SOAP passthrough
 * (POST, `text/xml`, `SOAPAction` kept) can be checked end to end.
 */
function soapService(request: SiteRequest, namespace: string, applications: CatalogApplication[]): SiteResponse {
  if (request.method !== 'POST') return methodNotAllowed(['POST']);
  if (!isTextXml(request))
    return {
      status: 415,
      headers: [
        ['Content-Type', 'text/html'],
        ['X-IBCM-Lab-Reason', 'SOAP 1.1 needs Content-Type text/xml'],
      ],
      body: '',
    };
  const envelope = request.body.toString('utf8');
  if (!/<(?:[\w.-]+:)?Envelope[\s>]/.test(envelope))
    return soapFault('soap:Client', 'Server was unable to read request. There is no SOAP envelope in the body.');
  const operation = soapBodyOperation(envelope) ?? soapAction(request)?.split('/').pop();
  if (!operation || !/^[A-Za-z_][\w.-]*$/.test(operation))
    return soapFault('soap:Client', 'Server did not recognize the operation of the request.');
  const items = applications
    .map(
      (app) =>
        `<Application><Id>${escapeXml(app.id)}</Id><Name>${escapeXml(app.name)}</Name><Version>${escapeXml(app.version)}</Version><Publisher>${escapeXml(app.publisher ?? '')}</Publisher></Application>`,
    )
    .join('');
  return soapResponse(
    `<${operation}Response xmlns="${namespace}"><${operation}Result><Applications>${items}</Applications></${operation}Result></${operation}Response>`,
  );
}
