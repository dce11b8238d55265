// What the site offers a client depends on where the client is managed from (seed 000, "Features
// that Are Not Supported on the Internet"; research W:25, W:27). This module is the site's decision
// logic as the management point applies it, kept out of the MP's request routing:
//
// - policy: machine policy for an internet client leaves out what is not supported there — policies
//   flagged IntranetOnly (PolicyFlags bit 8, W:25) and task sequences that deploy an operating system —
//   while task sequences without an OS image are delivered; user policy only when the MP authenticated
//   the user with Windows authentication and both Client Policy client settings are on (seed 000,
//   prerequisites);
// - location: automatic site assignment and content location by boundaries ("roaming" to the closest
//   DP) are for intranet clients; internet clients get the internet DPs of their assigned site;
// - site-server actions: client push, Wake-on-LAN and remote control are initiated by the site towards
//   the client. The lab cannot put an SMB share, a magic packet or a TCP 2701 session on the wire of a
//   simulated client, so the site's decision is what is modelled: an administrator asks the site (the
//   SMS Provider's REST face, AdminService, co-located with the MP in the lab — [INFER] path and body
//   are the lab's, the real actions are WMI methods) to start the action for a client, and the site
//   answers Initiated (naming what it would send where) or Refused. The site decides from what it
//   knows of the client — the name under which the client last reached the MP (internet FQDN or
//   intranet FQDN) — exactly the knowledge a real site has; it cannot see the client's network.
// - secondary sites do not support client connections from untrusted locations (seed 000).
//
// The lab's addresses are all loopback, so the site's one boundary group (an IP range over the whole
// lab) covers internet clients too: only the site's internet rule — never the boundaries — keeps
// internet clients from being assigned automatically or steered to the closest DP. That is the
// situation of a customer with an overlapping IP-range boundary, and it makes the rule observable.
import { createHash } from 'node:crypto';
import type { SiteRequest, SiteResponse } from '../../http/index.js';
import {
  attribute,
  elementText,
  escapeXml,
  propertyValue,
  utf16WithNul,
  verifyCryptoApi,
  type DecodedMessage,
} from '../../ccm-messaging/index.js';
import type { ClientRegistry, RegisteredClient } from './client-registry.js';
import { ccmReply, emptyReply } from './reply.js';
import { policyLocation } from './policy.js';

/** Where a request came from, as the MP can tell: the name the client reached it by. */
export type ConnectedVia = 'internet' | 'intranet';

/** PolicyFlags bits (W:25). */
export const POLICY_FLAGS = { TaskSequence: 1, RequiresAuth: 2, Secret: 4, IntranetOnly: 8 } as const;

/** The Client Policy client settings a computer gets (CCM_ClientAgentConfig). */
export interface ClientPolicySettings {
  /** The client settings object deployed to the computer's collection. */
  name: string;
  /** "Enable user policy polling on clients". */
  userPolicyPolling: boolean;
  /** "Enable user policy requests from Internet clients". */
  userPolicyOnInternet: boolean;
}

/** Ways a site is known to get these rules wrong (topology quirks, harness/topology/quirks.ts). */
export interface SiteFeatureFaults {
  intranetOnlyPolicyToInternet?: boolean;
  osdToInternet?: boolean;
  userPolicyWithoutWindowsAuth?: boolean;
  clientPushToInternet?: boolean;
  wakeOnLanToInternet?: boolean;
  remoteControlToInternet?: boolean;
  autoSiteAssignmentOnInternet?: boolean;
  roamingOnInternet?: boolean;
  secondaryAcceptsInternet?: boolean;
  /** The software update deployment lets clients download from Microsoft Update when no DP has the content (AllowWUMU). */
  microsoftUpdateFallback?: boolean;
}

export interface SiteDistributionPoint {
  name: string;
  intranetFqdn: string;
  internetFqdn?: string;
  httpsPort: number;
  packages: { contentId: string; version: number }[];
}

export interface SiteFeatureOptions {
  siteCode: string;
  /** The MP's own names: a request by the internet FQDN comes from an internet client. */
  names: { intranet: string; internet?: string };
  /** Set when the MP belongs to a secondary site (its code): it refuses internet clients. */
  secondarySite?: string;
  clientSettings: (netbiosName: string) => ClientPolicySettings;
  distributionPoints: SiteDistributionPoint[];
  /** The site's boundary group for assignment and content location: IPv4 ranges [first, last]. */
  boundaries: [string, string][];
  faults?: SiteFeatureFaults;
}

interface SitePolicy {
  id: string;
  type: 'Machine' | 'User';
  category: string;
  flags: number;
  title: string;
  body: string;
  /** Why an internet client must not get it (undefined: it may). */
  notOnInternet?: string;
}

export type SiteAction = 'ClientPush' | 'WakeOnLan' | 'RemoteControl';
const SITE_ACTIONS: readonly SiteAction[] = ['ClientPush', 'WakeOnLan', 'RemoteControl'];

export const SITE_ACTIONS_PATH = '/AdminService/v1.0/SiteActions';

/**
 * Which of the MP's names the client connected to: the TLS server name of the connection, else (plain
 * HTTP) the Host header. Unknown names count as internet. Never Host first: no documentation asks a
 * bridge to keep the client's Host, and nginx's default rewrites it to the upstream name (research W:67).
 */
export function connectedVia(request: SiteRequest, names: SiteFeatureOptions['names']): ConnectedVia {
  const host = (request.connection.tls?.servername ?? request.header('host') ?? '').replace(/:\d+$/, '').toLowerCase();
  if (host === names.intranet.toLowerCase()) return 'intranet';
  if (names.internet && host === names.internet.toLowerCase()) return 'internet';
  return 'internet';
}

export class SiteFeatures {
  /** SMSID → how the client last reached the MP (what the site knows of where it is managed from). */
  private readonly lastContact = new Map<string, { via: ConnectedVia; at: string }>();
  /** SMSID → policies handed to it, so a body is only served for an assigned policy. */
  private readonly issued = new Map<string, Set<string>>();
  private readonly faults: SiteFeatureFaults;

  constructor(private readonly options: SiteFeatureOptions) {
    this.faults = options.faults ?? {};
  }

  noteContact(smsId: string, via: ConnectedVia): void {
    this.lastContact.set(smsId, { via, at: new Date().toISOString() });
  }

  /** A secondary-site system refuses clients from the internet (seed 000); undefined = go on. */
  refusal(via: ConnectedVia): SiteResponse | undefined {
    if (!this.options.secondarySite || via !== 'internet' || this.faults.secondaryAcceptsInternet) return undefined;
    const reason = `secondary site ${this.options.secondarySite}: site systems of a secondary site do not support client connections from the internet`;
    return {
      status: 403,
      headers: [
        ['Content-Type', 'text/html'],
        ['X-IBCM-Lab-Reason', reason],
      ],
      body: `<html><body>403 - Forbidden: ${escapeXml(reason)}</body></html>`,
    };
  }

  // ───────────── policy ─────────────

  private machinePolicies(client: RegisteredClient): SitePolicy[] {
    const s = this.options.siteCode;
    const settings = this.options.clientSettings(client.netbiosName);
    return [
      {
        id: guidOf(`client-settings:${settings.name}`),
        type: 'Machine',
        category: 'ClientSettings',
        flags: 0,
        title: `client settings "${settings.name}"`,
        body:
          `<Instance Class="CCM_ClientAgentConfig" SettingsName="${escapeXml(settings.name)}"><Property Name="PolicyEnableUserPolicyPolling" Value="${settings.userPolicyPolling}"/>` +
          `<Property Name="PolicyEnableUserPolicyOnInternet" Value="${settings.userPolicyOnInternet}"/></Instance>`,
      },
      {
        id: `${s}20010-${s}00010-6F6BCC28`,
        type: 'Machine',
        category: 'TaskSequence',
        flags: POLICY_FLAGS.TaskSequence,
        title: 'task sequence "Maintenance scripts" (no OS image)',
        body: `<TaskSequence Name="Maintenance scripts" PackageID="${s}00010"><Step Type="SMS_TaskSequence_RunCommandLineAction" Name="Clear temporary files"/><Step Type="SMS_TaskSequence_RunCommandLineAction" Name="Rotate logs"/></TaskSequence>`,
      },
      {
        id: `${s}20020-${s}00020-6F6BCC28`,
        type: 'Machine',
        category: 'TaskSequence',
        flags: POLICY_FLAGS.TaskSequence,
        title: 'task sequence "Windows deployment" (applies an OS image)',
        body:
          `<TaskSequence Name="Windows deployment" PackageID="${s}00020"><Step Type="SMS_TaskSequence_ApplyOperatingSystemAction" Name="Apply Operating System"/>` +
          `<Reference Type="OperatingSystemImage" PackageID="${s}00021"/></TaskSequence>`,
        notOnInternet: this.faults.osdToInternet ? undefined : 'operating system deployment is not supported for internet clients',
      },
      {
        id: `${s}20030-${s}00030-6F6BCC28`,
        type: 'Machine',
        category: 'SoftwareDistribution',
        flags: POLICY_FLAGS.IntranetOnly,
        title: 'deployment "Line-of-business app from the file share" (IntranetOnly)',
        body: `<SoftwareDistribution Name="Line-of-business app" PackageID="${s}00030" ContentSource="\\\\fs1\\packages\\lob"/>`,
        notOnInternet: this.faults.intranetOnlyPolicyToInternet ? undefined : 'the policy is flagged IntranetOnly (PolicyFlags 8)',
      },
      {
        // The software update deployment (W:41): "If software updates are not available on distribution
        // point in current, neighbor or site boundary groups, download content from Microsoft Updates".
        id: `${s}20050-${s}00050-6F6BCC28`,
        type: 'Machine',
        category: 'SoftwareUpdates',
        flags: 0,
        title: 'software update deployment "Monthly security updates"',
        body: `<Instance Class="CCM_UpdateCIAssignment" AssignmentName="Monthly security updates"><Property Name="AllowWUMU" Value="${Boolean(this.faults.microsoftUpdateFallback)}"/></Instance>`,
      },
    ];
  }

  private userPolicies(): SitePolicy[] {
    const s = this.options.siteCode;
    return [
      {
        id: `${s}20040-${s}00040-6F6BCC28`,
        type: 'User',
        category: 'SoftwareDistribution',
        flags: POLICY_FLAGS.RequiresAuth,
        title: 'user-targeted deployment "Lab Office"',
        body: `<SoftwareDistribution Name="Lab Office" PackageID="${s}00040" Target="User"/>`,
      },
    ];
  }

  /** `<PolicyAssignment>` elements to add to a machine RequestAssignments reply. */
  machineAssignments(client: RegisteredClient, via: ConnectedVia): string {
    this.noteContact(client.smsId, via);
    const policies = this.machinePolicies(client).filter((policy) => via === 'intranet' || !policy.notOnInternet);
    return this.assign(client, policies);
  }

  private assign(client: RegisteredClient, policies: SitePolicy[]): string {
    const issued = this.issued.get(client.smsId) ?? new Set<string>();
    this.issued.set(client.smsId, issued);
    return policies
      .map((policy) => {
        issued.add(policy.id);
        const hash = createHash('sha256').update(this.bodyOf(client, policy)).digest('hex').toUpperCase();
        return (
          `<PolicyAssignment PolicyAssignmentID="${escapeXml(policy.id)}"><Policy PolicyID="${escapeXml(policy.id)}" PolicyVersion="1.00" PolicyType="${policy.type}" PolicyCategory="${policy.category}" PolicyFlags="${policy.flags}">` +
          `${policyLocation(policy.id, hash)}</Policy></PolicyAssignment>`
        );
      })
      .join('');
  }

  private bodyOf(client: RegisteredClient, policy: SitePolicy): string {
    return `<Policy PolicyID="${escapeXml(policy.id)}" PolicyVersion="1.00" PolicyType="${policy.type}" PolicyCategory="${policy.category}"><ClientID>${client.smsId}</ClientID>${policy.body}</Policy>`;
  }

  /** GET /SMS_MP/.sms_pol for one of these policies (the client already authenticated by its signatures). */
  policyBody(client: RegisteredClient, policyId: string, via: ConnectedVia): SiteResponse | undefined {
    const policy = [...this.machinePolicies(client), ...this.userPolicies()].find((candidate) => candidate.id === policyId);
    if (!policy) return undefined;
    this.noteContact(client.smsId, via);
    const deny = (reason: string): SiteResponse => ({
      status: 403,
      headers: [
        ['Content-Type', 'text/html'],
        ['X-IBCM-Lab-Reason', reason],
      ],
      body: '<HTML><HEAD><TITLE>ERROR</TITLE></HEAD><BODY></BODY></HTML>',
    });
    if (!this.issued.get(client.smsId)?.has(policy.id)) return deny(`policy ${policy.id} is not assigned to ${client.smsId}`);
    if (via === 'internet' && policy.notOnInternet) return deny(`${policy.title} refused to an internet client: ${policy.notOnInternet}`);
    return { status: 200, headers: [['Content-Type', 'text/xml']], body: this.bodyOf(client, policy) };
  }

  /**
   * RequestAssignments for `<Resource ResourceType="User"/>`: the user's policy only when the MP
   * authenticated that user with Windows authentication (`authenticatedAs`, from the NTLM handshake
   * on /ccm_system_windowsauth) and the computer's client settings allow user policy (from the
   * internet: both settings). Otherwise a reply with no user policy — the client keeps computer policy.
   */
  userAssignments(
    message: DecodedMessage,
    registry: ClientRegistry,
    via: ConnectedVia,
    authenticatedAs: string | undefined,
    mp: { host: string },
  ): SiteResponse {
    const verified = verifySigned(message, registry);
    if ('reason' in verified) return emptyReply(verified.reason);
    const client = verified.client;
    this.noteContact(client.smsId, via);
    const user = elementText(message.bodyXml, 'UserName') ?? '';
    const settings = this.options.clientSettings(client.netbiosName);
    let refusal: string | undefined;
    if (!authenticatedAs && !(via === 'internet' && this.faults.userPolicyWithoutWindowsAuth))
      refusal = `the MP did not authenticate user ${user || '(none)'} with Windows authentication: computer policy only`;
    else if (authenticatedAs && authenticatedAs.toLowerCase() !== user.toLowerCase())
      refusal = `the request is for ${user || '(no user)'} but the connection authenticated ${authenticatedAs}`;
    else if (!settings.userPolicyPolling) refusal = `client settings "${settings.name}": user policy polling is off`;
    else if (via === 'internet' && !settings.userPolicyOnInternet)
      refusal = `client settings "${settings.name}": user policy requests from internet clients are off`;
    const policies = refusal ? [] : this.userPolicies();
    const reply =
      `<ReplyAssignments ReplyType="Full" SchemaVersion="1.00"><Identification><User><UserName>${escapeXml(user)}</UserName></User></Identification>` +
      `<PolicySource>SMS:${this.options.siteCode}</PolicySource><PolicyAssignments>${this.assign(client, policies)}</PolicyAssignments></ReplyAssignments>`;
    const response = ccmReply(message, mp.host, reply);
    return {
      ...response,
      headers: [
        ...(response.headers ?? []),
        [
          'X-IBCM-Lab-User-Policy',
          refusal ? `withheld: ${refusal}` : `delivered to ${authenticatedAs ?? user} (${policies.length} policy)`,
        ],
      ],
    };
  }

  // ───────────── location ─────────────

  /** MP_LocationManager: automatic site assignment (AssignedSiteRequest) and content location (W:27). */
  location(message: DecodedMessage, request: SiteRequest, via: ConnectedVia, mp: { host: string }): SiteResponse {
    const body = message.bodyXml;
    const addresses = [...body.matchAll(/<IPAddress [^>]*Address="([^"]+)"/g)].map((match) => match[1]!);
    const inBoundary = [...addresses, request.connection.remoteAddress.replace(/^::ffff:/, '')].some((address) =>
      this.options.boundaries.some(([first, last]) => inRange(address, first, last)),
    );
    if (/^\s*<AssignedSiteRequest\b/.test(body)) {
      let refusal: string | undefined;
      if (via === 'internet' && !this.faults.autoSiteAssignmentOnInternet)
        refusal = 'automatic site assignment is not supported for internet clients: install with SMSSITECODE=<site code>';
      else if (!inBoundary) refusal = 'no boundary group with site assignment contains the client';
      const sites = refusal ? '<Sites/>' : `<Sites><Site><SiteCode>${this.options.siteCode}</SiteCode></Site></Sites>`;
      const response = ccmReply(message, mp.host, `<AssignedSiteReply SchemaVersion="1.00">${sites}</AssignedSiteReply>`);
      return {
        ...response,
        headers: [
          ...(response.headers ?? []),
          ['X-IBCM-Lab-Site-Assignment', refusal ? `none: ${refusal}` : `assigned ${this.options.siteCode} by boundary`],
        ],
      };
    }
    if (/^\s*<ContentLocationRequest\b/.test(body)) {
      const packageId = (attribute(body, 'Package', 'ID') ?? '').replace(/^UID:/, '');
      const version = Number(attribute(body, 'Package', 'Version') ?? '1');
      const holders = this.options.distributionPoints.filter((dp) =>
        dp.packages.some((pkg) => pkg.contentId.toLowerCase() === packageId.toLowerCase() && pkg.version === version),
      );
      // Internet clients: the internet DPs of the assigned site, whatever their location (no roaming).
      const roam = via === 'intranet' || this.faults.roamingOnInternet;
      const records = roam
        ? inBoundary
          ? holders.map((dp) => ({ url: `https://${dp.intranetFqdn}:${dp.httpsPort}`, locality: 'LOCAL', name: dp.intranetFqdn }))
          : []
        : holders
            .filter((dp) => dp.internetFqdn)
            .map((dp) => ({ url: `https://${dp.internetFqdn}:${dp.httpsPort}`, locality: 'REMOTE', name: dp.internetFqdn! }));
      const recordXml = records
        .map(
          (record) =>
            `<LocationRecord><URL Name="${record.url}/SMS_DP_SMSPKG$/${escapeXml(packageId)}.${version}" Signature="${record.url}/SMS_DP_SMSSIG$/${escapeXml(packageId)}.${version}.tar"/>` +
            `<Capabilities SchemaVersion="1.0"><Property Name="SSLState" Value="31"/></Capabilities><ServerRemoteName>${record.name}</ServerRemoteName><DPType>SERVER</DPType><Windows Trust="1"/><Locality>${record.locality}</Locality></LocationRecord>`,
        )
        .join('');
      const reply = `<ContentLocationReply SchemaVersion="1.00"><Sites><Site><MPSite SiteCode="${this.options.siteCode}" MasterSiteCode="${this.options.siteCode}" SiteLocality="LOCAL"/><LocationRecords>${recordXml}</LocationRecords></Site></Sites></ContentLocationReply>`;
      const response = ccmReply(message, mp.host, reply);
      const how = roam
        ? via === 'internet'
          ? 'boundary groups applied to an internet client (roaming)'
          : 'boundary groups (closest DP first)'
        : 'internet DPs of the assigned site, boundaries not used';
      return {
        ...response,
        headers: [
          ...(response.headers ?? []),
          ['X-IBCM-Lab-Content-Location', `${records.length} record(s) for ${packageId}.${version}: ${how}`],
        ],
      };
    }
    return emptyReply('MP_LocationManager: neither AssignedSiteRequest nor ContentLocationRequest');
  }

  // ───────────── site-server actions ─────────────

  /** POST {@link SITE_ACTIONS_PATH} `{"Action": "ClientPush"|"WakeOnLan"|"RemoteControl", "ClientID": "GUID:…"}`. */
  siteAction(request: SiteRequest, registry: ClientRegistry): SiteResponse {
    const json = (status: number, value: Record<string, unknown>): SiteResponse => ({
      status,
      headers: [
        ['Content-Type', 'application/json'],
        ['X-IBCM-Lab-Site-Action', `${value.Result ?? 'Error'}: ${value.Reason ?? ''}`],
      ],
      body: JSON.stringify(value),
    });
    if (request.method !== 'POST') return { status: 405, headers: [['Allow', 'POST']], body: '' };
    let input: { Action?: string; ClientID?: string };
    try {
      input = JSON.parse(request.body.toString('utf8'));
    } catch {
      return json(400, { Reason: 'the body is not JSON' });
    }
    const action = SITE_ACTIONS.find((candidate) => candidate === input.Action);
    if (!action) return json(400, { Reason: `unknown Action "${input.Action ?? ''}" (ClientPush, WakeOnLan, RemoteControl)` });
    const client = registry.find(input.ClientID);
    if (!client) return json(404, { Action: action, ClientID: input.ClientID, Reason: 'no such client' });
    const contact = this.lastContact.get(client.smsId);
    if (!contact)
      return json(409, {
        Action: action,
        ClientID: client.smsId,
        Reason: 'the client has not contacted a management point of the site yet',
      });
    const allowedOnInternet = {
      ClientPush: this.faults.clientPushToInternet,
      WakeOnLan: this.faults.wakeOnLanToInternet,
      RemoteControl: this.faults.remoteControlToInternet,
    }[action];
    const base = { Action: action, ClientID: client.smsId, Client: client.netbiosName, ManagedFrom: contact.via, LastContact: contact.at };
    if (contact.via === 'internet' && !allowedOnInternet) {
      const what = { ClientPush: 'client push installation', WakeOnLan: 'Wake-on-LAN', RemoteControl: 'remote control' }[action];
      return json(200, { ...base, Result: 'Refused', Reason: `${what} is not supported for clients managed on the internet` });
    }
    const target = {
      ClientPush: `\\\\${client.fqdn || client.netbiosName}\\ADMIN$\\ccmsetup (SMB 445)`,
      WakeOnLan: `magic packet for ${client.netbiosName} to its subnet, UDP 9`,
      RemoteControl: `${client.fqdn || client.netbiosName}:2701 (remote control viewer)`,
    }[action];
    return json(200, { ...base, Result: 'Initiated', Target: target, Reason: `the client is managed on the ${contact.via}` });
  }
}

function verifySigned(message: DecodedMessage, registry: ClientRegistry): { client: RegisteredClient } | { reason: string } {
  const clientId = elementText(message.bodyXml, 'ClientID');
  if (!clientId || clientId !== message.sourceId)
    return { reason: `ClientID "${clientId ?? ''}" does not match SourceID "${message.sourceId ?? ''}"` };
  const client = registry.find(clientId);
  if (!client) return { reason: `client ${clientId} is not registered` };
  const idSignature = propertyValue(message.headerXml, 'ClientIDSignature');
  const payloadSignature = propertyValue(message.headerXml, 'PayloadSignature');
  if (!idSignature || !verifyCryptoApi(client.signingKey, utf16WithNul(clientId), idSignature))
    return { reason: 'ClientIDSignature missing or does not verify' };
  if (!payloadSignature || !verifyCryptoApi(client.signingKey, message.compressedBody, payloadSignature))
    return { reason: 'PayloadSignature missing or does not verify (body altered?)' };
  return { client };
}

function guidOf(seed: string): string {
  const digest = createHash('sha256').update(seed).digest('hex').toUpperCase();
  return `{${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}}`;
}

function ipv4(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

export function inRange(address: string, first: string, last: string): boolean {
  const [a, f, l] = [ipv4(address), ipv4(first), ipv4(last)];
  return a !== undefined && f !== undefined && l !== undefined && a >= f && a <= l;
}
