// Switchable bugs of the Node proxy (after BoGo's ProtocolBugs): each faulty proxy is the reference
// proxy with exactly one of these set, so it breaks exactly the requirement it targets.
import type { HttpRequestMessage } from '../../http/index.js';

export interface NodeProxyFaults {
  /** Rewrite or drop parts of a request on its way upstream (header allow-lists, verb filters…). */
  rewriteRequest?: (request: HttpRequestMessage) => HttpRequestMessage | { reject: number; reason: string };
}
