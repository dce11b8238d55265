// [MS-WUSP] message bodies (research W:40): the client web service `client.asmx` and the SimpleAuth
// web service, as SOAP 1.1 document/literal. Each template is the `<…Response>` element that goes
// inside `<soap:Body>`; shapes follow the spec's WSDLs (§6) and its protocol examples (§4),
// trimmed to what a client needs to get from "scan" to "download this file".
import { escapeText, escapeXml } from '../shared/xml.js';

export const CLIENT_WEB_SERVICE_NS = 'http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService';
export const SIMPLE_AUTH_NS = 'http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService';

/** What the templates need to know about one update. */
export interface UpdateFacts {
  updateId: string;
  title: string;
  /** Server-local revision ID ([MS-WUSP] §2.2.2.2.4: an int the client echoes back). */
  revisionId: number;
  fileName: string;
  fileSize: number;
  /** SHA-1 of the file, base64 (the `FileDigest` of [MS-WUSP] §2.2.3.7). */
  digestBase64: string;
  url: string;
}

export interface Cookie {
  expiration: string;
  encryptedData: string;
}

/** Fixed so that responses only differ where the protocol makes them differ (cookies). */
const LAST_CHANGE = '2026-11-02T08:00:00Z';

// The `<Xml>` of an update is an XML fragment carried as escaped text ([MS-WUSP] §2.2.2.2.4).
const fragment = (xml: string): string => escapeText(xml);

const cookieXml = (element: string, cookie: Cookie): string =>
  `<${element}><Expiration>${cookie.expiration}</Expiration><EncryptedData>${cookie.encryptedData}</EncryptedData></${element}>`;

const fileLocations = (updates: readonly UpdateFacts[]): string =>
  `<FileLocations>${updates.map((u) => `<FileLocation><FileDigest>${u.digestBase64}</FileDigest><Url>${escapeXml(u.url)}</Url></FileLocation>`).join('')}</FileLocations>`;

/** GetConfig (§2.2.2.2.1): registration required, SimpleTargeting auth plug-in at SimpleAuth.asmx. */
export function getConfigResponse(): string {
  return [
    `<GetConfigResponse xmlns="${CLIENT_WEB_SERVICE_NS}">`,
    '<GetConfigResult>',
    `<LastChange>${LAST_CHANGE}</LastChange>`,
    '<IsRegistrationRequired>true</IsRegistrationRequired>',
    '<AuthInfo>',
    '<AuthPlugInInfo><PlugInID>SimpleTargeting</PlugInID><ServiceUrl>SimpleAuthWebService/SimpleAuth.asmx</ServiceUrl><Parameter /></AuthPlugInInfo>',
    '</AuthInfo>',
    '<Properties>',
    '<ConfigurationProperty><Name>MaxExtendedUpdatesPerRequest</Name><Value>50</Value></ConfigurationProperty>',
    '<ConfigurationProperty><Name>ProtocolVersion</Name><Value>1.20</Value></ConfigurationProperty>',
    '</Properties>',
    '</GetConfigResult>',
    '</GetConfigResponse>',
  ].join('');
}

/** GetAuthorizationCookie (SimpleAuth web service): the cookie the client trades for a server cookie. */
export function getAuthorizationCookieResponse(cookieData: string): string {
  return [
    `<GetAuthorizationCookieResponse xmlns="${SIMPLE_AUTH_NS}">`,
    `<GetAuthorizationCookieResult><PlugInId>SimpleTargeting</PlugInId><CookieData>${cookieData}</CookieData></GetAuthorizationCookieResult>`,
    '</GetAuthorizationCookieResponse>',
  ].join('');
}

/** GetCookie (§2.2.2.2.2). */
export function getCookieResponse(cookie: Cookie): string {
  return `<GetCookieResponse xmlns="${CLIENT_WEB_SERVICE_NS}">${cookieXml('GetCookieResult', cookie)}</GetCookieResponse>`;
}

/** RegisterComputer (§2.2.2.2.3): an empty response element on success. */
export function registerComputerResponse(): string {
  return `<RegisterComputerResponse xmlns="${CLIENT_WEB_SERVICE_NS}" />`;
}

/** The "core" fragment of an update: identity and applicability ([MS-WUSP] §2.2.2.2.4). */
function coreFragment(update: UpdateFacts): string {
  return fragment(
    `<UpdateIdentity UpdateID="${escapeXml(update.updateId)}" RevisionNumber="200" />` +
      '<Properties UpdateType="Software" />' +
      '<ApplicabilityRules><IsInstalled><False /></IsInstalled><IsInstallable><True /></IsInstallable></ApplicabilityRules>',
  );
}

/**
 * SyncUpdates (§2.2.2.2.4): every configured update as a new, assigned, leaf update with its core
 * fragment, and a fresh cookie.
 *
 * Lab addition (not in [MS-WUSP]): `SyncUpdatesResult` also carries the `FileLocations` element that
 * the spec puts in GetExtendedUpdateInfo and GetFileLocations, so a simulated client can find the
 * update's content (`/Content/<xx>/<sha1>.cab` on the SUP's internet FQDN) in one round trip. The
 * spec-conformant path (GetExtendedUpdateInfo) returns the same locations.
 */
export function syncUpdatesResponse(updates: readonly UpdateFacts[], cookie: Cookie): string {
  const infos = updates.map((update) =>
    [
      '<UpdateInfo>',
      `<ID>${update.revisionId}</ID>`,
      '<Deployment>',
      `<ID>${update.revisionId + 100000}</ID><Action>Install</Action><IsAssigned>true</IsAssigned>`,
      `<LastChangeTime>${LAST_CHANGE.slice(0, 10)}</LastChangeTime><AutoSelect>0</AutoSelect><AutoDownload>0</AutoDownload><SupersedenceBehavior>0</SupersedenceBehavior>`,
      '</Deployment>',
      '<IsLeaf>true</IsLeaf>',
      `<Xml>${coreFragment(update)}</Xml>`,
      '</UpdateInfo>',
    ].join(''),
  );
  return [
    `<SyncUpdatesResponse xmlns="${CLIENT_WEB_SERVICE_NS}">`,
    '<SyncUpdatesResult>',
    `<NewUpdates>${infos.join('')}</NewUpdates>`,
    '<Truncated>false</Truncated>',
    cookieXml('NewCookie', cookie),
    '<DriverSyncNotNeeded>false</DriverSyncNotNeeded>',
    fileLocations(updates),
    '</SyncUpdatesResult>',
    '</SyncUpdatesResponse>',
  ].join('');
}

/**
 * GetExtendedUpdateInfo (§2.2.2.2.6, §3.1.5.9): the extended fragment (files, sizes) and the
 * localized properties (title) of each requested revision, the URLs of its content, and the
 * requested revisions this server does not have as out of scope.
 */
export function getExtendedUpdateInfoResponse(updates: readonly UpdateFacts[], outOfScope: readonly number[]): string {
  const extended = (u: UpdateFacts): string =>
    fragment(
      `<ExtendedProperties DefaultPropertiesLanguage="en" Handler="http://schemas.microsoft.com/msus/2002/12/UpdateHandlers/Cbs" MaxDownloadSize="${u.fileSize}" MinDownloadSize="${u.fileSize}" />` +
        `<Files><File Digest="${u.digestBase64}" DigestAlgorithm="SHA1" FileName="${escapeXml(u.fileName)}" Size="${u.fileSize}" Modified="${LAST_CHANGE}" /></Files>`,
    );
  const localized = (u: UpdateFacts): string =>
    fragment(`<LocalizedProperties><Language>en</Language><Title>${escapeXml(u.title)}</Title></LocalizedProperties>`);
  return [
    `<GetExtendedUpdateInfoResponse xmlns="${CLIENT_WEB_SERVICE_NS}">`,
    '<GetExtendedUpdateInfoResult>',
    outOfScope.length > 0 ? `<OutOfScopeRevisionIDs>${outOfScope.map((id) => `<int>${id}</int>`).join('')}</OutOfScopeRevisionIDs>` : '',
    `<Updates>${updates.map((u) => `<Update><ID>${u.revisionId}</ID><Xml>${extended(u)}</Xml></Update><Update><ID>${u.revisionId}</ID><Xml>${localized(u)}</Xml></Update>`).join('')}</Updates>`,
    fileLocations(updates),
    '</GetExtendedUpdateInfoResult>',
    '</GetExtendedUpdateInfoResponse>',
  ].join('');
}

/** GetFileLocations (§2.2.2.2.7): URLs for the requested SHA-1 digests this server has. */
export function getFileLocationsResponse(updates: readonly UpdateFacts[], cookie: Cookie): string {
  return [
    `<GetFileLocationsResponse xmlns="${CLIENT_WEB_SERVICE_NS}">`,
    '<GetFileLocationsResult>',
    fileLocations(updates),
    cookieXml('NewCookie', cookie),
    '</GetFileLocationsResult>',
    '</GetFileLocationsResponse>',
  ].join('');
}

/** The `<detail>` of a WSUS SOAP fault: an [MS-WUSP] ErrorCode such as InvalidParameters or InvalidCookie. */
export function faultDetail(errorCode: string, method: string): string {
  return `<ErrorCode>${escapeXml(errorCode)}</ErrorCode><Message /><ID>00000000-0000-0000-0000-000000000000</ID><Method>${escapeXml(method)}</Method>`;
}
