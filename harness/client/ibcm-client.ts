// A simulated ConfigMgr client on the internet: finds its MP from its install properties,
// gets the MP list, registers with a signed CCM_POST, asks for policy assignments and fetches
// policy bodies with the CCMClient* headers — research W:6, W:14–W:25. It knows the lab only
// through its ClientProfile and the network.
import { createPublicKey } from 'node:crypto';
import {
  CCM_CONTENT_TYPE,
  SHA256_RSA_OID,
  attribute,
  contentText,
  decodeMessage,
  encodeMessage,
  escapeXml,
  fspStateMessage,
  isoSeconds,
  publicKeyBlobHex,
  signCryptoApi,
  unescapeXml,
  utf16WithNul,
  type DecodedMessage,
} from '../ccm-messaging/index.js';
import { createAuthenticate, createNegotiate } from '../ntlm/index.js';
import type { Exchange } from './exchange.js';
import type { ClientProfile, SiteSystemEndpoint } from './profile.js';
import type { RandomSource } from './random.js';
import { createSigningIdentity, type SigningIdentity } from './signing-identity.js';
import { ClientTransport, type RequestSpec, type TransportOptions } from './transport.js';

export const MESSAGING_USER_AGENT = 'ConfigMgr Messaging HTTP Sender';
export const CCM_USER_AGENT = 'SMS CCM 5.0';

export interface MessageExchange {
  exchange: Exchange;
  /** The decoded reply, when the MP answered with a message (not the empty 200). */
  reply?: DecodedMessage;
  replyError?: string;
}

/**
 * The request target for a PolicyLocation (W:25, W:69): `http://<mp>` is a placeholder the client
 * fills with its current MP, and the braces of the policy ID go on the wire percent-encoded, as every
 * public client that works against real MPs sends them — Metasploit `sccm.rb` `request_policy`
 * (`gsub('{', '%7B').gsub('}', '%7D')`), Python requests in sccmwtf/SCCMSecrets (`requote_uri`).
 */
export function policyRequestTarget(location: string): string {
  return location
    .replace(/^https?:\/\/<mp>/i, '')
    .replace(/\{/g, '%7B')
    .replace(/\}/g, '%7D');
}

export interface PolicyAssignment {
  policyId: string;
  location: string;
}

/** One of the management points a client can talk to: the IBCM MP, or a CMG in front of it. */
export interface ManagementPointChoice {
  kind: 'ibcm' | 'cmg';
  origin: string;
  /** Put before the MP's own paths (`/CCM_Proxy_MutualAuth/<MP role id>` for a CMG, '' for IBCM). */
  pathPrefix: string;
}

/**
 * State IDs of the state messages the client posts to the FSP (W:38, W:49). [INFER] The real IDs are
 * not public; these are the lab's, the message text says what happened.
 */
export const FSP_STATE = {
  /** No PKI client certificate met the selection criteria (W:49). */
  noClientCertificate: 1,
  /** The MP's certificate was refused: untrusted, wrong name, expired, wrong EKU, revoked, CRL unavailable. */
  serverCertificateRefused: 2,
  /** The MP (or the proxy in front of it) refused the client's certificate. */
  clientCertificateRefused: 3,
} as const;

/** What the client reported to the FSP, and the exchange that carried it. */
export interface FspReport {
  stateId: number;
  message: string;
  exchange: Exchange;
}

/** A certificate problem on the way to a site system, as the client can tell from what it saw. */
export function certificateFailureOf(exchange: Exchange): { stateId: number; detail: string } | undefined {
  const code = exchange.error?.code ?? '';
  if (/^(CERT_|CRL_|UNABLE_TO_|ERR_TLS_CERT|SELF_SIGNED|DEPTH_ZERO|INVALID_PURPOSE|HOSTNAME_MISMATCH)/.test(code))
    return { stateId: FSP_STATE.serverCertificateRefused, detail: `${code}: ${exchange.error!.message}` };
  // The server side refused our certificate: a TLS alert (bridge), or IIS's 403.7/13/16/17 (MP).
  if (/^ERR_SSL_.*(CERTIFICATE|BAD_CERT|UNKNOWN_CA|ACCESS_DENIED)/.test(code))
    return { stateId: FSP_STATE.clientCertificateRefused, detail: `${code}: ${exchange.error!.message}` };
  const body = exchange.status === 403 ? (exchange.responseBody?.toString('latin1') ?? '') : '';
  if (/^403\.(7|13|16|17)\b/.test(body))
    return { stateId: FSP_STATE.clientCertificateRefused, detail: `HTTP ${body.trim().slice(0, 160)}` };
  return undefined;
}

export class IbcmClient {
  readonly transport: ClientTransport;
  private identity?: SigningIdentity;
  smsId?: string;
  /** Why the last registration brought no SMSID (absent: none tried, or it succeeded). */
  registrationFailure?: string;

  /**
   * `identity` lets a caller keep one signing identity per computer across client objects, as a
   * real client keeps its key for life (and saves an RSA key generation per check).
   */
  constructor(
    readonly profile: ClientProfile,
    transportOptions: TransportOptions & { identity?: Promise<SigningIdentity> } = {},
  ) {
    this.transport = new ClientTransport(profile, transportOptions);
    this.identityPromise = transportOptions.identity;
  }

  private identityPromise?: Promise<SigningIdentity>;
  /** State messages this client posted to its FSP (W:38). */
  readonly fspReports: FspReport[] = [];
  private readonly reported = new Set<string>();
  /** Management points (origins) this client found it cannot use because of their certificate. */
  private readonly ruledOut = new Set<string>();

  /** `https://<CCMHOSTNAME>:<CCMHTTPSPORT>` — the internet MP named at install (research W:51). */
  get managementPointOrigin(): string {
    return `https://${this.profile.install.CCMHOSTNAME}:${this.profile.install.CCMHTTPSPORT}`;
  }

  /**
   * One request to a site system (default: the MP). A certificate problem on the way to an MP is
   * reported to the fallback status point over plain HTTP, once per MP and problem (W:38, W:49).
   */
  async send(spec: RequestSpec, origin = this.managementPointOrigin): Promise<Exchange> {
    const exchange = await this.transport.exchange(origin, spec);
    if (this.isManagementPoint(origin)) {
      // Without a certificate to present, the refusal that follows is the selection's failure (W:49).
      const failure = this.selectionFailure(exchange) ?? certificateFailureOf(exchange);
      if (failure)
        await this.reportToFallbackStatusPoint(
          failure.stateId,
          `management point ${origin} unreachable: ${failure.detail}`,
          `${origin} ${failure.stateId}`,
        );
    }
    return exchange;
  }

  /** The management points this client knows (W:51–52): its IBCM MP and, when it has one, the CMG. */
  managementPointChoices(): ManagementPointChoice[] {
    const gateway = this.profile.cloudManagementGateway;
    return [
      { kind: 'ibcm', origin: this.managementPointOrigin, pathPrefix: '' },
      ...(gateway ? [{ kind: 'cmg' as const, origin: `https://${gateway.fqdn}:${gateway.port}`, pathPrefix: gateway.pathPrefix }] : []),
    ];
  }

  /**
   * Sends to one of its management points chosen at random among those it has not ruled out (seed
   * 003: a client with both IBCM and a CMG picks at random). A certificate it cannot accept rules
   * that MP out for good and the client tries the next (it "uses only the one it trusts").
   */
  async sendToAnyManagementPoint(
    spec: RequestSpec,
    random: RandomSource,
  ): Promise<{ choice?: ManagementPointChoice; exchange?: Exchange; attempts: { choice: ManagementPointChoice; exchange: Exchange }[] }> {
    const attempts: { choice: ManagementPointChoice; exchange: Exchange }[] = [];
    for (;;) {
      const open = this.managementPointChoices().filter((choice) => !this.ruledOut.has(choice.origin));
      if (open.length === 0) return { attempts };
      const choice = open[Math.min(open.length - 1, Math.floor(random() * open.length))]!;
      const exchange = await this.send({ ...spec, target: `${choice.pathPrefix}${spec.target}` }, choice.origin);
      attempts.push({ choice, exchange });
      if (certificateFailureOf(exchange)?.stateId !== FSP_STATE.serverCertificateRefused) return { choice, exchange, attempts };
      this.ruledOut.add(choice.origin);
    }
  }

  /** POST a state message to the FSP named at install (FSP=), over plain HTTP (W:38). */
  async reportToFallbackStatusPoint(stateId: number, message: string, dedupeKey = `${stateId} ${message}`): Promise<FspReport | undefined> {
    const fsp = this.profile.install.FSP;
    if (!fsp || this.reported.has(dedupeKey)) return undefined;
    this.reported.add(dedupeKey);
    const endpoint = this.profile.siteSystems.find((candidate) => candidate.role === 'fallback-status-point' && candidate.fqdn === fsp);
    const origin = `http://${fsp}:${endpoint?.port ?? this.profile.install.CCMHTTPPORT}`;
    const body = fspStateMessage({
      clientName: this.profile.computerName,
      siteCode: this.profile.install.SMSSITECODE,
      stateId,
      message,
      clientId: this.smsId,
    });
    const exchange = await this.transport.exchange(origin, {
      method: 'POST',
      target: '/SMS_FSP/.sms_fsp',
      headers: [
        ['User-Agent', CCM_USER_AGENT],
        ['Content-Type', 'text/xml; charset=utf-8'],
      ],
      body,
    });
    const report = { stateId, message, exchange };
    this.fspReports.push(report);
    return report;
  }

  private isManagementPoint(origin: string): boolean {
    return this.managementPointChoices().some((choice) => choice.origin === origin);
  }

  /** The client had no certificate to present, and the MP (or the bridge) refused it for that. */
  private selectionFailure(exchange: Exchange): { stateId: number; detail: string } | undefined {
    const selection = this.transport.certificateSelection;
    if (selection.selected || !this.profile.install.UsePKICert || !selection.failure) return undefined;
    if (!exchange.error && (exchange.status ?? 0) < 400) return undefined;
    return { stateId: FSP_STATE.noClientCertificate, detail: `no PKI client certificate: ${selection.failure}` };
  }

  getMpList(): Promise<Exchange> {
    return this.send({
      method: 'GET',
      target: `/SMS_MP/.sms_aut?MPLIST1&${this.profile.install.SMSSITECODE}`,
      headers: [['User-Agent', CCM_USER_AGENT]],
    });
  }

  static mpListFqdns(exchange: Exchange): string[] {
    const xml = exchange.responseBody?.toString('utf8') ?? '';
    return [...xml.matchAll(/<MP [^>]*FQDN="([^"]+)"/g)].map((match) => match[1]!);
  }

  async signingIdentity(): Promise<SigningIdentity> {
    this.identityPromise ??= createSigningIdentity(this.profile.computerName);
    this.identity ??= await this.identityPromise;
    return this.identity;
  }

  /** `scheme://fqdn:port` of the first internet-facing site system of a role, as the site told the client. */
  originOf(role: SiteSystemEndpoint['role']): string {
    const endpoint = this.profile.siteSystems.find((candidate) => candidate.role === role);
    if (!endpoint) throw new Error(`${this.profile.computerName} knows no internet-facing ${role}`);
    return `${endpoint.scheme}://${endpoint.fqdn}:${endpoint.port}`;
  }

  /** MP_ClientRegistration over `CCM_POST /ccm_system/request` (research W:24). */
  async register(origin?: string): Promise<MessageExchange> {
    return this.postRegistration('/ccm_system/request', [], origin);
  }

  /**
   * Registration with Windows-integrated authentication (W:24): `/ccm_system_windowsauth/request`,
   * NTLM Negotiate → 401 Challenge → Authenticate, all on one connection (W:60).
   */
  /** `afterNegotiate` runs between the 401 challenge and the Authenticate leg (a check orders two clients' legs with it). */
  async registerWithWindowsAuth(options: { afterNegotiate?: () => Promise<void> } = {}): Promise<MessageExchange & { legs: Exchange[] }> {
    const account = this.profile.account;
    if (!account) throw new Error(`${this.profile.computerName} has no domain account for Windows authentication`);
    const legs: Exchange[] = [];
    const negotiate = await this.postRegistration('/ccm_system_windowsauth/request', [['Authorization', createNegotiate()]]);
    legs.push(negotiate.exchange);
    const challenge = negotiate.exchange.responseHeaders?.filter(([name]) => name === 'www-authenticate').map(([, value]) => value);
    if (negotiate.exchange.status !== 401 || !challenge?.length) return { ...negotiate, legs };
    let authorization: string;
    try {
      authorization = createAuthenticate(challenge, account, { workstation: this.profile.computerName });
    } catch (error) {
      return { ...negotiate, legs, replyError: `no usable NTLM challenge: ${(error as Error).message}` };
    }
    await options.afterNegotiate?.();
    const authenticated = await this.postRegistration('/ccm_system_windowsauth/request', [['Authorization', authorization]]);
    legs.push(authenticated.exchange);
    return { ...authenticated, legs };
  }

  private async postRegistration(target: string, extraHeaders: [string, string][] = [], origin?: string): Promise<MessageExchange> {
    const identity = await this.signingIdentity();
    const certificateHex = identity.certificateDer.toString('hex').toUpperCase();
    const data =
      `<Data HashAlgorithm="${SHA256_RSA_OID}" SMSID="" RequestType="Registration" TimeStamp="${isoSeconds(new Date())}">` +
      `<AgentInformation AgentIdentity="CCMSetup.exe" AgentVersion="5.00.9128.1000" AgentType="0"/>` +
      `<Certificates><Encryption Encoding="HexBinary" KeyType="1">${certificateHex}</Encryption><Signing Encoding="HexBinary" KeyType="1">${certificateHex}</Signing></Certificates>` +
      `<DiscoveryProperties><Property Name="Netbios Name" Value="${escapeXml(this.profile.computerName)}"/><Property Name="FQ Name" Value="${escapeXml(this.profile.fqdn)}"/>` +
      `<Property Name="Locale ID" Value="1033"/><Property Name="InternetFlag" Value="${this.profile.install.CCMALWAYSINF}"/></DiscoveryProperties></Data>`;
    const signature = signCryptoApi(identity.privateKey, Buffer.from(data, 'utf16le'));
    const body = `<ClientRegistrationRequest>${data}<Signature><SignatureValue>${signature}</SignatureValue></Signature></ClientRegistrationRequest>`;
    const result = await this.postMessage(
      'MP_ClientRegistration',
      'GUID:00000000-0000-0000-0000-000000000000',
      body,
      false,
      target,
      extraHeaders,
      origin,
    );
    const smsId = result.reply ? attribute(result.reply.bodyXml, 'ClientRegistrationResponse', 'SMSID') : undefined;
    if (smsId) {
      this.smsId = smsId;
      this.registrationFailure = undefined;
    }
    // What became of the last attempt, for the reason of any later check that needed the SMSID.
    else
      this.registrationFailure = result.exchange.error
        ? `the client's CCM_POST failed: ${result.exchange.error.code} ${result.exchange.error.message}`
        : `the MP answered ${result.exchange.status ?? 'nothing'}${result.reply ? ' without an SMSID' : ''}`;
    return result;
  }

  /** MP_PolicyManager RequestAssignments, signed with Hook2 clientauth (research W:22, W:25). */
  /** `origin`: the MP to ask (default: the internet MP named at install; an intranet client asks its intranet MP). */
  async requestAssignments(origin?: string): Promise<MessageExchange & { assignments: PolicyAssignment[] }> {
    const smsId = this.requireSmsId();
    const body =
      `<RequestAssignments SchemaVersion="1.00" ACK="false" RequestType="Always"><Identification><Machine><ClientID>${smsId}</ClientID>` +
      `<FQDN>${escapeXml(this.profile.fqdn)}</FQDN><NetBIOSName>${escapeXml(this.profile.computerName)}</NetBIOSName><SID/></Machine><User/></Identification>` +
      `<PolicySource>SMS:${this.profile.install.SMSSITECODE}</PolicySource><Resource ResourceType="Machine"/><ServerCookie/></RequestAssignments>`;
    const result = await this.postMessage('MP_PolicyManager', smsId, body, true, undefined, [], origin);
    const xml = result.reply?.bodyXml ?? '';
    // The location is CDATA on a real MP (W:25); an escaped text form is read the same way.
    const assignments = [...xml.matchAll(/<Policy PolicyID="([^"]+)"[\s\S]*?<PolicyLocation[^>]*>([\s\S]*?)<\/PolicyLocation>/g)].map(
      (match) => ({ policyId: unescapeXml(match[1]!), location: contentText(match[2]!) }),
    );
    return { ...result, assignments };
  }

  /**
   * GET a policy body, authenticated with CCMClientID, CCMClientIDSignature, CCMClientTimestamp and
   * CCMClientTimestampSignature (research W:20) or, with `auth: 'ClientToken'`, with
   * `ClientToken: <SMSID>;<timestamp>;2` and `ClientTokenSignature` over UTF-16LE(token + NUL) as
   * SharpSCCM's `SendPolicyDownloadRequest` sends them (W:21). With `documentedSpelling` the client
   * also sends the header as Microsoft's docs spell it (`CCMClientTimestampsSignature`, a typo — W:4).
   */
  async getPolicyBody(
    assignment: PolicyAssignment,
    options: { documentedSpelling?: boolean; origin?: string; auth?: 'CCMClientID' | 'ClientToken' } = {},
  ): Promise<Exchange> {
    const smsId = this.requireSmsId();
    const identity = await this.signingIdentity();
    const timestamp = isoSeconds(new Date());
    const target = policyRequestTarget(assignment.location);
    const headers: [string, string][] = [['User-Agent', CCM_USER_AGENT]];
    if (options.auth === 'ClientToken') {
      const token = `${smsId};${timestamp};2`;
      headers.push(['ClientToken', token], ['ClientTokenSignature', signCryptoApi(identity.privateKey, utf16WithNul(token))]);
    } else {
      const timestampSignature = signCryptoApi(identity.privateKey, utf16WithNul(timestamp));
      headers.push(
        ['CCMClientID', smsId],
        ['CCMClientIDSignature', signCryptoApi(identity.privateKey, utf16WithNul(smsId))],
        ['CCMClientTimestamp', timestamp],
        ['CCMClientTimestampSignature', timestampSignature],
      );
      if (options.documentedSpelling) headers.push(['CCMClientTimestampsSignature', timestampSignature]);
    }
    return this.send({ method: 'GET', target, headers }, options.origin);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** One CCM message as a CCM_POST (signed in the client's name when `sign`), its reply decoded. */
  async postMessage(
    targetEndpoint: string,
    sourceId: string,
    bodyXml: string,
    sign = false,
    target = '/ccm_system/request',
    extraHeaders: [string, string][] = [],
    origin?: string,
  ): Promise<MessageExchange> {
    const identity = await this.signingIdentity();
    const message = encodeMessage(
      { sourceId, sourceHost: this.profile.computerName, targetEndpoint, targetHost: this.profile.install.CCMHOSTNAME },
      bodyXml,
      sign
        ? (compressed) => [
            ['PublicKey', publicKeyBlobHex(createPublicKey(identity.privateKey))],
            ['ClientIDSignature', signCryptoApi(identity.privateKey, utf16WithNul(sourceId))],
            ['PayloadSignature', signCryptoApi(identity.privateKey, compressed)],
            // ClientCapabilities 'NonSSL' is only sent over plain HTTP (W:22); this client talks HTTPS.
            ['HashAlgorithm', SHA256_RSA_OID],
          ]
        : undefined,
    );
    const exchange = await this.send(
      {
        method: 'CCM_POST',
        target,
        headers: [['User-Agent', MESSAGING_USER_AGENT], ['Content-Type', CCM_CONTENT_TYPE], ...extraHeaders],
        body: message.body,
      },
      origin,
    );
    if (exchange.status !== 200 || !exchange.responseBody?.length) return { exchange };
    try {
      return {
        exchange,
        reply: decodeMessage(exchange.responseBody, exchange.responseHeaders?.find(([name]) => name === 'content-type')?.[1]),
      };
    } catch (error) {
      return { exchange, replyError: (error as Error).message };
    }
  }

  private requireSmsId(): string {
    if (!this.smsId) throw new NotRegisteredError(this.profile.computerName, this.registrationFailure);
    return this.smsId;
  }
}

/**
 * A signed request was asked of a client that never registered (its registration was refused or
 * lost on the way): the checks report it as blocked by that prerequisite, not as their own failure.
 */
export class NotRegisteredError extends Error {
  override name = 'NotRegisteredError';
  constructor(computerName: string, lastAttempt?: string) {
    super(`${computerName} is not registered (no SMSID): its registration did not come through${lastAttempt ? ` (${lastAttempt})` : ''}`);
  }
}
