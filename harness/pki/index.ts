/**
 * Lab PKI: root CA → issuing CA, IBCM profile certificates, signed CRLs for the CDP host.
 */
export { LabPki, type LabPkiOptions, type Pkcs12Export, type SecondaryPki, type UntrustedPki } from './lab-pki.js';
export type { CertificateProfileName, IssueOptions, IssuedCertificate, IssuerChoice, PublishedCrl, RevocationReason } from './types.js';
export { CERTIFICATE_PROFILES, CERTIFICATE_PROFILE_NAMES, EKU, type CertificateProfile, type KeyUsageName } from '../../certs/profiles.js';
export { normalizeSerialNumber } from './crypto.js';
/**
 * @peculiar/x509 namespace with the Reflect polyfill and Node's WebCrypto
 * provider already installed — import it from here rather than from
 * '@peculiar/x509' directly (which throws "tsyringe requires a reflect
 * polyfill" unless something loaded a polyfill first).
 */
export { x509 } from './crypto.js';
export {
  CERTIFICATE_VARIANTS,
  CERTIFICATE_VARIANT_TEXT,
  isServerProfile,
  variantIssueOptions,
  type CertificateVariant,
  type VariantIssue,
} from './variants.js';
export { pkcs12Der, type Pkcs12Input } from './pkcs12.js';
