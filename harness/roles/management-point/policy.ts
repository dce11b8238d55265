// MP_PolicyManager RequestAssignments (research W:25) and policy bodies (`/SMS_MP/.sms_pol?`).
// The client is identified by SourceID/ClientID *and* signatures made with the key it registered
// (Hook2 ClientIDSignature + PayloadSignature on messages, ClientToken or CCMClientID* headers on
// policy GETs).
import { createHash } from 'node:crypto';
import type { SiteRequest, SiteResponse } from '../../http/index.js';
import { elementText, propertyValue, utf16WithNul, verifyCryptoApi, type DecodedMessage } from '../../ccm-messaging/index.js';
import type { ClientRegistry, RegisteredClient } from './client-registry.js';
import { ccmReply, emptyReply } from './reply.js';
import {
  NAA_POLICY_CATEGORY,
  NAA_POLICY_FLAGS,
  envelopeTo,
  naaPolicyId,
  naaPolicyXml,
  type NetworkAccessAccount,
} from './secret-policy.js';

/** The site's secret policy (W:26, secret-policy.ts): its NAA, and the site code it names. */
export interface SecretPolicySite {
  siteCode: string;
  networkAccessAccount?: NetworkAccessAccount;
}

/**
 * The NAA policy's encrypted body for one client and encryption certificate, made once (a real MP
 * stores the body it encrypted [INFER]; the same bytes are served on every request and after a
 * re-registration with the same certificate, so a byte-exact comparison is meaningful).
 */
const secretBodies = new Map<string, Buffer>();
function naaBody(client: RegisteredClient, site: SecretPolicySite): Buffer | undefined {
  if (!site.networkAccessAccount || !client.encryptionCertificate) return undefined;
  const key = `${site.siteCode}|${client.smsId}|${client.encryptionCertificate.fingerprint256}`;
  let body = secretBodies.get(key);
  if (!body) {
    body = envelopeTo(client.encryptionCertificate, naaPolicyXml(naaPolicyId(client.smsId), site.siteCode, site.networkAccessAccount));
    secretBodies.set(key, body);
  }
  return body;
}

/** The NAA's `<PolicyAssignment>` for a client that registered an encryption certificate (W:26). */
function naaAssignment(client: RegisteredClient, site: SecretPolicySite): string {
  const body = naaBody(client, site);
  if (!body) return '';
  const policyId = naaPolicyId(client.smsId);
  return (
    `<PolicyAssignment PolicyAssignmentID="${policyId}"><Policy PolicyID="${policyId}" PolicyVersion="1.00" PolicyType="Machine" PolicyCategory="${NAA_POLICY_CATEGORY}" PolicyFlags="${NAA_POLICY_FLAGS}">` +
    policyLocation(policyId, createHash('sha256').update(body).digest('hex').toUpperCase()) +
    `</Policy></PolicyAssignment>`
  );
}

/** Policy IDs are derived from the client so a reply handed to the wrong client is visible. */
export function machinePolicyId(smsId: string): string {
  const digest = createHash('sha256').update(`machine-settings:${smsId}`).digest('hex').toUpperCase();
  return `{${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}}`;
}

/**
 * `<PolicyLocation>` as a real MP writes it (W:25): the URL in CDATA, with the literal `<mp>`
 * placeholder and the policy ID as it is — braces and all, not percent-encoded:
 * `<![CDATA[http://<mp>/SMS_MP/.sms_pol?{c6fe32fb-…}.2_00]]>` (Misconfiguration-Manager CRED-2
 * transcript; sccmwtf reads it with `<!\[CDATA\[https*://<mp>([^]]+)`).
 */
export function policyLocation(policyId: string, sha256Hex: string, version = '1_00'): string {
  const url = `http://<mp>/SMS_MP/.sms_pol?${policyId}.${version}`;
  if (url.includes(']]>')) throw new Error(`policy ID ${policyId} cannot be written in CDATA`);
  return `<PolicyLocation PolicyHash="SHA256:${sha256Hex}"><![CDATA[${url}]]></PolicyLocation>`;
}

export function handleRequestAssignments(
  message: DecodedMessage,
  registry: ClientRegistry,
  mp: { host: string; siteCode: string; networkAccessAccount?: NetworkAccessAccount },
  moreAssignments?: (client: RegisteredClient) => string,
): SiteResponse {
  const clientId = elementText(message.bodyXml, 'ClientID');
  if (!clientId || clientId !== message.sourceId)
    return emptyReply(`ClientID "${clientId ?? ''}" does not match SourceID "${message.sourceId ?? ''}"`);
  const client = registry.find(clientId);
  if (!client) return emptyReply(`client ${clientId} is not registered`);
  const idSignature = propertyValue(message.headerXml, 'ClientIDSignature');
  const payloadSignature = propertyValue(message.headerXml, 'PayloadSignature');
  if (!idSignature || !verifyCryptoApi(client.signingKey, utf16WithNul(clientId), idSignature))
    return emptyReply('ClientIDSignature missing or does not verify');
  if (!payloadSignature || !verifyCryptoApi(client.signingKey, message.compressedBody, payloadSignature))
    return emptyReply('PayloadSignature missing or does not verify (body altered?)');
  const policyId = machinePolicyId(client.smsId);
  const reply =
    `<ReplyAssignments ReplyType="Full" SchemaVersion="1.00"><Identification><Machine><ClientID>${client.smsId}</ClientID><FQDN>${client.fqdn}</FQDN>` +
    `<NetBIOSName>${client.netbiosName}</NetBIOSName></Machine></Identification><PolicySource>SMS:${mp.siteCode}</PolicySource><PolicyAssignments>` +
    `<PolicyAssignment PolicyAssignmentID="${policyId}"><Policy PolicyID="${policyId}" PolicyVersion="1.00" PolicyType="Machine" PolicyCategory="Settings" PolicyFlags="0">` +
    policyLocation(policyId, createHash('sha256').update(policyBody(client, policyId)).digest('hex').toUpperCase()) +
    `</Policy></PolicyAssignment>${naaAssignment(client, mp)}${moreAssignments?.(client) ?? ''}</PolicyAssignments></ReplyAssignments>`;
  return ccmReply(message, mp.host, reply);
}

function policyBody(client: RegisteredClient, policyId: string): string {
  return `<Policy PolicyID="${policyId}" PolicyVersion="1.00" PolicyType="Machine"><ClientID>${client.smsId}</ClientID><NetBIOSName>${client.netbiosName}</NetBIOSName></Policy>`;
}

const TIMESTAMP_WINDOW_MS = 10 * 60 * 1000;

type PolicyRequestAuth = { client: RegisteredClient } | { reason: string };

/**
 * Who is asking for a policy body. Two header sets are in use on the wire and a real MP accepts
 * either (W:21 AUTH-CLIENTTOKEN):
 * - `ClientToken: GUID:<id>;<yyyy-MM-ddTHH:mm:ssZ>;2` with `ClientTokenSignature` = the CryptoAPI
 *   signature of UTF-16LE(token + NUL) — SharpSCCM `MgmtPointMessaging.cs` `SendPolicyDownloadRequest`
 *   (`$"{clientId};{TimeHelpers.CurrentTimeAsIso8601};2"`, `Encoding.Unicode.GetBytes(token + "\0")`,
 *   `CryptNoHashId`), sccmwtf/SCCMSecrets/Metasploit the same with a DigestInfo signature. The token
 *   of older SharpSCCM has no `;2` (`GUID:72C913C4-…;2023-10-26T19:06:06Z`, Misconfiguration-Manager
 *   CRED-2), so the trailing field is optional;
 * - `CCMClientID`, `CCMClientIDSignature`, `CCMClientTimestamp`, `CCMClientTimestampSignature` (W:20).
 * When a request carries a ClientToken, that is what is checked.
 */
function authenticatePolicyRequest(request: SiteRequest, registry: ClientRegistry): PolicyRequestAuth {
  const token = request.header('ClientToken');
  if (token !== undefined) {
    const match = /^(GUID:[^;]+);([^;]+)(?:;(\d+))?$/.exec(token);
    if (!match) return { reason: `ClientToken "${token}" is not GUID:<id>;<timestamp>[;2]` };
    const [, clientId, timestamp] = match as unknown as [string, string, string];
    const client = registry.find(clientId);
    if (!client) return { reason: `ClientToken client ${clientId} is not a registered client` };
    const signature = request.header('ClientTokenSignature');
    if (!signature || !verifyCryptoApi(client.signingKey, utf16WithNul(token), signature))
      return { reason: 'ClientTokenSignature missing or does not verify' };
    const stale = staleTimestamp(timestamp);
    return stale ? { reason: `ClientToken ${stale}` } : { client };
  }
  const clientId = request.header('CCMClientID');
  const client = registry.find(clientId);
  if (!clientId || !client) return { reason: `CCMClientID "${clientId ?? '(missing)'}" is not a registered client` };
  const idSignature = request.header('CCMClientIDSignature');
  if (!idSignature || !verifyCryptoApi(client.signingKey, utf16WithNul(clientId), idSignature))
    return { reason: 'CCMClientIDSignature missing or does not verify' };
  const timestamp = request.header('CCMClientTimestamp');
  const timestampSignature = request.header('CCMClientTimestampSignature');
  if (!timestamp || !timestampSignature) return { reason: `${timestamp ? 'CCMClientTimestampSignature' : 'CCMClientTimestamp'} missing` };
  if (!verifyCryptoApi(client.signingKey, utf16WithNul(timestamp), timestampSignature))
    return { reason: 'CCMClientTimestampSignature does not verify' };
  const stale = staleTimestamp(timestamp);
  return stale ? { reason: `CCMClientTimestamp ${stale}` } : { client };
}

/** Why a signed timestamp is refused (a replayed old one, W:21), or undefined when it is fresh. */
function staleTimestamp(timestamp: string): string | undefined {
  const signedAt = Date.parse(timestamp);
  if (!Number.isFinite(signedAt) || Math.abs(Date.now() - signedAt) > TIMESTAMP_WINDOW_MS)
    return `${timestamp} is not a valid time or is outside the ${TIMESTAMP_WINDOW_MS / 60000} minute window`;
  return undefined;
}

/**
 * GET /SMS_MP/.sms_pol?<policy> authenticated by ClientToken or CCMClientID* headers (W:20, W:21).
 * The canonical header is `…TimestampSignature`; the documented `…TimestampsSignature` is a typo
 * (W:4) and is not what the MP reads. The policy ID may come with literal braces (as the
 * PolicyLocation carries it) or percent-encoded (as clients send it, W:25).
 */
export function handlePolicyBody(
  request: SiteRequest,
  registry: ClientRegistry,
  query: string,
  otherPolicy?: (client: RegisteredClient, policyId: string) => SiteResponse | undefined,
  site: SecretPolicySite = { siteCode: '' },
): SiteResponse {
  const deny = (reason: string): SiteResponse => ({
    status: 403,
    headers: [
      ['Content-Type', 'text/html'],
      ['X-IBCM-Lab-Reason', reason],
    ],
    body: '<HTML><HEAD><TITLE>ERROR</TITLE></HEAD><BODY></BODY></HTML>',
  });
  const auth = authenticatePolicyRequest(request, registry);
  if ('reason' in auth) return deny(auth.reason);
  const client = auth.client;
  let policyId: string;
  try {
    policyId = decodeURIComponent(query.replace(/\.\d+_\d+$/, ''));
  } catch {
    return deny(`policy query "${query}" is not valid percent-encoding`);
  }
  // The secret NAA policy: served only to the client it is for, encrypted to its certificate (W:26).
  if (policyId === naaPolicyId(client.smsId)) {
    const body = naaBody(client, site);
    if (body) return { status: 200, headers: [['Content-Type', 'application/octet-stream']], body };
  }
  if (policyId !== machinePolicyId(client.smsId))
    return otherPolicy?.(client, policyId) ?? deny(`policy ${policyId} is not assigned to ${client.smsId}`);
  return { status: 200, headers: [['Content-Type', 'text/xml']], body: policyBody(client, policyId) };
}
