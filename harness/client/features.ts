// What a client does with the features IBCM limits on the internet (seed 000, "Features that Are Not
// Supported on the Internet"; W:25, W:27): it reads its policy assignments with their flags and does
// not fetch a policy flagged IntranetOnly while it is on the internet; it reads its Client Policy client
// settings and asks for user policy only when they allow it, with Windows authentication of the user
// (NTLM on /ccm_system_windowsauth — Kerberos is not in the lab); with SMSSITECODE=AUTO it asks its MP
// for a site by its boundaries; it asks its MP where content is (ContentLocationRequest). Everything
// goes over the network to the MP its location and install mode give it.
import { contentText, escapeXml, unescapeXml, type DecodedMessage } from '../ccm-messaging/index.js';
import { createAuthenticate, createNegotiate } from '../ntlm/index.js';
import type { Exchange } from './exchange.js';
import { CCM_USER_AGENT, NotRegisteredError, type IbcmClient, type PolicyAssignment } from './ibcm-client.js';
import { detectNetworkLocation, managementPointAt, siteSystemsFor, type NetworkLocation } from './location.js';

/** PolicyFlags bits (W:25). */
export const POLICY_FLAG = {
  TaskSequence: 1,
  RequiresAuth: 2,
  Secret: 4,
  IntranetOnly: 8,
  PersistWholePolicy: 16,
  AuthorizedDynamicDownload: 32,
  Compressed: 64,
} as const;

export interface AssignedPolicy extends PolicyAssignment {
  policyType: string;
  category: string;
  flags: number;
}

/** Every `<Policy>` of a ReplyAssignments with its type, category and flags. */
export function assignedPolicies(replyXml: string | undefined): AssignedPolicy[] {
  // The location is CDATA on a real MP (W:25); an escaped text form is read the same way.
  return [...(replyXml ?? '').matchAll(/<Policy ([^>]*)>[\s\S]*?<PolicyLocation[^>]*>([\s\S]*?)<\/PolicyLocation>/g)].map((match) => {
    const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(match[1]!)?.[1] ?? '';
    return {
      policyId: unescapeXml(attr('PolicyID')),
      policyType: attr('PolicyType'),
      category: attr('PolicyCategory'),
      flags: Number(attr('PolicyFlags') || '0'),
      location: contentText(match[2]!),
    };
  });
}

export const isIntranetOnly = (policy: AssignedPolicy) => (policy.flags & POLICY_FLAG.IntranetOnly) !== 0;

export interface MachinePolicyRound {
  location: NetworkLocation;
  origin: string;
  exchange: Exchange;
  reply?: DecodedMessage;
  policies: AssignedPolicy[];
  /** Bodies the client fetched, and the assignments it did not fetch (with why). */
  fetched: { policy: AssignedPolicy; exchange: Exchange }[];
  skipped: { policy: AssignedPolicy; reason: string }[];
}

/**
 * A machine policy round at the MP the client uses where it is (registering there first when it has
 * no SMSID): assignments, then every body — except, while the client is on the internet, those
 * flagged IntranetOnly (W:25).
 */
export async function machinePolicyRound(
  client: IbcmClient,
  options: { location?: NetworkLocation; fetch?: (policy: AssignedPolicy) => boolean } = {},
): Promise<MachinePolicyRound> {
  const location = options.location ?? (await detectNetworkLocation(client)).location;
  const origin = managementPointAt(client, location);
  if (!client.smsId) await client.register(origin);
  const result = await client.requestAssignments(origin);
  const policies = assignedPolicies(result.reply?.bodyXml);
  const internet = siteSystemsFor(client, location).scope === 'internet';
  const fetched: MachinePolicyRound['fetched'] = [];
  const skipped: MachinePolicyRound['skipped'] = [];
  for (const policy of policies) {
    if (internet && isIntranetOnly(policy)) skipped.push({ policy, reason: 'flagged IntranetOnly and the client is on the internet' });
    else if (options.fetch && !options.fetch(policy)) skipped.push({ policy, reason: 'not asked for' });
    else fetched.push({ policy, exchange: await client.getPolicyBody(policy, { origin }) });
  }
  return { location, origin, exchange: result.exchange, reply: result.reply, policies, fetched, skipped };
}

export interface ClientPolicySettings {
  name: string;
  /** "Enable user policy polling on clients". */
  userPolicyPolling: boolean;
  /** "Enable user policy requests from Internet clients". */
  userPolicyOnInternet: boolean;
}

/** The Client Policy settings (CCM_ClientAgentConfig) in a policy body, if it carries them. */
export function clientPolicySettingsOf(body: string): ClientPolicySettings | undefined {
  if (!/Class="CCM_ClientAgentConfig"/.test(body)) return undefined;
  const property = (name: string) => new RegExp(`<Property Name="${name}" Value="([^"]*)"`).exec(body)?.[1] === 'true';
  return {
    name: unescapeXml(/SettingsName="([^"]*)"/.exec(body)?.[1] ?? ''),
    userPolicyPolling: property('PolicyEnableUserPolicyPolling'),
    userPolicyOnInternet: property('PolicyEnableUserPolicyOnInternet'),
  };
}

/** A user account as the logged-on user types it. */
export interface UserAccount {
  domain: string;
  user: string;
  password: string;
}

export interface UserPolicyRequest {
  /** Every leg the client sent (NTLM: Negotiate, then Authenticate). */
  legs: Exchange[];
  exchange: Exchange;
  reply?: DecodedMessage;
  policies: AssignedPolicy[];
  /** Why the client got no user policy, as far as it can tell. */
  failure?: string;
}

/**
 * RequestAssignments for the user (`<Resource ResourceType="User"/>`), signed like machine requests.
 * `auth: 'windows'`: on /ccm_system_windowsauth/request with NTLM as `user` (W:10, W:60);
 * `auth: 'none'`: on /ccm_system/request without Windows authentication.
 */
export async function requestUserPolicy(
  client: IbcmClient,
  user: UserAccount,
  options: { auth: 'windows' | 'none'; origin?: string },
): Promise<UserPolicyRequest> {
  const smsId = client.smsId;
  if (!smsId) throw new NotRegisteredError(client.profile.computerName, client.registrationFailure);
  const userName = `${user.domain}\\${user.user}`;
  const body =
    `<RequestAssignments SchemaVersion="1.00" ACK="false" RequestType="Always"><Identification><Machine><ClientID>${smsId}</ClientID>` +
    `<FQDN>${escapeXml(client.profile.fqdn)}</FQDN><NetBIOSName>${escapeXml(client.profile.computerName)}</NetBIOSName><SID/></Machine>` +
    `<User><UserName>${escapeXml(userName)}</UserName></User></Identification>` +
    `<PolicySource>SMS:${client.profile.install.SMSSITECODE}</PolicySource><Resource ResourceType="User"/><ServerCookie/></RequestAssignments>`;
  const send = (target: string, headers: [string, string][]) =>
    postMessage(client, 'MP_PolicyManager', smsId, body, { sign: true, target, headers, origin: options.origin });
  const legs: Exchange[] = [];
  let last: { exchange: Exchange; reply?: DecodedMessage };
  if (options.auth === 'none') {
    last = await send('/ccm_system/request', []);
    legs.push(last.exchange);
  } else {
    last = await send('/ccm_system_windowsauth/request', [['Authorization', createNegotiate()]]);
    legs.push(last.exchange);
    const challenge = last.exchange.responseHeaders?.filter(([name]) => name === 'www-authenticate').map(([, value]) => value) ?? [];
    if (last.exchange.status !== 401 || challenge.length === 0)
      return {
        legs,
        exchange: last.exchange,
        policies: [],
        failure: `no NTLM challenge (HTTP ${last.exchange.status ?? last.exchange.error?.code})`,
      };
    let authorization: string;
    try {
      authorization = createAuthenticate(challenge, user, { workstation: client.profile.computerName });
    } catch (error) {
      return { legs, exchange: last.exchange, policies: [], failure: `no usable NTLM challenge: ${(error as Error).message}` };
    }
    last = await send('/ccm_system_windowsauth/request', [['Authorization', authorization]]);
    legs.push(last.exchange);
    if (last.exchange.status === 401)
      return {
        legs,
        exchange: last.exchange,
        policies: [],
        failure: `Windows authentication of ${userName} failed (HTTP 401): computer policy only`,
      };
  }
  const policies = assignedPolicies(last.reply?.bodyXml);
  return {
    legs,
    exchange: last.exchange,
    reply: last.reply,
    policies,
    failure: policies.length
      ? undefined
      : `the MP answered without user policy (HTTP ${last.exchange.status ?? last.exchange.error?.code})`,
  };
}

export interface UserPolicyCycle {
  settings?: ClientPolicySettings;
  /** False when the client settings kept the client from asking. */
  asked: boolean;
  reason: string;
  request?: UserPolicyRequest;
}

/**
 * The client's user policy cycle for a logged-on user: it asks only if its client settings allow
 * (on the internet: both Client Policy settings, seed 000) and authenticates the user with Windows
 * authentication; when that fails it keeps computer policy only.
 */
export async function userPolicyCycle(client: IbcmClient, user: UserAccount, machine: MachinePolicyRound): Promise<UserPolicyCycle> {
  const settingsBody = machine.fetched
    .map(({ exchange }) => exchange.responseBody?.toString('utf8') ?? '')
    .find((body) => clientPolicySettingsOf(body));
  const settings = settingsBody ? clientPolicySettingsOf(settingsBody) : undefined;
  if (!settings)
    return { asked: false, reason: 'no Client Policy client settings in machine policy: user policy polling is off by default' };
  if (!settings.userPolicyPolling)
    return { settings, asked: false, reason: `client settings "${settings.name}": user policy polling is off` };
  if (siteSystemsFor(client, machine.location).scope === 'internet' && !settings.userPolicyOnInternet)
    return { settings, asked: false, reason: `client settings "${settings.name}": user policy requests from internet clients are off` };
  const request = await requestUserPolicy(client, user, { auth: 'windows', origin: machine.origin });
  return {
    settings,
    asked: true,
    reason: request.failure ?? `user policy for ${user.domain}\\${user.user}: ${request.policies.length} assignment(s)`,
    request,
  };
}

export interface SiteAssignment {
  location: NetworkLocation;
  origin: string;
  exchange: Exchange;
  reply?: DecodedMessage;
  siteCode?: string;
  reason: string;
}

/**
 * Automatic site assignment (SMSSITECODE=AUTO): the client asks the MP it can reach for the site whose
 * boundaries hold it ([INFER] body shape `AssignedSiteRequest`; Active Directory is not in the lab). A
 * client given a site code keeps it.
 */
export async function assignSite(client: IbcmClient): Promise<SiteAssignment> {
  const detection = await detectNetworkLocation(client);
  const origin = managementPointAt(client, detection.location);
  const code = client.profile.install.SMSSITECODE;
  const address = client.profile.localAddress ?? '';
  const body =
    `<AssignedSiteRequest SchemaVersion="1.00"><Identification><Machine><FQDN>${escapeXml(client.profile.fqdn)}</FQDN><NetBIOSName>${escapeXml(client.profile.computerName)}</NetBIOSName></Machine></Identification>` +
    `<ClientLocationInfo><ADSite Name=""/><IPAddresses><IPAddress SubnetAddress="${address.replace(/\.\d+$/, '.0')}" Address="${address}"/></IPAddresses></ClientLocationInfo></AssignedSiteRequest>`;
  const result = await postMessage(client, 'MP_LocationManager', 'GUID:00000000-0000-0000-0000-000000000000', body, { origin });
  const siteCode = /<SiteCode>([^<]+)<\/SiteCode>/.exec(result.reply?.bodyXml ?? '')?.[1];
  if (code !== 'AUTO')
    return {
      location: detection.location,
      origin,
      exchange: result.exchange,
      reply: result.reply,
      siteCode: code,
      reason: `installed with SMSSITECODE=${code}`,
    };
  return {
    location: detection.location,
    origin,
    ...result,
    siteCode,
    reason: siteCode
      ? `the MP assigned site ${siteCode}`
      : `the MP assigned no site (HTTP ${result.exchange.status ?? result.exchange.error?.code})`,
  };
}

export interface ContentLocation {
  location: NetworkLocation;
  origin: string;
  exchange: Exchange;
  reply?: DecodedMessage;
  records: { url: string; locality: string }[];
}

/** ContentLocationRequest (W:27): where is this package? On the internet `UseInternetDP="1"`. */
export async function requestContentLocation(
  client: IbcmClient,
  pkg: { contentId: string; version: number },
  options: { location?: NetworkLocation } = {},
): Promise<ContentLocation> {
  const location = options.location ?? (await detectNetworkLocation(client)).location;
  const origin = managementPointAt(client, location);
  const internet = siteSystemsFor(client, location).scope === 'internet' ? 1 : 0;
  const address = client.profile.localAddress ?? '';
  const body =
    `<ContentLocationRequest SchemaVersion="1.00" ExcludeFileList=""><Package ID="UID:${escapeXml(pkg.contentId)}" Version="${pkg.version}"/><AssignedSite SiteCode="${client.profile.install.SMSSITECODE}"/>` +
    `<ClientLocationInfo LocationType="SMSPackage" DistributeOnDemand="0" UseAzure="0" AllowWUMU="0" UseProtected="0" AllowCaching="0" BranchDPFlags="0" UseInternetDP="${internet}" AllowHTTP="1" AllowSMB="0" AllowMulticast="0">` +
    `<ADSite Name=""/><Forest Name=""/><Domain Name=""/><IPAddresses><IPAddress SubnetAddress="${address.replace(/\.\d+$/, '.0')}" Address="${address}"/></IPAddresses></ClientLocationInfo></ContentLocationRequest>`;
  const result = await postMessage(client, 'MP_LocationManager', client.smsId ?? 'GUID:00000000-0000-0000-0000-000000000000', body, {
    origin,
  });
  const records = [
    ...(result.reply?.bodyXml ?? '').matchAll(
      /<LocationRecord>[\s\S]*?<URL Name="([^"]+)"[\s\S]*?<Locality>([^<]*)<\/Locality>[\s\S]*?<\/LocationRecord>/g,
    ),
  ].map((match) => ({ url: unescapeXml(match[1]!), locality: match[2]! }));
  return { location, origin, ...result, records };
}

/** A PROPFIND of a content location record's package root on the DP, as the client starts a download (W:30). */
export function probeContent(client: IbcmClient, url: string): Promise<Exchange> {
  const parsed = new URL(url);
  return client.send(
    {
      method: 'PROPFIND',
      target: parsed.pathname.replace(/%24/g, '$'),
      headers: [
        ['User-Agent', CCM_USER_AGENT],
        ['Depth', '1'],
        ['Translate', 'f'],
      ],
    },
    parsed.origin,
  );
}

/** The client's own message path (ibcm-client.ts), with the options these feature requests use. */
function postMessage(
  client: IbcmClient,
  targetEndpoint: string,
  sourceId: string,
  bodyXml: string,
  options: { sign?: boolean; target?: string; headers?: [string, string][]; origin?: string },
) {
  return client.postMessage(targetEndpoint, sourceId, bodyXml, options.sign ?? false, options.target, options.headers, options.origin);
}
