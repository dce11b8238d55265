// SOAP 1.1 over HTTP as ASP.NET web services (.asmx) and WCF basicHttpBinding (.svc) speak it: the
// software update point ([MS-WUSP], research W:40) and the Application Catalog (W:39). Requests carry
// `Content-Type: text/xml; charset=utf-8` and a `SOAPAction` header naming the operation; answers are
// `text/xml; charset=utf-8`, faults go out with status 500 (SOAP 1.1 §6.2).
import type { SiteRequest, SiteResponse } from '../../http/index.js';
import { escapeXml } from './xml.js';

export const SOAP_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** The envelope an ASP.NET .asmx answers with (the xsi/xsd declarations are what it always writes). */
export function soapEnvelope(bodyXml: string): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<soap:Envelope xmlns:soap="${SOAP_ENVELOPE_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">`,
    `<soap:Body>${bodyXml}</soap:Body>`,
    '</soap:Envelope>',
  ].join('');
}

export function soapResponse(bodyXml: string): SiteResponse {
  return { status: 200, headers: [['Content-Type', SOAP_CONTENT_TYPE]], body: soapEnvelope(bodyXml) };
}

/** SOAP 1.1 fault, status 500. `detailXml` is inserted as the content of `<detail>`. */
export function soapFault(code: 'soap:Client' | 'soap:Server', message: string, detailXml = ''): SiteResponse {
  const fault = `<soap:Fault><faultcode>${code}</faultcode><faultstring>${escapeXml(message)}</faultstring><detail>${detailXml}</detail></soap:Fault>`;
  return {
    status: 500,
    headers: [
      ['Content-Type', SOAP_CONTENT_TYPE],
      ['X-IBCM-Lab-Reason', message.replace(/[\r\n]+/g, ' ')],
    ],
    body: soapEnvelope(fault),
  };
}

/** The `SOAPAction` header without its surrounding quotes; undefined when absent. */
export function soapAction(request: SiteRequest): string | undefined {
  const value = request.header('SOAPAction');
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

/** True when the request's media type is `text/xml` (parameters such as charset ignored). */
export function isTextXml(request: SiteRequest): boolean {
  return (request.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase() === 'text/xml';
}

/** Local name of the first element inside `<…:Body>` of a SOAP envelope, or undefined. */
export function soapBodyOperation(envelope: string): string | undefined {
  const body = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)[\s/>]/.exec(envelope);
  return body?.[1];
}

/** Text of the elements with this local name (any prefix), in document order. */
export function elementTexts(xml: string, localName: string): string[] {
  const pattern = new RegExp(`<(?:[\\w.-]+:)?${localName}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${localName}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1]!.trim());
}
