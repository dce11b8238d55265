// A mock cloud management gateway (seed 003; research W:52–53). The CMG is a cloud service: clients
// reach it on the internet under its own name, with a server certificate from a public CA (not the
// site's PKI), and authenticate with their PKI client certificate (mutual auth). Every management
// point it serves gets a path prefix `/CCM_Proxy_MutualAuth/<MP role id>/`; what follows is the MP's
// own URL space (`/ccm_system/request`, `/SMS_MP/.sms_aut?MPLIST`, …), which the gateway hands to that
// MP through its connection point — here the MP's own request handler, so the MP list, registration
// and policy a client gets through the CMG are the MP's.
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { notFound } from '../shared/iis.js';

export interface CloudManagementGatewayOptions {
  /** The MP role ID in the path prefix (W:52), e.g. 72057594037927939. */
  mpRoleId: string;
  /** The management point behind the gateway (its connection point forwards there). */
  managementPoint: SiteHandler;
}

export const CMG_MUTUAL_AUTH_PREFIX = '/CCM_Proxy_MutualAuth';

export function cloudManagementGateway(options: CloudManagementGatewayOptions): SiteHandler {
  const prefix = `${CMG_MUTUAL_AUTH_PREFIX}/${options.mpRoleId}`.toLowerCase();
  return async (request: SiteRequest): Promise<SiteResponse> => {
    const lower = request.target.toLowerCase();
    // Only the mutual-auth prefix of a known MP; token-based `/CCM_Proxy_ServerAuth/…` needs Azure AD.
    if (!lower.startsWith(`${prefix}/`)) return notFound();
    const target = request.target.slice(prefix.length);
    const forwarded: SiteRequest = { ...request, target, requestLine: `${request.method} ${target} ${request.version}` };
    const response = await options.managementPoint(forwarded);
    return { ...response, headers: [...(response.headers ?? []), ['X-IBCM-Lab-Gateway', `cmg → MP role ${options.mpRoleId}`]] };
  };
}
