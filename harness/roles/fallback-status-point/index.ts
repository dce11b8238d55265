// The fallback status point: `POST /SMS_FSP/.sms_fsp` carrying a state message (research W:38, [SDK]
// strings `POST`, `/SMS_FSP/.sms_fsp`, "State Message Data"). Always plain HTTP, unauthenticated
// (W:38). Clients post here when they cannot reach an MP — e.g. after a PKI certificate selection
// failure — so the role must answer even when nothing else in the site does.
//
// The role keeps nothing in memory: the server's journal (method, target, headers, body digest and
// preview) is the evidence that a state message arrived intact.
//
// The body a client posts is built by `fspStateMessage` (harness/ccm-messaging/state-message.ts, a
// protocol format the simulated client needs too, [INFER] schema); it is re-exported here for the lab.
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { methodNotAllowed, notFound, splitTarget } from '../shared/iis.js';

export { fspStateMessage, type FspStateMessageInput } from '../../ccm-messaging/index.js';

export const FSP_PATH = '/SMS_FSP/.sms_fsp';

export interface FallbackStatusPointOptions {
  /**
   * Refuse (400) a body that does not look like a ConfigMgr state-message report (`<Report` and
   * `<StateMessage`). Default false: any non-empty body is accepted, as the real FSP's schema is not
   * public (W:38).
   */
  requireStateMessage?: boolean;
}

export function fallbackStatusPoint(options: FallbackStatusPointOptions = {}): SiteHandler {
  return (request: SiteRequest): SiteResponse => {
    // IIS matches paths case-insensitively; a query string is not part of the resource.
    if (splitTarget(request.target).path.toLowerCase() !== FSP_PATH.toLowerCase()) return notFound();
    // The only verb a firewall in front of the FSP has to allow (W:2: "fallback status point: POST").
    if (request.method !== 'POST') return methodNotAllowed(['POST']);
    if (request.body.length === 0) return refuse('empty state message body');
    if (options.requireStateMessage) {
      const text = request.body.toString('utf8');
      if (!/<Report[\s>]/.test(text) || !/<StateMessage[\s>]/.test(text)) return refuse('body is not a state-message report');
    }
    return { status: 200, body: '' };
  };
}

function refuse(reason: string): SiteResponse {
  return {
    status: 400,
    headers: [
      ['Content-Type', 'text/html'],
      ['X-IBCM-Lab-Reason', reason],
    ],
    body: '<html><body>Bad Request</body></html>',
  };
}
