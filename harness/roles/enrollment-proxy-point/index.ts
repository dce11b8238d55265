// The enrollment proxy point (ConfigMgr 2012 mobile device enrollment). What is public:
//   - "An enrollment proxy point is a site system role that manages enrollment requests from mobile
//     devices"; it works with an enrollment point, which issues the device's PKI certificate
//     (Get-CMEnrollmentProxyPoint / Add-CMEnrollmentProxyPoint, learn.microsoft.com/powershell/module/
//     configurationmanager/get-cmenrollmentproxypoint; the cmdlet takes the website and a port, 443 by
//     default).
//   - Seed 000 ("Considerations for client communications from the Internet or untrusted forest"): at a
//     primary site it supports client connections from the internet (ROLE-UNTRUSTED).
//   - Windows devices discover and enroll over HTTPS at `/EnrollmentServer/Discovery.svc` ([MS-MDE2]
//     §3.1, "The path portion of the URL '/EnrollmentServer/Discovery.svc' is always constant"; the
//     on-premises flow starts with a plain GET answered 200 — learn.microsoft.com/windows/client-management/
//     on-premise-authentication-device-enrollment).
// Which URL space the ConfigMgr role itself serves is not public: the lab gives it the MDE2 discovery
// endpoint [INFER], which is enough for what the lab checks — that an internet client's request reaches
// the role through the published path and is answered there (the role's journal). It enrolls nothing.
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { methodNotAllowed, notFound, splitTarget } from '../shared/iis.js';

import { ENROLLMENT_DISCOVERY_PATH } from '../../http/enrollment.js';

export { ENROLLMENT_DISCOVERY_PATH };

export function enrollmentProxyPoint(): SiteHandler {
  return (request: SiteRequest): SiteResponse => {
    if (splitTarget(request.target).path.toLowerCase() !== ENROLLMENT_DISCOVERY_PATH.toLowerCase()) return notFound();
    // MDE2 on-premises discovery: the device first GETs the endpoint (200, empty), then POSTs Discover.
    if (request.method === 'GET' || request.method === 'HEAD') return { status: 200, headers: [['Content-Type', 'text/html']], body: '' };
    if (request.method !== 'POST') return methodNotAllowed(['GET', 'HEAD', 'POST']);
    return {
      status: 200,
      headers: [['Content-Type', 'application/soap+xml; charset=utf-8']],
      body:
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>' +
        '<DiscoverResponse xmlns="http://schemas.microsoft.com/windows/management/2012/01/enrollment"><DiscoverResult>' +
        '<AuthPolicy>OnPremise</AuthPolicy></DiscoverResult></DiscoverResponse></s:Body></s:Envelope>',
    };
  };
}
