// The management point: the URL space of research W:1/W:6 that the lab needs, the messaging
// endpoint `CCM_POST /ccm_system/request` (W:10), BITS uploads under `/CCM_Incoming/` (W:13, W:36)
// and static client files. Unknown paths get 404 as on IIS.
import { X509Certificate, createHash } from 'node:crypto';
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { decodeMessage } from '../../ccm-messaging/index.js';
import { ntlmAuthenticate, type NtlmAccount } from '../../ntlm/index.js';
import { BitsUploadEndpoint } from './bits-upload.js';
import { ClientRegistry } from './client-registry.js';
import { handlePolicyBody, handleRequestAssignments } from './policy.js';
import { handleRegistration } from './registration.js';
import { SITE_ACTIONS_PATH, SiteFeatures, connectedVia, type SiteFeatureOptions } from './site-features.js';
import { emptyReply, noReply } from './reply.js';
import { createSiteSigningCertificate } from './site-signing-certificate.js';
import type { NetworkAccessAccount } from './secret-policy.js';
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
  /** The site server's FQDN, named by the SITESIGNCERT certificate (W:8); default the MP's own FQDN [INFER]. */
  siteServerFqdn?: string;
  /** The site's network access account, delivered as a secret policy (W:26, secret-policy.ts); none: no NAA policy. */
  networkAccessAccount?: NetworkAccessAccount;
  /** What the site offers a client by where it is managed from (FEAT-*, ROLE-UNTRUSTED): site-features.ts. */
  features?: SiteFeatureOptions;
}

export const CCMSETUP_SIZE = 512 * 1024;

export function managementPoint(options: ManagementPointOptions): SiteHandler {
  const registry = new ClientRegistry();
  const bits = new BitsUploadEndpoint();
  const ccmsetup: StaticFile = {
    path: '/CCM_Client/ccmsetup.exe',
    content: deterministicContent('ccmsetup.exe', CCMSETUP_SIZE),
    contentType: 'application/octet-stream',
  };
  const mpCertHex = Buffer.from(new X509Certificate(options.certificatePem).raw).toString('hex').toUpperCase();
  const features = options.features && new SiteFeatures(options.features);
  const mpCertificate = new X509Certificate(options.certificatePem);
  // The MP's own FQDN as MPKEYINFORMATION reports it: the first DNS name of its certificate.
  const mpFqdn = /DNS:([^,\s]+)/.exec(mpCertificate.subjectAltName ?? '')?.[1] ?? options.hostName;
  /** The site's "unknown computer" records (x86, x64) boot media start from (W:8): stable per site. */
  const unknownMachine = (architecture: 'x86' | 'x64'): string => {
    const digest = createHash('sha256').update(`unknown-machine:${options.siteCode}:${architecture}`).digest('hex').toUpperCase();
    return `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
  };

  let siteSigning: Promise<Buffer> | undefined;
  const siteSigningCertificate = () => (siteSigning ??= createSiteSigningCertificate(options.siteServerFqdn ?? mpFqdn));

  const site = { siteCode: options.siteCode, networkAccessAccount: options.networkAccessAccount };
  const mpSite = { host: options.hostName, ...site };

  return (request: SiteRequest): SiteResponse | Promise<SiteResponse> => {
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
      if (name === 'MPCERT' || name === 'MPCERT2')
        return xml(`<MPCERT><Certificate Encoding="HexBinary">${mpCertHex}</Certificate></MPCERT>`);
      // W:8: ConfigManBearPig `_parse_mpkeyinformation` reads FQDN and SITECODE (any depth).
      if (name === 'MPKEYINFORMATION')
        return xml(`<MPKEYINFORMATION><FQDN>${mpFqdn}</FQDN><SITECODE>${options.siteCode}</SITECODE></MPKEYINFORMATION>`);
      // W:8: PXEThief-style tools read `root.find("SITECODE").text` and
      // `root.find("UnknownMachines").get("x64UnknownMachineGUID")` — both children of the root.
      if (name === 'MPKEYINFORMATIONMEDIA') {
        return xml(
          `<MPKEYINFORMATIONMEDIA><SITECODE>${options.siteCode}</SITECODE><UnknownMachines x86UnknownMachineGUID="${unknownMachine('x86')}" x64UnknownMachineGUID="${unknownMachine('x64')}"/></MPKEYINFORMATIONMEDIA>`,
        );
      }
      // W:8: ConfigManBearPig reads `<X509Certificate>` (hex DER, any depth) and the issuer CN / SAN DNS.
      // The root element's name is [INFER].
      if (name === 'SITESIGNCERT')
        return siteSigningCertificate().then((der) =>
          xml(`<SITESIGNCERT><X509Certificate>${der.toString('hex').toUpperCase()}</X509Certificate></SITESIGNCERT>`),
        );
      // W:6, W:72: MPLOCATION — boot media ask `GET /SMS_MP/.sms_aut?MPLOCATION&ir=<ip>&ip=<subnet>` and parse
      // the answer as XML (SupportArticles "boot media custom port" and "DTD is prohibited" smsts.log lines);
      // ConfigManBearPig probes the bare query and takes 200/401/403 for an MP. The answer's shape is not
      // public: the MPs that serve the location, as MPLIST writes them [INFER].
      if (name === 'MPLOCATION') return xml(mpList(options));
      // W:9: ConfigManBearPig takes 403 on SMSTRC as "this MP requires a client certificate" — the
      // answer of an HTTPS MP to a connection without one. What SMSTRC returns otherwise is not public.
      if (name === 'SMSTRC' && request.connection.tls && !request.connection.tls.peerCertificate) {
        return {
          status: 403,
          reason: 'Forbidden',
          headers: [['Content-Type', 'text/html']],
          body: '<html><body>403.7 - Client certificate required.</body></html>',
        };
      }
      return { status: 404, body: '' };
    }
    // `/SMS_MP_AltAuth/.sms_pol` is the same policy endpoint on the alternate-auth application (W:1: SCCMSecrets
    // policies_dumper.py switches `/SMS_MP/` to `/SMS_MP_ALTAUTH/`).
    const policyBody = () =>
      handlePolicyBody(request, registry, query, features && ((client, policyId) => features.policyBody(client, policyId, via!)), site);
    if ((path === '/sms_mp/.sms_pol' || path === '/sms_mp_altauth/.sms_pol') && method === 'GET') return policyBody();
    // The Windows-authenticated policy application (W:1 MISCONF-RECON3 appcmd list; W:60: needs the
    // NTLM handshake on one connection): the same policy bodies once the connection authenticated.
    if (path === '/sms_mp_windowsauth/.sms_pol' && method === 'GET') return windowsAuthenticated(request, policyBody);
    // `/SMS_MP_WindowsAuth` is an IIS application with Windows authentication only (W:1 MISCONF-RECON3
    // appcmd list): anything under it is answered by the NTLM handshake first, as GET /ccm_system_windowsauth/
    // is (W:9 sccmhunter: 401). After it, only .sms_pol has content here (above) [INFER].
    if (path === '/sms_mp_windowsauth' || path.startsWith('/sms_mp_windowsauth/')) return windowsAuthenticated(request);
    // Token authentication (W:1, W:10, W:72): `/CCM_System_TokenAuth/request` (Microsoft's CMG client-install
    // workflow sample: ccmsetup.log `Path=/CCM_Proxy_ServerAuth…/ccm_system_tokenauth/request, CcmTokenAuth=1`,
    // "Appending CCM Token to the header") and `/SMS_MP_TokenAuth` (MISCONF-RECON3 appcmd list). The lab issues
    // no CCM tokens: without one the MP answers 401 [INFER status and challenge]; any other verb than CCM_POST
    // on the messaging endpoint gets the SDK's refusal (W:10).
    if (path === '/ccm_system_tokenauth/request') {
      if (method !== 'CCM_POST')
        return { status: 405, headers: [['Allow', 'CCM_POST']], body: 'Only CCM_POST verb is supported for this function.' };
      return tokenRequired('CCM_POST /ccm_system_tokenauth/request without a CCM token');
    }
    if (path === '/sms_mp_tokenauth' || path.startsWith('/sms_mp_tokenauth/'))
      return tokenRequired(`${method} ${rawPath} without a CCM token`);
    // The security token service (W:72): clients get a CCM token from `https://<MP>/CCM_STS` (through a CMG,
    // `…/CCM_Proxy_ServerAuth/<id>/CCM_STS`) with a Microsoft Entra token (Microsoft Learn CMG
    // troubleshooting "CCM Token Request"; "Without a token, the client can't use … CCM_STS"). The lab has
    // no Entra tenant: a request without a bearer token is 401 [INFER status and challenge].
    if (path === '/ccm_sts' || path.startsWith('/ccm_sts/')) return tokenRequired(`${method} ${rawPath} without a Microsoft Entra token`);
    // Client notification over HTTP(S) (W:12): the SDK builds `http(s)://{host}:{port}/bgb/handler.ashx`;
    // public lab scripts test a working notification server with `GET /bgb/handler.ashx?RequestType=LogIn`
    // (a broken BGB application answers 500). The body of a working answer is not public: an empty 200 [INFER].
    if (path === '/bgb/handler.ashx') {
      if (method !== 'GET' && method !== 'POST') return { status: 405, headers: [['Allow', 'GET, POST']], body: '' };
      return { status: 200, headers: [['Content-Type', 'text/plain']], body: '' };
    }
    if (path === '/ccm_system/request') {
      if (method !== 'CCM_POST')
        return { status: 405, headers: [['Allow', 'CCM_POST']], body: 'Only CCM_POST verb is supported for this function.' };
      return ccmPost(request);
    }
    if (path === '/ccm_system_windowsauth/request' || path === '/ccm_system_windowsauth/') return windowsAuthenticated(request);
    // HTTPS "alternate auth" (W:10): the same messaging endpoint without a client certificate, used by
    // boot media; sccmhunter fingerprints it — GET of the folder 403, an empty CCM_POST 200 (W:9).
    if (path === '/ccm_system_altauth/request') {
      if (method !== 'CCM_POST')
        return { status: 405, headers: [['Allow', 'CCM_POST']], body: 'Only CCM_POST verb is supported for this function.' };
      return ccmPost(request);
    }
    if (path === '/ccm_system_altauth/' || path === '/ccm_system_altauth')
      return {
        status: 403,
        headers: [['Content-Type', 'text/html']],
        body: '<html><body>403 - Forbidden: Access is denied.</body></html>',
      };
    if (path.startsWith('/ccm_incoming/')) {
      if (method === 'BITS_POST') return bits.handle(request);
      if (method === 'PROPFIND') return propfindListing(rawPath, []);
      return { status: 405, headers: [['Allow', 'BITS_POST, PROPFIND']], body: '' };
    }
    if (path === ccmsetup.path.toLowerCase() && (method === 'GET' || method === 'HEAD')) return serveFile(request, ccmsetup);
    if ((path === '/ccm_client' || path === '/ccm_client/') && method === 'PROPFIND') return propfindListing('/CCM_Client/', [ccmsetup]);
    return { status: 404, headers: [['Content-Type', 'text/html']], body: '<html><body>404 - File or directory not found.</body></html>' };
  };

  /** 401 for the token-authenticated applications (W:72): the lab issues no tokens [INFER status and challenge]. */
  function tokenRequired(reason: string): SiteResponse {
    return {
      status: 401,
      reason: 'Unauthorized',
      headers: [
        ['WWW-Authenticate', 'Bearer'],
        ['Content-Type', 'text/html'],
        ['X-IBCM-Lab-Reason', reason],
      ],
      body: '<html><body>401 - Unauthorized: Access is denied due to invalid credentials.</body></html>',
    };
  }

  /**
   * NTLM like IIS: a multi-leg 401 handshake bound to the connection (W:60). The account the
   * connection authenticated as is journaled, so a mix-up between clients shows at the MP.
   */
  function windowsAuthenticated(request: SiteRequest, authenticated?: () => SiteResponse): SiteResponse {
    if (!options.windowsAuth) return { status: 404, body: '' };
    const outcome = ntlmAuthenticate(request, options.windowsAuth.accounts, {
      targetName: options.windowsAuth.domain,
      serverName: options.hostName,
    });
    if (outcome.kind === 'respond') return outcome.response;
    // The account is journaled (the oracle) and echoed in a lab header for a human reading the exchange.
    const account = `${outcome.account.domain}\\${outcome.account.user}`;
    const authenticatedAs: [string, string] = ['X-IBCM-Lab-Authenticated-As', account];
    if (authenticated) {
      const response = authenticated();
      return {
        ...response,
        headers: [...(response.headers ?? []), authenticatedAs],
        decided: { ...response.decided, authenticatedAs: account },
      };
    }
    if (request.method !== 'CCM_POST') return { status: 200, headers: [authenticatedAs], body: '', decided: { authenticatedAs: account } };
    const response = ccmPost(request, account);
    return {
      ...response,
      headers: [...(response.headers ?? []), authenticatedAs],
      decided: { ...response.decided, authenticatedAs: account },
    };
  }

  function ccmPost(request: SiteRequest, authenticatedUser?: string): SiteResponse {
    // sccmhunter's probe: an empty CCM_POST to /ccm_system_altauth/request is answered 200 (W:9).
    if (request.body.length === 0) return emptyReply('empty CCM_POST');
    let message;
    try {
      message = decodeMessage(request.body, request.header('content-type'));
    } catch (error) {
      return emptyReply(`message could not be decoded: ${(error as Error).message}`);
    }
    if (message.declaredLength !== message.actualLength)
      return emptyReply(`Body Length ${message.declaredLength} does not match the ${message.actualLength} bytes received`);
    switch (message.targetEndpoint) {
      case 'MP_ClientRegistration':
        return handleRegistration(message, registry, options.hostName);
      case 'MP_PolicyManager': {
        if (!features) return handleRequestAssignments(message, registry, mpSite);
        const via = connectedVia(request, options.features!.names);
        if (/<Resource ResourceType="User"/.test(message.bodyXml))
          return features.userAssignments(message, registry, via, authenticatedUser, { host: options.hostName });
        return handleRequestAssignments(message, registry, mpSite, (client) => features.machineAssignments(client, via));
      }
      case 'MP_LocationManager':
        if (features)
          return features.location(message, request, connectedVia(request, options.features!.names), { host: options.hostName });
        return emptyReply('no handler for TargetEndpoint "MP_LocationManager"');
      default:
        // Asynchronous messages (DDR, inventory, state messages relayed, W:17) are taken and answered
        // with the one-chunk NoReply (W:18); anything else unknown gets the empty 200.
        if (message.replyMode === 'Async' && ASYNC_ENDPOINTS.has((message.targetEndpoint ?? '').toLowerCase()))
          return noReply(message.targetEndpoint!);
        return emptyReply(`no handler for TargetEndpoint "${message.targetEndpoint ?? ''}"`);
    }
  }
}

/** TargetEndpoints whose messages are asynchronous (W:17): answered with NoReply, not a reply body. */
const ASYNC_ENDPOINTS = new Set(['mp_ddrendpoint', 'mp_hinvendpoint', 'mp_sinvendpoint', 'mp_sinvcollfileendpoint', 'mp_relayendpoint']);

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
  const internetManagementPoints =
    typeof options.internetManagementPoints === 'function' ? options.internetManagementPoints() : options.internetManagementPoints;
  return `<MPList>${internetManagementPoints
    .map(
      (mp) =>
        `<MP Name="${mp.name}" FQDN="${mp.fqdn}" SiteCode="${options.siteCode}"><Version>9128</Version><Capabilities SchemaVersion="1.0"><Property Name="SSLState" Value="63"/></Capabilities></MP>`,
    )
    .join('')}</MPList>`;
}
