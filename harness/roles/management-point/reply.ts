// MP replies in the request's own shape (research W:18): multipart/mixed, a UTF-16LE+BOM header
// part and a zlib body part. An empty 200 means "not ready / not authorised" — the real MP's answer
// to a bad signature (W:18, W:66).
import type { SiteResponse } from '../../http/index.js';
import {
  CCM_CONTENT_TYPE,
  encodeHeaderText,
  encodeReplyBody,
  encodeMultipart,
  guid,
  isoSeconds,
  type DecodedMessage,
} from '../../ccm-messaging/index.js';

export function ccmReply(request: DecodedMessage, mpHost: string, bodyXml: string): SiteResponse {
  const { compressed, length } = encodeReplyBody(bodyXml);
  const headerXml =
    `<Msg SchemaVersion="1.1"><Body Type="ByteRange" Length="${length}" Offset="0"/><CorrelationID>${request.id ?? guid()}</CorrelationID>` +
    `<Hooks><Hook3 Name="zlib-compress"/></Hooks><ID>${guid()}</ID><Payload Type="inline"/><Priority>0</Priority><Protocol>https</Protocol>` +
    `<ReplyMode>Sync</ReplyMode><SentTime>${isoSeconds(new Date())}</SentTime><SourceHost>${mpHost}</SourceHost>` +
    `<TargetAddress>${request.headerXml.match(/<ReplyTo>([^<]*)<\/ReplyTo>/)?.[1] ?? 'direct:client'}</TargetAddress><TargetEndpoint>${request.targetEndpoint ?? ''}</TargetEndpoint>` +
    `<TargetHost>${request.sourceHost ?? ''}</TargetHost><Timeout>60000</Timeout></Msg>`;
  return {
    status: 200,
    headers: [['Content-Type', CCM_CONTENT_TYPE]],
    body: encodeMultipart([
      { headers: [['content-type', 'text/plain; charset=UTF-16']], body: encodeHeaderText(headerXml) },
      { headers: [['content-type', 'application/octet-stream']], body: compressed },
    ]),
  };
}

export function emptyReply(reason: string): SiteResponse {
  // The reason goes into a response header for the report; the body stays empty as on a real MP.
  return { status: 200, headers: [['X-IBCM-Lab-Reason', reason]], body: Buffer.alloc(0) };
}

/**
 * The answer to an asynchronous message (W:18): one MIME chunk whose text is `NoReply` — the SDK
 * checks for it ("Expected 1 MIME chunk with a message of 'NoReply'"). The chunk's encoding (UTF-16LE
 * with BOM, like every text part of the exchange, W:15) is [INFER].
 */
export function noReply(targetEndpoint: string): SiteResponse {
  return {
    status: 200,
    headers: [
      ['Content-Type', CCM_CONTENT_TYPE],
      ['X-IBCM-Lab-Reason', `${targetEndpoint}: asynchronous message accepted`],
    ],
    body: encodeMultipart([{ headers: [['content-type', 'text/plain; charset=UTF-16']], body: encodeHeaderText('NoReply') }]),
  };
}
