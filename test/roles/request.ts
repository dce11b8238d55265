// Helpers for the role tests: hand-built SiteRequests (shaped as harness/http/server.ts hands them to
// a role), replies normalised for assertions, and a real site server on 127.0.0.1 with an undici
// client for the end-to-end cases.
import { createHash } from 'node:crypto';
import { Client } from 'undici';
import { IbcmClient, type ClientProfile, type Exchange, type RequestSpec } from '../../harness/client/index.js';
import {
  Journal,
  headerValue,
  startSiteServer,
  type SiteHandler,
  type SiteRequest,
  type SiteResponse,
  type StartedSiteServer,
} from '../../harness/http/index.js';

export type Headers = [string, string][];

export function siteRequest(method: string, target: string, headers: Headers = [], body: Buffer | string = Buffer.alloc(0)): SiteRequest {
  const fields = headers.map(([name, value]) => ({ name, value }));
  return {
    method,
    target,
    version: 'HTTP/1.1',
    requestLine: `${method} ${target} HTTP/1.1`,
    headers: fields,
    body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
    connection: { id: 1, remoteAddress: '127.0.0.1', remotePort: 49152, tls: null, state: new Map() },
    header: (name) => headerValue(fields, name),
  };
}

export interface Reply {
  status: number;
  reason: string | undefined;
  headers: Headers;
  body: Buffer;
  text: string;
  header(name: string): string | undefined;
}

export function replyOf(response: SiteResponse): Reply {
  const headers = response.headers ?? [];
  const body =
    response.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(response.body) ? response.body : Buffer.from(response.body, 'utf8');
  return {
    status: response.status,
    reason: response.reason,
    headers,
    body,
    text: body.toString('utf8'),
    header: (name) => headers.find(([field]) => field.toLowerCase() === name.toLowerCase())?.[1],
  };
}

export async function call(
  handler: SiteHandler,
  method: string,
  target: string,
  headers: Headers = [],
  body?: Buffer | string,
): Promise<Reply> {
  return replyOf(await handler(siteRequest(method, target, headers, body)));
}

export interface RunningRole {
  server: StartedSiteServer;
  journal: Journal;
  /** Keep-alive client to the server; requests with a body and a verb other than POST need `reset: false`. */
  client: Client;
  close(): Promise<void>;
}

/** The role behind the lab's real HTTP server on 127.0.0.1 (plain HTTP, any free port). */
export async function serveRole(name: string, handler: SiteHandler): Promise<RunningRole> {
  const journal = new Journal();
  const server = await startSiteServer({ name, host: '127.0.0.1', port: 0, handler, journal });
  const client = new Client(`http://127.0.0.1:${server.port}`);
  return {
    server,
    journal,
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

export interface WireReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** One request through undici; the connection is kept (`reset: false`) whatever the verb. */
export async function send(
  role: RunningRole,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<WireReply> {
  const response = await role.client.request({ method, path, headers, body, reset: false });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body: bytes, text: bytes.toString('utf8') };
}

/** What the client would have recorded for a request a handler answered in-process (its Exchange shape). */
export function inProcessExchange(
  spec: { method: string; target: string; headers?: Headers },
  origin: string,
  body: Buffer,
  reply: Reply,
): Exchange {
  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  return {
    at: new Date().toISOString(),
    origin,
    method: spec.method,
    target: spec.target,
    requestHeaders: spec.headers ?? [],
    requestBodyLength: body.length,
    requestBodySha256: sha256(body),
    status: reply.status,
    // undici reports header names in lower case; IbcmClient looks up 'content-type' as such.
    responseHeaders: reply.headers.map(([name, value]): [string, string] => [name.toLowerCase(), value]),
    responseBody: reply.body,
    responseBodyLength: reply.body.length,
    responseBodySha256: sha256(reply.body),
    durationMs: 0,
  };
}

/** The simulated client with its transport replaced by a direct call into a role's handler. */
export class InProcessClient extends IbcmClient {
  /** Rewrites a request between client and MP: what a misbehaving proxy would do. */
  tamper?: (spec: RequestSpec) => RequestSpec;

  constructor(
    profile: ClientProfile,
    public handler: SiteHandler,
  ) {
    super(profile);
  }

  override async send(spec: RequestSpec, origin = this.managementPointOrigin): Promise<Exchange> {
    const sent = this.tamper?.(spec) ?? spec;
    const body = sent.body === undefined ? Buffer.alloc(0) : Buffer.from(sent.body);
    return inProcessExchange(
      sent,
      origin,
      body,
      replyOf(await this.handler(siteRequest(sent.method, sent.target, sent.headers ?? [], body))),
    );
  }
}

/** An internet-only PKI client of `siteCode` (CCMALWAYSINF=1), for in-process role tests. */
export function inProcessClientProfile(siteCode: string): ClientProfile {
  return {
    name: 'client01',
    computerName: 'CLIENT01',
    fqdn: 'client01.corp.ibcm-lab.example',
    segment: 'internet',
    install: {
      CCMHOSTNAME: 'mp.ibcm-lab.example',
      SMSSITECODE: siteCode,
      CCMALWAYSINF: 1,
      CCMHTTPSPORT: 443,
      CCMHTTPPORT: 80,
      UsePKICert: true,
      NoCRLCheck: false,
    },
    siteSystems: [],
    certificate: null,
    trustedRootsPem: '',
    dns: { host: '127.0.0.1', port: 53 },
  };
}
