// BITS upload server side ([MC-BUP], research W:36): BITS_POST packets Ping, Create-Session,
// Fragment, Close-Session, Cancel-Session under `/CCM_Incoming/`, every reply an Ack carrying
// BITS-* headers. Fragments must be contiguous from 0, else 416 with the next expected offset.
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { BITS_1_5_UPLOAD_PROTOCOL, type SiteRequest, type SiteResponse } from '../../http/index.js';

interface UploadSession {
  path: string;
  received: number;
  total?: number;
  hash: Hash;
  contentName?: string;
}

export class BitsUploadEndpoint {
  private readonly sessions = new Map<string, UploadSession>();

  handle(request: SiteRequest): SiteResponse {
    const packetType = request.header('BITS-Packet-Type')?.toLowerCase();
    switch (packetType) {
      case 'ping':
        return ack([]);
      case 'create-session':
        return this.createSession(request);
      case 'fragment':
        return this.fragment(request);
      case 'close-session':
      case 'cancel-session':
        return this.endSession(request, packetType);
      default:
        return error(400, '0x80070057', `unknown BITS-Packet-Type "${request.header('BITS-Packet-Type') ?? '(missing)'}"`);
    }
  }

  private createSession(request: SiteRequest): SiteResponse {
    const offered = (request.header('BITS-Supported-Protocols') ?? '').toLowerCase().split(/\s+/);
    if (!offered.includes(BITS_1_5_UPLOAD_PROTOCOL))
      return error(400, '0x80070057', 'BITS-Supported-Protocols does not offer the BITS 1.5 upload protocol');
    const sessionId = `{${randomUUID().toUpperCase()}}`;
    this.sessions.set(sessionId, { path: request.target, received: 0, hash: createHash('sha256') });
    return ack([
      ['BITS-Protocol', BITS_1_5_UPLOAD_PROTOCOL],
      ['BITS-Session-Id', sessionId],
      ['Accept-Encoding', 'Identity'],
    ]);
  }

  private fragment(request: SiteRequest): SiteResponse {
    const session = this.sessions.get(request.header('BITS-Session-Id') ?? '');
    if (!session) return error(404, '0x80200002', `unknown BITS-Session-Id "${request.header('BITS-Session-Id') ?? '(missing)'}"`);
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(request.header('Content-Range') ?? '');
    if (!range)
      return error(400, '0x80070057', `Content-Range "${request.header('Content-Range') ?? '(missing)'}" is not "bytes a-b/total"`);
    const [start, end] = [Number(range[1]), Number(range[2])];
    if (start !== session.received) return { ...ack([['BITS-Received-Content-Range', String(session.received)]]), status: 416 };
    if (end - start + 1 !== request.body.length)
      return error(400, '0x80070057', `fragment is ${request.body.length} bytes but Content-Range says ${end - start + 1}`);
    session.hash.update(request.body);
    session.received = end + 1;
    session.total = range[3] === '*' ? undefined : Number(range[3]);
    session.contentName ??= request.header('Content-Name');
    return ack([
      ['BITS-Session-Id', request.header('BITS-Session-Id')!],
      ['BITS-Received-Content-Range', String(session.received)],
    ]);
  }

  private endSession(request: SiteRequest, packetType: string): SiteResponse {
    const sessionId = request.header('BITS-Session-Id') ?? '';
    const session = this.sessions.get(sessionId);
    if (!session) return error(404, '0x80200002', `unknown BITS-Session-Id "${sessionId}"`);
    this.sessions.delete(sessionId);
    if (packetType === 'close-session' && session.total !== undefined && session.received !== session.total)
      return error(400, '0x80200011', `upload incomplete: ${session.received} of ${session.total} bytes`);
    // The digest of what arrived is journaled (checks compare it with what the client sent) and,
    // for a human reading the exchange, echoed in a lab header.
    const digest = packetType === 'close-session' ? session.hash.digest('hex') : undefined;
    return {
      ...ack([
        ['BITS-Session-Id', sessionId],
        ['X-IBCM-Lab-Upload-SHA256', digest ?? ''],
      ]),
      ...(digest ? { decided: { uploadSha256: digest } } : {}),
    };
  }
}

function ack(headers: [string, string][]): SiteResponse {
  return { status: 200, headers: [['BITS-Packet-Type', 'Ack'], ...headers], body: '' };
}

function error(status: number, code: string, reason: string): SiteResponse {
  return {
    status,
    headers: [
      ['BITS-Packet-Type', 'Ack'],
      ['BITS-Error-Code', code],
      ['BITS-Error-Context', '0x5'],
      ['X-IBCM-Lab-Reason', reason],
    ],
    body: '',
  };
}
