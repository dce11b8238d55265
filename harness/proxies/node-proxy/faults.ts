// Switchable bugs of the Node proxy (after BoGo's ProtocolBugs): each faulty proxy is the reference
// proxy with one of these set, so it breaks the requirements it targets and nothing else.
import type { X509Certificate } from 'node:crypto';
import type { HttpRequestMessage, HttpResponseMessage } from '../../http/index.js';

export type RequestRewrite = HttpRequestMessage | { reject: number; reason: string };

export interface NodeProxyFaults {
  /** Rewrite or refuse a request on its way upstream (header allow-lists, verb filters…). */
  rewriteRequest?: (request: HttpRequestMessage) => RequestRewrite;
  /** Rewrite a response on its way back (Range stripping, error pages…). */
  rewriteResponse?: (response: HttpResponseMessage, request: HttpRequestMessage) => HttpResponseMessage;
  /** Speak HTTP/1.0 upstream, one connection per request (PX-HTTP11). */
  http10Upstream?: boolean;
  /** One upstream connection per listener, shared by every client (PX-NTLM-AFFINITY). */
  sharedUpstream?: boolean;
  /** Accept clients without checking their certificate (PX-BRIDGE-MUTUAL, PKI-MTLS). */
  skipClientAuthentication?: boolean;
  /** Check the client certificate's chain but not the CRL (PKI-CRL-CLIENT-REVOKED). */
  skipRevocationCheck?: boolean;
  /** Do not verify the site system's certificate on the upstream leg (PKI-SAN, PKI-EKU, PKI-EXPIRED). */
  skipUpstreamVerification?: boolean;
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
  /** Forward mode: answer a plain-HTTP request itself instead of fetching it (a web filter's block page); undefined = fetch it. */
  forwardAnswer?: (request: HttpRequestMessage, url: URL) => HttpResponseMessage | undefined;
}
