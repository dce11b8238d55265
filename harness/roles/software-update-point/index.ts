// The software update point: the WSUS endpoints a ConfigMgr client uses ([MS-WUSP], research W:40) —
// `POST /ClientWebService/client.asmx` (SOAP, operation chosen by the `SOAPAction` header),
// `POST /SimpleAuthWebService/SimpleAuth.asmx` (GetAuthorizationCookie), the self-update cab
// `/selfupdate/wuident.cab`, and update content under `/Content/<xx>/<SHA1>.cab` with HEAD and Range
// support (W:34, W:42: Windows Update needs Range through proxies). Internet clients always scan
// against the internet-facing SUP (W:40); the file URLs it hands out name its internet FQDN.
import { createHash, randomBytes } from 'node:crypto';
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { deterministicContent } from '../shared/content.js';
import { serveFile, type StaticFile } from '../shared/files.js';
import { methodNotAllowed, notFound, splitTarget } from '../shared/iis.js';
import { elementTexts, isTextXml, soapAction, soapBodyOperation, soapFault, soapResponse } from '../shared/soap.js';
import {
  CLIENT_WEB_SERVICE_NS,
  SIMPLE_AUTH_NS,
  faultDetail,
  getAuthorizationCookieResponse,
  getConfigResponse,
  getCookieResponse,
  getExtendedUpdateInfoResponse,
  getFileLocationsResponse,
  registerComputerResponse,
  syncUpdatesResponse,
  type Cookie,
  type UpdateFacts,
} from './wusp.js';

export { CLIENT_WEB_SERVICE_NS, SIMPLE_AUTH_NS } from './wusp.js';

export interface SoftwareUpdate {
  /** The update's GUID (`UpdateIdentity/@UpdateID`). */
  updateId: string;
  title: string;
  fileSize: number;
}

export interface SoftwareUpdatePointOptions {
  /** The name internet clients use; content URLs are built on it (W:40). */
  internetFqdn: string;
  /** The port clients reach the SUP on (8531/443 for HTTPS, W:40); left out of URLs when it is the scheme's default. */
  port: number;
  updates: SoftwareUpdate[];
  /** Scheme of the content URLs; default 'https' (the lab publishes the SUP on its HTTPS port). */
  scheme?: 'http' | 'https';
}

export const CLIENT_WEB_SERVICE_PATH = '/ClientWebService/client.asmx';
export const SIMPLE_AUTH_PATH = '/SimpleAuthWebService/SimpleAuth.asmx';
export const SELF_UPDATE_PATH = '/selfupdate/wuident.cab';
export const SELF_UPDATE_SIZE = 4096;

/** The operations of `client.asmx` this role answers (W:40). */
export const CLIENT_WEB_SERVICE_OPERATIONS = [
  'GetConfig',
  'GetCookie',
  'RegisterComputer',
  'SyncUpdates',
  'GetExtendedUpdateInfo',
  'GetFileLocations',
] as const;
type ClientOperation = (typeof CLIENT_WEB_SERVICE_OPERATIONS)[number];

/** `SOAPAction` of a client web service operation, e.g. `…/ClientWebService/GetConfig` ([MS-WUSP] §2.2.2.2.1). */
export function clientWebServiceAction(operation: string): string {
  return `${CLIENT_WEB_SERVICE_NS}/${operation}`;
}
export const GET_AUTHORIZATION_COOKIE_ACTION = `${SIMPLE_AUTH_NS}/GetAuthorizationCookie`;

/** The bytes of an update's content file: a pure function of its UpdateID. */
export function updateFileContent(update: Pick<SoftwareUpdate, 'updateId' | 'fileSize'>): Buffer {
  return deterministicContent(`software-update/${update.updateId}`, update.fileSize);
}

/**
 * Where WSUS keeps a content file: `/Content/<last two hex digits of the SHA-1>/<SHA-1>.cab`, upper
 * case (the WSUS content directory layout; the spec leaves it implementation-specific, §3.1.5.9).
 */
export function updateContentPath(sha1Hex: string): string {
  const hex = sha1Hex.toUpperCase();
  return `/Content/${hex.slice(-2)}/${hex}.cab`;
}

export function selfUpdateContent(): Buffer {
  return deterministicContent('selfupdate/wuident.cab', SELF_UPDATE_SIZE);
}

interface PreparedUpdate {
  facts: UpdateFacts;
  file: StaticFile;
}

export function softwareUpdatePoint(options: SoftwareUpdatePointOptions): SiteHandler {
  const scheme = options.scheme ?? 'https';
  const defaultPort = scheme === 'https' ? 443 : 80;
  const origin = `${scheme}://${options.internetFqdn}${options.port === defaultPort ? '' : `:${options.port}`}`;

  const updates: PreparedUpdate[] = options.updates.map((update, index) => {
    const content = updateFileContent(update);
    const sha1 = createHash('sha1').update(content).digest();
    const path = updateContentPath(sha1.toString('hex'));
    return {
      facts: {
        updateId: update.updateId,
        title: update.title,
        revisionId: 300001 + index,
        fileName: path.slice(path.lastIndexOf('/') + 1).toLowerCase(),
        fileSize: update.fileSize,
        digestBase64: sha1.toString('base64'),
        url: `${origin}${path}`,
      },
      file: { path, content, contentType: 'application/vnd.ms-cab-compressed' },
    };
  });
  const byPath = new Map(updates.map((update) => [update.file.path.toLowerCase(), update.file]));
  const selfUpdate: StaticFile = { path: SELF_UPDATE_PATH, content: selfUpdateContent(), contentType: 'application/vnd.ms-cab-compressed' };

  return (request: SiteRequest): SiteResponse => {
    const path = splitTarget(request.target).path.toLowerCase();
    if (path === CLIENT_WEB_SERVICE_PATH.toLowerCase()) return soapEndpoint(request, () => clientWebService(request, updates));
    if (path === SIMPLE_AUTH_PATH.toLowerCase()) return soapEndpoint(request, () => simpleAuth(request));
    const file = path === SELF_UPDATE_PATH.toLowerCase() ? selfUpdate : byPath.get(path);
    if (!file) return notFound();
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(['GET', 'HEAD']);
    return serveFile(request, file);
  };
}

function soapEndpoint(request: SiteRequest, answer: () => SiteResponse): SiteResponse {
  if (request.method !== 'POST') return methodNotAllowed(['POST']);
  // [INFER] ASP.NET's exact answer to a non-XML body varies; 415 names the problem plainly.
  if (!isTextXml(request))
    return {
      status: 415,
      headers: [
        ['Content-Type', 'text/html'],
        ['X-IBCM-Lab-Reason', `SOAP 1.1 needs Content-Type text/xml, got "${request.header('Content-Type') ?? ''}"`],
      ],
      body: '',
    };
  return answer();
}

/** ASP.NET's fault for a SOAPAction the service does not have (dispatch is by SOAPAction in .asmx). */
function unknownAction(request: SiteRequest): SiteResponse {
  return soapFault(
    'soap:Client',
    `System.Web.Services.Protocols.SoapException: Server did not recognize the value of HTTP Header SOAPAction: ${soapAction(request) ?? ''}.`,
  );
}

/** The SOAPAction names the operation; the body must carry that operation's element, else ASP.NET cannot read it. */
function operationOf<T extends string>(
  request: SiteRequest,
  namespace: string,
  operations: readonly T[],
): { operation: T; body: string } | SiteResponse {
  const action = soapAction(request);
  const operation = operations.find((candidate) => action === `${namespace}/${candidate}`);
  if (!operation) return unknownAction(request);
  const body = request.body.toString('utf8');
  if (soapBodyOperation(body) !== operation) {
    return soapFault(
      'soap:Client',
      `Server was unable to read request. The SOAP body does not contain a ${operation} element.`,
      faultDetail('InvalidParameters', `"${action}"`),
    );
  }
  return { operation, body };
}

function newCookie(): Cookie {
  // Opaque to the client ([MS-WUSP] cookies are server-encrypted); valid four days like WSUS's.
  return {
    expiration: new Date(Date.now() + 4 * 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    encryptedData: randomBytes(48).toString('base64'),
  };
}

function clientWebService(request: SiteRequest, updates: PreparedUpdate[]): SiteResponse {
  const parsed = operationOf<ClientOperation>(request, CLIENT_WEB_SERVICE_NS, CLIENT_WEB_SERVICE_OPERATIONS);
  if (!('operation' in parsed)) return parsed;
  const facts = updates.map((update) => update.facts);
  switch (parsed.operation) {
    case 'GetConfig':
      return soapResponse(getConfigResponse());
    case 'GetCookie':
      return soapResponse(getCookieResponse(newCookie()));
    case 'RegisterComputer':
      return soapResponse(registerComputerResponse());
    case 'SyncUpdates':
      return soapResponse(syncUpdatesResponse(facts, newCookie()));
    case 'GetExtendedUpdateInfo': {
      // revisionIDs is an ArrayOfInt; none given means "all", any unknown ID is out of scope.
      const revisionBlock = /<(?:[\w.-]+:)?revisionIDs\b[\s\S]*?<\/(?:[\w.-]+:)?revisionIDs>/.exec(parsed.body)?.[0] ?? '';
      const requested = elementTexts(revisionBlock, 'int').map(Number);
      if (requested.length === 0) return soapResponse(getExtendedUpdateInfoResponse(facts, []));
      const known = facts.filter((fact) => requested.includes(fact.revisionId));
      return soapResponse(
        getExtendedUpdateInfoResponse(
          known,
          requested.filter((id) => !known.some((fact) => fact.revisionId === id)),
        ),
      );
    }
    case 'GetFileLocations': {
      const digests = elementTexts(parsed.body, 'base64Binary');
      return soapResponse(
        getFileLocationsResponse(
          facts.filter((fact) => digests.includes(fact.digestBase64)),
          newCookie(),
        ),
      );
    }
  }
}

function simpleAuth(request: SiteRequest): SiteResponse {
  const parsed = operationOf(request, SIMPLE_AUTH_NS, ['GetAuthorizationCookie'] as const);
  if (!('operation' in parsed)) return parsed;
  return soapResponse(getAuthorizationCookieResponse(randomBytes(32).toString('base64')));
}
