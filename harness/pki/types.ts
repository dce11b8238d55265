import type { CertificateProfileName } from '../../certs/profiles.js';

export type { CertificateProfileName } from '../../certs/profiles.js';

/**
 * Which CA signs a certificate: 'issuing' = the lab's trusted PKI; 'revoked-issuing' = a second
 * issuing CA under the same trusted root, which the root has revoked (its certificates chain to a
 * trusted root, and only a revocation check of the whole chain refuses them); 'untrusted' = a second
 * hierarchy nobody trusts; 'cloud' = a third one standing for the public CA behind a cloud
 * management gateway's server certificate (CMG-COEXIST) — trusted by clients that carry its root.
 */
export type IssuerChoice = 'issuing' | 'revoked-issuing' | 'untrusted' | 'cloud';

export type RevocationReason = 'keyCompromise' | 'unspecified';

export interface IssueOptions {
  /** File stem for certs/<name>.pem, certs/<name>-chain.pem, keys/<name>.key. Unique per hierarchy. */
  name: string;
  /** Subject CN. Default: the first dNSName. */
  subjectCn?: string;
  /**
   * SAN dNSName entries, in the order of the profile's `dnsNameRoles` (for
   * site-system-web-server: [internet FQDN, intranet FQDN]). Default: [subjectCn].
   * Pass `[]` explicitly to omit the SAN extension (CN-only certificate).
   */
  dnsNames?: string[];
  /** Default: lab clock − 1 h. */
  notBefore?: Date;
  /** Default: lab clock + the profile's validityDays. */
  notAfter?: Date;
  /** EKU OIDs replacing the profile's ("serverAuth"/"clientAuth" accepted too). `[]` omits the EKU extension. */
  extKeyUsages?: string[];
  /** 'issuing' (default) = the lab's trusted issuing CA; 'revoked-issuing' = the trusted root's second issuing CA, which the root has revoked; 'untrusted' = the second, untrusted hierarchy; 'cloud' = the CMG's public-CA stand-in. */
  issuer?: IssuerChoice;
  /** Leave the CRL Distribution Points extension out. */
  omitCdp?: boolean;
  /** Replace the CDP URL(s), e.g. with an ldap:// URL. */
  cdpUrls?: string[];
}

export interface IssuedCertificate {
  name: string;
  profile: CertificateProfileName;
  /** Which hierarchy signed it. */
  issuedBy: IssuerChoice;
  /** The issuing CA that signed it: its subject DN and serial (lower-case hex). */
  issuer: { subject: string; serialNumber: string };
  certPem: string;
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
  keyPem: string;
  /** Leaf + issuing CA (not the root) — what a TLS endpoint sends as `cert`. */
  chainPem: string;
  /**
   * Lower-case hex without separators or leading zeros. Node's
   * `X509Certificate.serialNumber` prints the same digits in UPPER case;
   * `revoke()` accepts either.
   */
  serialNumber: string;
  /** Subject DN as @peculiar/x509 prints it, e.g. "CN=mp.ibcm-lab.example". */
  subject: string;
  dnsNames: string[];
  notBefore: Date;
  notAfter: Date;
  /** CDP URLs in the certificate ([] when omitCdp). */
  crlUrls: string[];
  certPath: string;
  keyPath: string;
  chainPath: string;
}

export interface PublishedCrl {
  /** Issuer DN of the CRL, e.g. "CN=IBCM Lab Issuing CA, O=IBCM Lab". */
  issuer: string;
  /** Full CDP URL, e.g. "http://crl.ibcm-lab.example:20080/IBCM-Lab-Issuing-CA.crl". */
  url: string;
  /** URL path part, e.g. "/IBCM-Lab-Issuing-CA.crl" — what the CDP host serves. */
  path: string;
  der: Buffer;
  pem: string;
  thisUpdate: Date;
  nextUpdate: Date;
  /** CRL Number extension value (increments on every re-signing). */
  crlNumber: number;
  /** Lower-case serials listed on the CRL. */
  revokedSerials: string[];
  /** Where the DER file was written. */
  filePath: string;
}
