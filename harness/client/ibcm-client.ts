// A simulated ConfigMgr client on the internet: finds its MP from its install properties,
// gets the MP list, registers with a signed CCM_POST, asks for policy assignments and fetches
// policy bodies with the CCMClient* headers — research W:6, W:14–W:25. It knows the lab only
// through its ClientProfile and the network.
import { createPublicKey } from 'node:crypto';
import {
  CCM_CONTENT_TYPE,
  SHA256_RSA_OID,
  attribute,
  decodeMessage,

  encodeMessage,
  escapeXml,
  isoSeconds,
  publicKeyBlobHex,
  signCryptoApi,
  utf16WithNul,
  type DecodedMessage,
} from '../ccm-messaging/index.js';
import { createAuthenticate, createNegotiate } from '../ntlm/index.js';
import type { Exchange } from './exchange.js';
import type { ClientProfile, SiteSystemEndpoint } from './profile.js';
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

export interface PolicyAssignment {
  policyId: string;
  location: string;
}

export class IbcmClient {
  readonly transport: ClientTransport;
  private identity?: SigningIdentity;
  smsId?: string;

  /**
   * `identity` lets a caller keep one signing identity per computer across client objects, as a
   * real client keeps its key for life (and saves an RSA key generation per check).
   */
  constructor(readonly profile: ClientProfile, transportOptions: TransportOptions & { identity?: Promise<SigningIdentity> } = {}) {
    this.transport = new ClientTransport(profile, transportOptions);
    this.identityPromise = transportOptions.identity;
  }

  private identityPromise?: Promise<SigningIdentity>;

  /** `https://<CCMHOSTNAME>:<CCMHTTPSPORT>` — the internet MP named at install (research W:51). */
  get managementPointOrigin(): string {
    return `https://${this.profile.install.CCMHOSTNAME}:${this.profile.install.CCMHTTPSPORT}`;
  }

  send(spec: RequestSpec, origin = this.managementPointOrigin): Promise<Exchange> {
    return this.transport.exchange(origin, spec);
  }

  getMpList(): Promise<Exchange> {
    return this.send({ method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST1&${this.profile.install.SMSSITECODE}`, headers: [['User-Agent', CCM_USER_AGENT]] });
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
  async register(): Promise<MessageExchange> {
    return this.postRegistration('/ccm_system/request');
  }

  /**
   * Registration with Windows-integrated authentication (W:24): `/ccm_system_windowsauth/request`,
   * NTLM Negotiate → 401 Challenge → Authenticate, all on one connection (W:60).
   */
  async registerWithWindowsAuth(): Promise<MessageExchange & { legs: Exchange[]; authenticatedAs?: string }> {
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
    const authenticated = await this.postRegistration('/ccm_system_windowsauth/request', [['Authorization', authorization]]);
    legs.push(authenticated.exchange);
    const authenticatedAs = authenticated.exchange.responseHeaders?.find(([name]) => name === 'x-ibcm-lab-authenticated-as')?.[1];
    return { ...authenticated, legs, authenticatedAs };
  }

  private async postRegistration(target: string, extraHeaders: [string, string][] = []): Promise<MessageExchange> {
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
    const result = await this.postMessage('MP_ClientRegistration', 'GUID:00000000-0000-0000-0000-000000000000', body, false, target, extraHeaders);
    const smsId = result.reply ? attribute(result.reply.bodyXml, 'ClientRegistrationResponse', 'SMSID') : undefined;
    if (smsId) this.smsId = smsId;
    return result;
  }

  /** MP_PolicyManager RequestAssignments, signed with Hook2 clientauth (research W:22, W:25). */
  async requestAssignments(): Promise<MessageExchange & { assignments: PolicyAssignment[] }> {
    const smsId = this.requireSmsId();
    const body =
      `<RequestAssignments SchemaVersion="1.00" ACK="false" RequestType="Always"><Identification><Machine><ClientID>${smsId}</ClientID>` +
      `<FQDN>${escapeXml(this.profile.fqdn)}</FQDN><NetBIOSName>${escapeXml(this.profile.computerName)}</NetBIOSName><SID/></Machine><User/></Identification>` +
      `<PolicySource>SMS:${this.profile.install.SMSSITECODE}</PolicySource><Resource ResourceType="Machine"/><ServerCookie/></RequestAssignments>`;
    const result = await this.postMessage('MP_PolicyManager', smsId, body, true);
    const xml = result.reply?.bodyXml ?? '';
    const assignments = [...xml.matchAll(/<Policy PolicyID="([^"]+)"[\s\S]*?<PolicyLocation[^>]*>([^<]+)<\/PolicyLocation>/g)].map((match) => ({ policyId: match[1]!, location: match[2]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>') }));
    return { ...result, assignments };
  }

  /**
   * GET a policy body with CCMClientID, CCMClientIDSignature, CCMClientTimestamp and
   * CCMClientTimestampSignature (research W:20). With `documentedSpelling` the client also sends
   * the header as Microsoft's docs spell it (`CCMClientTimestampsSignature`, a typo — W:4).
   */
  async getPolicyBody(assignment: PolicyAssignment, options: { documentedSpelling?: boolean } = {}): Promise<Exchange> {
    const smsId = this.requireSmsId();
    const identity = await this.signingIdentity();
    const timestamp = isoSeconds(new Date());
    const timestampSignature = signCryptoApi(identity.privateKey, utf16WithNul(timestamp));
    // `http://<mp>/…` is a placeholder the client fills with its current MP (W:25).
    const target = assignment.location.replace(/^https?:\/\/<mp>/i, '');
    const headers: [string, string][] = [
      ['User-Agent', CCM_USER_AGENT],
      ['CCMClientID', smsId],
      ['CCMClientIDSignature', signCryptoApi(identity.privateKey, utf16WithNul(smsId))],
      ['CCMClientTimestamp', timestamp],
      ['CCMClientTimestampSignature', timestampSignature],
    ];
    if (options.documentedSpelling) headers.push(['CCMClientTimestampsSignature', timestampSignature]);
    return this.send({ method: 'GET', target, headers });
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private async postMessage(targetEndpoint: string, sourceId: string, bodyXml: string, sign = false, target = '/ccm_system/request', extraHeaders: [string, string][] = []): Promise<MessageExchange> {
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
    const exchange = await this.send({
      method: 'CCM_POST',
      target,
      headers: [['User-Agent', MESSAGING_USER_AGENT], ['Content-Type', CCM_CONTENT_TYPE], ...extraHeaders],
      body: message.body,
    });
    if (exchange.status !== 200 || !exchange.responseBody?.length) return { exchange };
    try {
      return { exchange, reply: decodeMessage(exchange.responseBody, exchange.responseHeaders?.find(([name]) => name === 'content-type')?.[1]) };
    } catch (error) {
      return { exchange, replyError: (error as Error).message };
    }
  }

  private requireSmsId(): string {
    if (!this.smsId) throw new Error(`${this.profile.computerName} is not registered (no SMSID)`);
    return this.smsId;
  }
}

