// The management point: the URL space of research W:1/W:6 that the lab needs, the messaging
// endpoint `CCM_POST /ccm_system/request` (W:10), BITS uploads under `/CCM_Incoming/` (W:13, W:36)
// and static client files. Unknown paths get 404 as on IIS.
import { X509Certificate } from 'node:crypto';
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { decodeMessage } from '../../ccm-messaging/index.js';
import { ntlmAuthenticate, type NtlmAccount } from '../../ntlm/index.js';
import { BitsUploadEndpoint } from './bits-upload.js';
import { ClientRegistry } from './client-registry.js';
import { handlePolicyBody, handleRequestAssignments } from './policy.js';
import { handleRegistration } from './registration.js';
import { SITE_ACTIONS_PATH, SiteFeatures, connectedVia, type SiteFeatureOptions } from './site-features.js';
import { emptyReply } from './reply.js';
import { deterministicContent } from '../shared/content.js';
import { propfindListing, serveFile, type StaticFile } from '../shared/files.js';

export interface ManagementPointOptions {
  siteCode: string;
  /** NetBIOS-style host name reported in MP lists and replies, e.g. MP1. */
  hostName: string;
  /** Internet-facing MPs of the site, as an internet client's MPLIST reports them. */
  internetManagementPoints: { name: string; fqdn: string }[] | (() => { name: string; fqdn: string }[]);
  /** The MP's certificate (PEM), returned by `.sms_aut?MPCERT`. */
  certificatePem: string;
  /** Windows-integrated authentication on `/ccm_system_windowsauth/` (W:10, W:24): the lab's domain accounts. */
  windowsAuth?: { domain: string; accounts: NtlmAccount[] };
  /** What the site offers a client by where it is managed from (FEAT-*, ROLE-UNTRUSTED): site-features.ts. */
  features?: SiteFeatureOptions;
}

export const CCMSETUP_SIZE = 512 * 1024;

export function managementPoint(options: ManagementPointOptions): SiteHandler {
  const registry = new ClientRegistry();
  const bits = new BitsUploadEndpoint();
  const ccmsetup: StaticFile = { path: '/CCM_Client/ccmsetup.exe', content: deterministicContent('ccmsetup.exe', CCMSETUP_SIZE), contentType: 'application/octet-stream' };
  const mpCertHex = Buffer.from(new X509Certificate(options.certificatePem).raw).toString('hex').toUpperCase();
  const features = options.features && new SiteFeatures(options.features);

  return (request: SiteRequest): SiteResponse => {
    const [rawPath, query = ''] = splitTarget(request.target);
    const path = rawPath.toLowerCase();
    const method = request.method;
    const via = features && connectedVia(request, options.features!.names);
    const refused = features?.refusal(via!);
    if (refused) return refused;
    if (features && path === SITE_ACTIONS_PATH.toLowerCase()) return features.siteAction(request, registry);

    if (path === '/sms_mp/.sms_aut' && (method === 'GET' || method === 'HEAD')) {
      // Query names are matched case-insensitively in the field (W:6); `MPLIST1&LAB` carries the site.
      const name = query.split('&')[0]!.toUpperCase();
      if (name === 'MPLIST' || name === 'MPLIST1' || name === 'MPLIST2') return xml(mpList(options));
      if (name === 'MPCERT' || name === 'MPCERT2') return xml(`<MPCERT><Certificate Encoding="HexBinary">${mpCertHex}</Certificate></MPCERT>`);
      return { status: 404, body: '' };
    }
    if (path === '/sms_mp/.sms_pol' && method === 'GET') return handlePolicyBody(request, registry, query, features && ((client, policyId) => features.policyBody(client, policyId, via!)));
    if (path === '/ccm_system/request') {
      if (method !== 'CCM_POST') return { status: 405, headers: [['Allow', 'CCM_POST']], body: 'Only CCM_POST verb is supported for this function.' };
      return ccmPost(request);
    }
    if (path === '/ccm_system_windowsauth/request' || path === '/ccm_system_windowsauth/') return windowsAuthenticated(request);
    if (path.startsWith('/ccm_incoming/')) {
      if (method === 'BITS_POST') return bits.handle(request);
      if (method === 'PROPFIND') return propfindListing(rawPath, []);
      return { status: 405, headers: [['Allow', 'BITS_POST, PROPFIND']], body: '' };
    }
    if (path === ccmsetup.path.toLowerCase() && (method === 'GET' || method === 'HEAD')) return serveFile(request, ccmsetup);
    if ((path === '/ccm_client' || path === '/ccm_client/') && method === 'PROPFIND') return propfindListing('/CCM_Client/', [ccmsetup]);
    return { status: 404, headers: [['Content-Type', 'text/html']], body: '<html><body>404 - File or directory not found.</body></html>' };
  };

  /**
   * NTLM like IIS: a multi-leg 401 handshake bound to the connection (W:60). The account the
   * connection authenticated as is journaled, so a mix-up between clients shows at the MP.
   */
  function windowsAuthenticated(request: SiteRequest): SiteResponse {
    if (!options.windowsAuth) return { status: 404, body: '' };
    const outcome = ntlmAuthenticate(request, options.windowsAuth.accounts, { targetName: options.windowsAuth.domain, serverName: options.hostName });
    if (outcome.kind === 'respond') return outcome.response;
    // The account is journaled (the oracle) and echoed in a lab header for a human reading the exchange.
    const account = `${outcome.account.domain}\\${outcome.account.user}`;
    const authenticatedAs: [string, string] = ['X-IBCM-Lab-Authenticated-As', account];
    if (request.method !== 'CCM_POST') return { status: 200, headers: [authenticatedAs], body: '', decided: { authenticatedAs: account } };
    const response = ccmPost(request, account);
    return { ...response, headers: [...(response.headers ?? []), authenticatedAs], decided: { ...response.decided, authenticatedAs: account } };
  }

  function ccmPost(request: SiteRequest, authenticatedUser?: string): SiteResponse {
    let message;
    try {
      message = decodeMessage(request.body, request.header('content-type'));
    } catch (error) {
      return emptyReply(`message could not be decoded: ${(error as Error).message}`);
    }
    if (message.declaredLength !== message.actualLength) return emptyReply(`Body Length ${message.declaredLength} does not match the ${message.actualLength} bytes received`);
    switch (message.targetEndpoint) {
      case 'MP_ClientRegistration':
        return handleRegistration(message, registry, options.hostName);
      case 'MP_PolicyManager': {
        if (!features) return handleRequestAssignments(message, registry, { host: options.hostName, siteCode: options.siteCode });
        const via = connectedVia(request, options.features!.names);
        if (/<Resource ResourceType="User"/.test(message.bodyXml)) return features.userAssignments(message, registry, via, authenticatedUser, { host: options.hostName });
        return handleRequestAssignments(message, registry, { host: options.hostName, siteCode: options.siteCode }, (client) => features.machineAssignments(client, via));
      }
      case 'MP_LocationManager':
        if (features) return features.location(message, request, connectedVia(request, options.features!.names), { host: options.hostName });
        return emptyReply('no handler for TargetEndpoint "MP_LocationManager"');
      default:
        return emptyReply(`no handler for TargetEndpoint "${message.targetEndpoint ?? ''}"`);
    }
  }
}

function splitTarget(target: string): [string, string] {
  const index = target.indexOf('?');
  return index < 0 ? [target, ''] : [target.slice(0, index), target.slice(index + 1)];
}

function xml(body: string): SiteResponse {
  return { status: 200, headers: [['Content-Type', 'text/xml']], body };
}

function mpList(options: ManagementPointOptions): string {
  // FQDN is an attribute of <MP> (research W:7).
  // A function: the site's list as it is now (an MP made internet-capable while the lab runs, LOC-MP-REFRESH).
  const internetManagementPoints = typeof options.internetManagementPoints === 'function' ? options.internetManagementPoints() : options.internetManagementPoints;
  return `<MPList>${internetManagementPoints
    .map((mp) => `<MP Name="${mp.name}" FQDN="${mp.fqdn}" SiteCode="${options.siteCode}"><Version>9128</Version><Capabilities SchemaVersion="1.0"><Property Name="SSLState" Value="63"/></Capabilities></MP>`)
    .join('')}</MPList>`;
}
