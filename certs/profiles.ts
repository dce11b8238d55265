/**
 * IBCM certificate profiles — the lab's typed "certificate template" table.
 *
 * Every entry paraphrases the requirement it implements from the Microsoft doc
 * "PKI certificate requirements for Configuration Manager"
 * (https://learn.microsoft.com/en-us/mem/configmgr/core/plan-design/network/pki-certificate-requirements).
 * The wording in the comments is a paraphrase, not a quotation.
 *
 * This module is pure data (no crypto imports) so suites, reports and the
 * harness can all read it. `harness/pki/issue.ts` turns a profile plus
 * per-issue overrides into X.509 extensions.
 */

/** Extended key usage OIDs used by the IBCM profiles. */
export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Key usage bits that the profiles may set (names as in RFC 5280). */
export type KeyUsageName =
  'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';

export type CertificateProfileName =
  'site-system-web-server' | 'workstation-client' | 'bridging-proxy-server' | 'bridging-proxy-client' | 'site-system-client';

export interface CertificateProfile {
  readonly name: CertificateProfileName;
  /** What the certificate is for, in lab terms. */
  readonly purpose: string;
  /** Paraphrase of the Microsoft requirement this profile implements. */
  readonly requirement: string;
  /** EKU OIDs (the extension is always present for profile certificates). */
  readonly extKeyUsages: readonly string[];
  /** Key usage bits (the extension is marked critical). */
  readonly keyUsages: readonly KeyUsageName[];
  /**
   * What the SAN dNSName entries stand for, in order. The first entry is also
   * the default subject CN. Informational: `issue()` requires at least one
   * name (CN or dNSName) and otherwise takes what the caller passes.
   */
  readonly dnsNameRoles: readonly string[];
  /** Default validity, counted from the lab clock. */
  readonly validityDays: number;
  /** RSA modulus length; signature is always sha256WithRSAEncryption. */
  readonly keyBits: 2048;
}

export const CERTIFICATE_PROFILES: Readonly<Record<CertificateProfileName, CertificateProfile>> = {
  // Doc: "Site systems that have IIS installed" (management point, distribution
  // point, software update point, Application Catalog web service/website point):
  // web server certificate; EKU must contain Server Authentication
  // (1.3.6.1.5.5.7.3.1). When the site system accepts connections from the
  // internet, the subject name or SAN must contain the internet FQDN; when it
  // accepts connections from both intranet and internet, specify both the
  // intranet FQDN and the internet FQDN in the SAN. SHA-256 and 2048-bit RSA
  // keys are supported.
  'site-system-web-server': {
    name: 'site-system-web-server',
    purpose:
      'IIS web server certificate on an internet-facing site system (MP, DP, SUP, App Catalog; also the CDP/FSP names when served over HTTPS)',
    requirement:
      'EKU Server Authentication; SAN contains the internet FQDN and the intranet FQDN of the site system (subject CN = internet FQDN).',
    extKeyUsages: [EKU.serverAuth],
    keyUsages: ['digitalSignature', 'keyEncipherment'],
    dnsNameRoles: ['internet FQDN', 'intranet FQDN'],
    validityDays: 365,
    keyBits: 2048,
  },
  // Doc: "Client certificate for Windows computers": EKU must contain Client
  // Authentication (1.3.6.1.5.5.7.3.2); client computers must have a unique
  // value in the subject name or SAN field (the computer FQDN is the usual
  // choice, e.g. the Workstation Authentication template).
  'workstation-client': {
    name: 'workstation-client',
    purpose: 'client authentication certificate of an internet-based Windows client (Workstation Authentication template)',
    requirement: 'EKU Client Authentication; subject CN and SAN dNSName = the computer FQDN.',
    extKeyUsages: [EKU.clientAuth],
    keyUsages: ['digitalSignature', 'keyEncipherment'],
    dnsNameRoles: ['computer FQDN'],
    validityDays: 365,
    keyBits: 2048,
  },
  // Doc: "Proxy web servers for internet-based client management" (SSL
  // bridging): the proxy web server needs a web server certificate whose EKU
  // contains Server Authentication and whose subject name or SAN contains the
  // internet FQDN(s) of the site systems it publishes.
  'bridging-proxy-server': {
    name: 'bridging-proxy-server',
    purpose: 'web server certificate the SSL-bridging proxy presents to internet clients',
    requirement: 'EKU Server Authentication; SAN contains every internet FQDN the proxy publishes.',
    extKeyUsages: [EKU.serverAuth],
    keyUsages: ['digitalSignature', 'keyEncipherment'],
    dnsNameRoles: ['published internet FQDN (one entry per published site system)'],
    validityDays: 365,
    keyBits: 2048,
  },
  // Doc: same section: with SSL bridging the proxy terminates the client's
  // SSL session and opens a new one to the site system; because the site
  // system requires client certificates, the proxy must present a client
  // authentication certificate (EKU Client Authentication) on that upstream leg.
  'bridging-proxy-client': {
    name: 'bridging-proxy-client',
    purpose: 'client authentication certificate the SSL-bridging proxy presents on its upstream leg to the site system',
    requirement: 'EKU Client Authentication; subject CN = the proxy name.',
    extKeyUsages: [EKU.clientAuth],
    keyUsages: ['digitalSignature', 'keyEncipherment'],
    dnsNameRoles: ['proxy FQDN'],
    validityDays: 365,
    keyBits: 2048,
  },
  // Doc: "Client certificate for site system servers" — site systems such as
  // the management point need a client authentication certificate (EKU
  // Client Authentication) in the computer personal store; the management
  // point uses it for its own HTTPS status/control checks (MPControl.log,
  // requirement PKI-MPCONTROL in this lab).
  'site-system-client': {
    name: 'site-system-client',
    purpose: "site system's own client certificate, used by the management point control check (PKI-MPCONTROL)",
    requirement: 'EKU Client Authentication; subject CN = the site system FQDN.',
    extKeyUsages: [EKU.clientAuth],
    keyUsages: ['digitalSignature', 'keyEncipherment'],
    dnsNameRoles: ['site system intranet FQDN'],
    validityDays: 365,
    keyBits: 2048,
  },
};

export const CERTIFICATE_PROFILE_NAMES = Object.keys(CERTIFICATE_PROFILES) as CertificateProfileName[];
