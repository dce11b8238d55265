// Public protocol paths of the enrollment roles, shared by the roles that serve them and the checks
// that request them (suites never import a role): MS-MDE2 discovery and SCEP (RFC 8894) as NDES serves it.

/** MS-MDE2 §3.1: the enrollment discovery service a device contacts first. */
export const ENROLLMENT_DISCOVERY_PATH = '/EnrollmentServer/Discovery.svc';

/** NDES's SCEP endpoint (RFC 8894 operations GetCACaps, GetCACert, PKIOperation). */
export const SCEP_PATH = '/certsrv/mscep/mscep.dll';
