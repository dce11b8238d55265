// MP_PolicyManager RequestAssignments (research W:25) and policy bodies (`/SMS_MP/.sms_pol?`).
// The client is identified by SourceID/ClientID *and* signatures made with the key it registered
// (Hook2 ClientIDSignature + PayloadSignature on messages, CCMClientID* headers on policy GETs).
import { createHash } from 'node:crypto';
import type { SiteRequest, SiteResponse } from '../../http/index.js';
import { elementText, propertyValue, utf16WithNul, verifyCryptoApi, type DecodedMessage } from '../../ccm-messaging/index.js';
import type { ClientRegistry, RegisteredClient } from './client-registry.js';
import { ccmReply, emptyReply } from './reply.js';

/** Policy IDs are derived from the client so a reply handed to the wrong client is visible. */
export function machinePolicyId(smsId: string): string {
  const digest = createHash('sha256').update(`machine-settings:${smsId}`).digest('hex').toUpperCase();
  return `{${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}}`;
}

export function handleRequestAssignments(message: DecodedMessage, registry: ClientRegistry, mp: { host: string; siteCode: string }, moreAssignments?: (client: RegisteredClient) => string): SiteResponse {
  const clientId = elementText(message.bodyXml, 'ClientID');
  if (!clientId || clientId !== message.sourceId) return emptyReply(`ClientID "${clientId ?? ''}" does not match SourceID "${message.sourceId ?? ''}"`);
  const client = registry.find(clientId);
  if (!client) return emptyReply(`client ${clientId} is not registered`);
  const idSignature = propertyValue(message.headerXml, 'ClientIDSignature');
  const payloadSignature = propertyValue(message.headerXml, 'PayloadSignature');
  if (!idSignature || !verifyCryptoApi(client.signingKey, utf16WithNul(clientId), idSignature)) return emptyReply('ClientIDSignature missing or does not verify');
  if (!payloadSignature || !verifyCryptoApi(client.signingKey, message.compressedBody, payloadSignature)) return emptyReply('PayloadSignature missing or does not verify (body altered?)');
  const policyId = machinePolicyId(client.smsId);
  const reply =
    `<ReplyAssignments ReplyType="Full" SchemaVersion="1.00"><Identification><Machine><ClientID>${client.smsId}</ClientID><FQDN>${client.fqdn}</FQDN>` +
    `<NetBIOSName>${client.netbiosName}</NetBIOSName></Machine></Identification><PolicySource>SMS:${mp.siteCode}</PolicySource><PolicyAssignments>` +
    `<PolicyAssignment PolicyAssignmentID="${policyId}"><Policy PolicyID="${policyId}" PolicyVersion="1.00" PolicyType="Machine" PolicyCategory="Settings" PolicyFlags="0">` +
    `<PolicyLocation PolicyHash="SHA256:${createHash('sha256').update(policyBody(client, policyId)).digest('hex').toUpperCase()}">http://&lt;mp&gt;/SMS_MP/.sms_pol?${encodeURIComponent(policyId)}.1_00</PolicyLocation>` +
    `</Policy></PolicyAssignment>${moreAssignments?.(client) ?? ''}</PolicyAssignments></ReplyAssignments>`;
  return ccmReply(message, mp.host, reply);
}

function policyBody(client: RegisteredClient, policyId: string): string {
  return `<Policy PolicyID="${policyId}" PolicyVersion="1.00" PolicyType="Machine"><ClientID>${client.smsId}</ClientID><NetBIOSName>${client.netbiosName}</NetBIOSName></Policy>`;
}

const TIMESTAMP_WINDOW_MS = 10 * 60 * 1000;

/**
 * GET /SMS_MP/.sms_pol?<policy> with CCMClientID, CCMClientIDSignature, CCMClientTimestamp and
 * CCMClientTimestampSignature (research W:20). The canonical header is `…TimestampSignature`; the
 * documented `…TimestampsSignature` is a typo (W:4) and is not what the MP reads.
 */
export function handlePolicyBody(request: SiteRequest, registry: ClientRegistry, query: string, otherPolicy?: (client: RegisteredClient, policyId: string) => SiteResponse | undefined): SiteResponse {
  const deny = (reason: string): SiteResponse => ({ status: 403, headers: [['Content-Type', 'text/html'], ['X-IBCM-Lab-Reason', reason]], body: '<HTML><HEAD><TITLE>ERROR</TITLE></HEAD><BODY></BODY></HTML>' });
  const clientId = request.header('CCMClientID');
  const client = registry.find(clientId);
  if (!clientId || !client) return deny(`CCMClientID "${clientId ?? '(missing)'}" is not a registered client`);
  const idSignature = request.header('CCMClientIDSignature');
  if (!idSignature || !verifyCryptoApi(client.signingKey, utf16WithNul(clientId), idSignature)) return deny('CCMClientIDSignature missing or does not verify');
  const timestamp = request.header('CCMClientTimestamp');
  const timestampSignature = request.header('CCMClientTimestampSignature');
  if (!timestamp || !timestampSignature) return deny(`${timestamp ? 'CCMClientTimestampSignature' : 'CCMClientTimestamp'} missing`);
  if (!verifyCryptoApi(client.signingKey, utf16WithNul(timestamp), timestampSignature)) return deny('CCMClientTimestampSignature does not verify');
  const signedAt = Date.parse(timestamp);
  if (!Number.isFinite(signedAt) || Math.abs(Date.now() - signedAt) > TIMESTAMP_WINDOW_MS) return deny(`CCMClientTimestamp ${timestamp} is not a valid time or is outside the ${TIMESTAMP_WINDOW_MS / 60000} minute window`);
  let policyId: string;
  try {
    policyId = decodeURIComponent(query.replace(/\.\d+_\d+$/, ''));
  } catch {
    return deny(`policy query "${query}" is not valid percent-encoding`);
  }
  if (policyId !== machinePolicyId(client.smsId)) return otherPolicy?.(client, policyId) ?? deny(`policy ${policyId} is not assigned to ${client.smsId}`);
  return { status: 200, headers: [['Content-Type', 'text/xml']], body: policyBody(client, policyId) };
}
