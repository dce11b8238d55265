// MP_ClientRegistration (research W:24): the request body carries `<Data>` with the client's
// signing certificate and a signature over UTF-16LE(`<Data>…</Data>`).
import { X509Certificate } from 'node:crypto';
import type { SiteResponse } from '../../http/index.js';
import {
  attribute,
  elementText,
  elementXml,
  isoSeconds,
  propertyValue,
  verifyCryptoApi,
  type DecodedMessage,
} from '../../ccm-messaging/index.js';
import type { ClientRegistry } from './client-registry.js';
import { ccmReply, emptyReply } from './reply.js';

export function handleRegistration(message: DecodedMessage, registry: ClientRegistry, mpHost: string): SiteResponse {
  const data = elementXml(message.bodyXml, 'Data');
  const signature = elementText(message.bodyXml, 'SignatureValue');
  const signingHex = elementText(message.bodyXml, 'Signing');
  if (!data || !signature || !signingHex) return emptyReply('registration without Data, SignatureValue or Signing certificate');
  let signingCertificate: X509Certificate;
  try {
    signingCertificate = new X509Certificate(Buffer.from(signingHex, 'hex'));
  } catch {
    return emptyReply('registration signing certificate is not DER');
  }
  if (!verifyCryptoApi(signingCertificate.publicKey, Buffer.from(data, 'utf16le'), signature))
    return emptyReply('registration signature does not verify');
  const netbiosName = propertyValue(data, 'Netbios Name') ?? '';
  const fqdn = propertyValue(data, 'FQ Name') ?? '';
  // The encryption certificate (W:24): secret policy bodies are encrypted to it (W:26); absent or not DER, none is kept.
  let encryptionCertificate: X509Certificate | undefined;
  try {
    const encryptionHex = elementText(message.bodyXml, 'Encryption');
    encryptionCertificate = encryptionHex ? new X509Certificate(Buffer.from(encryptionHex, 'hex')) : undefined;
  } catch {
    encryptionCertificate = undefined;
  }
  const client = registry.register(signingCertificate.publicKey, netbiosName, fqdn, encryptionCertificate);
  const reply = `<ClientRegistrationResponse ResponseType="Registration" TimeStamp="${isoSeconds(new Date())}" SMSID="${client.smsId}" ApprovalStatus="1" RequestTimeStamp="${attribute(data, 'Data', 'TimeStamp') ?? ''}"/>`;
  return ccmReply(message, mpHost, reply);
}
