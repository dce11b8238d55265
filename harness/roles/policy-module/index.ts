// The Configuration Manager Policy Module: ConfigMgr's plug-in of the Network Device Enrollment Service
// (NDES) that makes certificate profiles possible. What is public:
//   - "System Center 2012 R2 Configuration Manager provides a policy module that is required to deploy
//     certificate profiles"; with it NDES verifies that a SCEP request is for the user or device and the
//     purpose it was issued for ("Using a Policy Module with the Network Device Enrollment Service",
//     Windows Server 2012 R2, learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/dn473016(v=ws.11)).
//   - The NDES policy-module interface decides whether to issue a challenge and verifies each request
//     before it reaches the CA (INDESPolicy::GenerateChallenge / VerifyRequest,
//     learn.microsoft.com/windows/win32/api/certpol/nn-certpol-indespolicy).
//   - Devices speak SCEP to NDES (RFC 8894: `GET …?operation=GetCACaps`, `GetCACert`, `PKIOperation`); NDES
//     serves it at `/certsrv/mscep/mscep.dll` (the AD CS NDES application).
//   - Seed 000: at a primary site the Policy Module supports client connections from the internet.
// The lab's role answers the SCEP discovery operations (GetCACaps, GetCACert when it is given the CA) and
// refuses every PKIOperation — the policy module verifies requests against challenges the lab never
// issues — which is all a check of the published path needs: the request arrived and was answered there.
import type { SiteHandler, SiteRequest, SiteResponse } from '../../http/index.js';
import { methodNotAllowed, notFound, splitTarget } from '../shared/iis.js';

import { SCEP_PATH } from '../../http/enrollment.js';

export { SCEP_PATH };

/** RFC 8894 §3.5.2 capabilities, one per line. */
export const SCEP_CAPABILITIES = ['POSTPKIOperation', 'SHA-256', 'AES', 'SCEPStandard'];

export interface PolicyModuleOptions {
  /** The issuing CA's certificate (DER) for GetCACert; absent: GetCACert is answered 404. */
  caCertificateDer?: Buffer;
}

export function policyModule(options: PolicyModuleOptions = {}): SiteHandler {
  return (request: SiteRequest): SiteResponse => {
    const { path, query } = splitTarget(request.target);
    const lower = path.toLowerCase();
    if (lower !== SCEP_PATH && lower !== `${SCEP_PATH}/pkiclient.exe`) return notFound();
    const operation = new URLSearchParams(query ?? '').get('operation') ?? '';
    if (request.method !== 'GET' && request.method !== 'POST') return methodNotAllowed(['GET', 'POST']);
    if (operation === 'GetCACaps')
      return { status: 200, headers: [['Content-Type', 'text/plain']], body: `${SCEP_CAPABILITIES.join('\n')}\n` };
    if (operation === 'GetCACert')
      return options.caCertificateDer
        ? { status: 200, headers: [['Content-Type', 'application/x-x509-ca-cert']], body: options.caCertificateDer }
        : notFound();
    if (operation === 'PKIOperation')
      // The policy module verifies every request against a challenge it issued (INDESPolicy::VerifyRequest); the lab issues none.
      return {
        status: 403,
        headers: [['Content-Type', 'text/plain']],
        body: 'The Configuration Manager Policy Module refused the request: no valid challenge.\n',
      };
    return { status: 400, headers: [['Content-Type', 'text/plain']], body: `unknown SCEP operation "${operation}"\n` };
  };
}
