// A ConfigMgr message as sent by CCM_POST (research W:14–W:18): the `<Msg>` header in a UTF-16LE
// part and the zlib body in an octet-stream part. Used by the simulated client (to build requests)
// and by the management point (to parse them and build replies): the format is shared, the roles
// and the client are not.
import { randomUUID } from 'node:crypto';
import { CCM_BOUNDARY, CCM_CONTENT_TYPE, boundaryOf, decodeMultipart, encodeMultipart } from './multipart.js';
import { decodeBody, decodeHeaderText, encodeBody, encodeHeaderText } from './text.js';
import { attribute, elementText, escapeXml } from './xml.js';

export interface MessageHeaderFields {
  id?: string;
  sourceId: string;
  sourceHost: string;
  targetEndpoint: string;
  targetHost: string;
  replyTo?: string;
  replyMode?: 'Sync' | 'Async';
  sentTime?: Date;
  /** `<Hook2 Name="clientauth">` properties in document order (AuthSenderMachine, PublicKey, …). */
  clientAuth?: [string, string][];
  correlationId?: string;
}

export interface EncodedMessage {
  contentType: string;
  body: Buffer;
  headerXml: string;
  bodyXml: string;
  compressedBody: Buffer;
}

export function guid(): string {
  return `{${randomUUID().toUpperCase()}}`;
}

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildHeaderXml(fields: MessageHeaderFields, bodyLength: number): string {
  const hook2 = fields.clientAuth
    ? `<Hook2 Name="clientauth"><Property Name="AuthSenderMachine">${escapeXml(fields.sourceHost)}</Property>${fields.clientAuth
        .map(([name, value]) => `<Property Name="${name}">${escapeXml(value)}</Property>`)
        .join('')}</Hook2>`
    : '';
  return (
    `<Msg ReplyCompression="zlib" SchemaVersion="1.1"><Body Type="ByteRange" Length="${bodyLength}" Offset="0"/>` +
    `<CorrelationID>${fields.correlationId ?? '{00000000-0000-0000-0000-000000000000}'}</CorrelationID>` +
    `<Hooks>${hook2}<Hook3 Name="zlib-compress"/></Hooks><ID>${fields.id ?? guid()}</ID><Payload Type="inline"/><Priority>0</Priority>` +
    `<Protocol>https</Protocol><ReplyMode>${fields.replyMode ?? 'Sync'}</ReplyMode><ReplyTo>${escapeXml(fields.replyTo ?? `direct:${fields.sourceHost}:SccmMessaging`)}</ReplyTo>` +
    `<SentTime>${isoSeconds(fields.sentTime ?? new Date())}</SentTime><SourceID>${escapeXml(fields.sourceId)}</SourceID><SourceHost>${escapeXml(fields.sourceHost)}</SourceHost>` +
    `<TargetAddress>mp:${fields.targetEndpoint}</TargetAddress><TargetEndpoint>${fields.targetEndpoint}</TargetEndpoint>` +
    `<TargetHost>${escapeXml(fields.targetHost)}</TargetHost><Timeout>60000</Timeout></Msg>`
  );
}

/** Build a request; `clientAuth` may depend on the compressed body (PayloadSignature), hence the callback. */
export function encodeMessage(
  fields: Omit<MessageHeaderFields, 'clientAuth'>,
  bodyXml: string,
  clientAuth?: (compressedBody: Buffer) => [string, string][],
): EncodedMessage {
  const { compressed, length } = encodeBody(bodyXml);
  const headerXml = buildHeaderXml({ ...fields, clientAuth: clientAuth?.(compressed) }, length);
  const body = encodeMultipart([
    { headers: [['content-type', 'text/plain; charset=UTF-16']], body: encodeHeaderText(headerXml) },
    { headers: [['content-type', 'application/octet-stream']], body: compressed },
  ]);
  return { contentType: CCM_CONTENT_TYPE, body, headerXml, bodyXml, compressedBody: compressed };
}

export interface DecodedMessage {
  headerXml: string;
  bodyXml: string;
  compressedBody: Buffer;
  declaredLength: number;
  actualLength: number;
  targetEndpoint?: string;
  sourceId?: string;
  sourceHost?: string;
  replyMode?: string;
  id?: string;
}

export function decodeMessage(body: Buffer, contentType: string | undefined): DecodedMessage {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new Error(`Content-Type is not multipart with a boundary: ${contentType ?? '(none)'}`);
  const parts = decodeMultipart(body, boundary);
  if (parts.length < 2) throw new Error(`expected 2 MIME parts (header and body), got ${parts.length}`);
  const headerXml = decodeHeaderText(parts[0]!.body);
  const compressedBody = parts[1]!.body;
  const { xml, length } = decodeBody(compressedBody);
  return {
    headerXml,
    bodyXml: xml,
    compressedBody,
    declaredLength: Number(attribute(headerXml, 'Body', 'Length') ?? NaN),
    actualLength: length,
    targetEndpoint: elementText(headerXml, 'TargetEndpoint'),
    sourceId: elementText(headerXml, 'SourceID'),
    sourceHost: elementText(headerXml, 'SourceHost'),
    replyMode: elementText(headerXml, 'ReplyMode'),
    id: elementText(headerXml, 'ID'),
  };
}

export { CCM_BOUNDARY, CCM_CONTENT_TYPE };
