// Switchable bugs of the Node proxy (after BoGo's ProtocolBugs): each faulty proxy is the reference
// proxy with one of these set, so it breaks the requirements it targets and nothing else.
import type { X509Certificate } from 'node:crypto';
import type { HttpRequestMessage, HttpResponseMessage, RequestFraming } from '../../http/index.js';
import type { ProxyListener } from '../contract/schema.js';

export type RequestRewrite = HttpRequestMessage | { reject: number; reason: string };

export interface NodeProxyFaults {
  /**
   * Rewrite or refuse a request on its way upstream (header allow-lists, verb filters…). Bridge: the
   * certificate the client authenticated with at the proxy, if any, is given too (rules per user set).
   */
  rewriteRequest?: (request: HttpRequestMessage, listener: ProxyListener, clientCertificate?: X509Certificate) => RequestRewrite;
  /** Answer a request at the proxy without going upstream (a response cache); undefined: forward it. */
  answerLocally?: (request: HttpRequestMessage) => HttpResponseMessage | undefined;
  /** Rewrite a response on its way back (Range stripping, error pages…). */
  rewriteResponse?: (response: HttpResponseMessage, request: HttpRequestMessage) => HttpResponseMessage;
  /** Speak HTTP/1.0 upstream, one connection per request (PX-HTTP11). */
  http10Upstream?: boolean;
  /** Close the client's connection after every response (Connection: close), whatever the upstream leg does (PX-HTTP11). */
  closeClientAfterResponse?: boolean;
  /** One upstream connection per listener, shared by every client (PX-NTLM-AFFINITY). */
  sharedUpstream?: boolean;
  /** Accept clients without checking their certificate (PX-BRIDGE-MUTUAL, PKI-MTLS). */
  skipClientAuthentication?: boolean;
  /** Check the client certificate's chain but not the CRL (PKI-CRL-CLIENT-REVOKED). */
  skipRevocationCheck?: boolean;
  /** Do not verify the site system's certificate on the upstream leg (PKI-SAN, PKI-EKU, PKI-EXPIRED). */
  skipUpstreamVerification?: boolean;
  /** Verify the site system's chain but not against the upstream CRL (PKI-CRL-SERVER-REVOKED). */
  skipUpstreamRevocationCheck?: boolean;
  /**
   * Check only the peer's own serial against the CRLs, never its issuing CA's (Apache's
   * `SSLCARevocationCheck leaf`), on both legs (PKI-CRL-CLIENT-REVOKED, PKI-CRL-SERVER-REVOKED).
   */
  leafOnlyRevocationCheck?: boolean;
  /**
   * Bridge HTTPS to plain HTTP (PX-BRIDGE-NO-DOWNGRADE). The lab's site systems serve HTTP on the
   * well-known port mapping (443 → 80 under the same offset), which is how this faulty proxy finds it.
   */
  downgradeUpstream?: boolean;
  /** Filter the client's raw bytes before parsing (a "sanitiser" that deletes Transfer-Encoding). */
  rawClientFilter?: (chunk: Buffer) => Buffer;
  /** Forward mode: drop requests to these hosts without an answer (a web filter blocking a category silently). */
  forwardBlockHost?: (host: string) => boolean;
  /** Do not publish http listeners (an HTTPS-only publishing rule). */
  httpsOnly?: boolean;
  /** Bridge: admit only authenticated clients whose certificate passes this rule (a certificate-to-account mapping). */
  admitClient?: (certificate: X509Certificate) => boolean;
  /** How the bridge frames a client request whose Content-Length and Transfer-Encoding disagree (PX-SMUGGLE); default strict (400). */
  requestFraming?: RequestFraming;
  /**
   * Forward a request framed by Content-Length with its header section as received — Transfer-Encoding
   * and every Content-Length kept — and its body bytes as read, instead of re-making the framing (PX-SMUGGLE).
   */
  forwardFramingVerbatim?: boolean;
  /**
   * Keep upstream connections in a pool shared by every client: a client's connection goes back to the
   * pool when the client disconnects and the next client to connect takes it (the last one back first).
   * Connections that carried Windows authentication stay private and are closed, as HAProxy's
   * `http-reuse safe` does, so NTLM still works (PX-SMUGGLE).
   */
  upstreamPool?: boolean;
  /** Bridge: on these listeners request a client certificate but admit clients without one (nginx `ssl_verify_client optional`). */
  optionalClientCertificate?: (listener: ProxyListener) => boolean;
  /** Bridge: the TLS server name sent upstream instead of the contract's; null sends none (nginx without `proxy_ssl_server_name on`). */
  upstreamServerName?: (listener: ProxyListener) => string | null;
  /** Forward mode: answer CONNECT to these targets (`host:port`) with 403, as a web proxy whose policy does not allow the port does. */
  forwardRefuseConnect?: (host: string, port: number) => boolean;
  /** Forward mode: answer a plain-HTTP request itself instead of fetching it (a web filter's block page); undefined = fetch it. */
  forwardAnswer?: (request: HttpRequestMessage, url: URL) => HttpResponseMessage | undefined;
}
