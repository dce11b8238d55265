/**
 * Certificate variants: the ways an IBCM certificate goes wrong in the field (research W:46–50,
 * W:61–62), as changes to a profile certificate's issue options. Pure data (no crypto), relative
 * to the lab clock, so expiry needs no sleeping. `revoke` asks the caller to revoke the
 * certificate right after issuing it — before any site system or proxy reads the CRL.
 */
import { CERTIFICATE_PROFILES, EKU } from '../../certs/profiles.js';
import type { CertificateProfileName, IssueOptions } from './types.js';

export const CERTIFICATE_VARIANTS = [
  'valid',
  'revoked',
  'revoked-issuer',
  'expired',
  'not-yet-valid',
  'wrong-eku',
  'missing-internet-fqdn',
  'untrusted',
] as const;
export type CertificateVariant = (typeof CERTIFICATE_VARIANTS)[number];

/** What each variant stands for, in the words a report uses. */
export const CERTIFICATE_VARIANT_TEXT: Readonly<Record<CertificateVariant, string>> = {
  valid: 'a valid certificate',
  revoked: 'a certificate on the CRL',
  'revoked-issuer': "a certificate whose issuing CA is on the root CA's CRL",
  expired: 'an expired certificate',
  'not-yet-valid': 'a certificate that is not valid yet',
  'wrong-eku': 'a certificate without the needed extended key usage',
  'missing-internet-fqdn': 'a server certificate whose subject and SAN carry only intranet names',
  untrusted: 'a certificate from a root nobody in the lab trusts',
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface VariantIssue {
  options: IssueOptions;
  /** Revoke right after issuing (the `revoked` variant). */
  revoke: boolean;
}

export function isServerProfile(profile: CertificateProfileName): boolean {
  return CERTIFICATE_PROFILES[profile].extKeyUsages.includes(EKU.serverAuth);
}

/**
 * The issue options of `variant` of a certificate otherwise issued with `base`.
 * `intranetNames` are what a `missing-internet-fqdn` server certificate carries instead.
 */
export function variantIssueOptions(
  variant: CertificateVariant,
  profile: CertificateProfileName,
  base: IssueOptions,
  ctx: { clock: Date; intranetNames?: string[] },
): VariantIssue {
  const clock = ctx.clock.getTime();
  switch (variant) {
    case 'valid':
      return { options: base, revoke: false };
    case 'revoked':
      return { options: base, revoke: true };
    case 'revoked-issuer':
      // Its own serial is on no CRL; its issuing CA's is on the root's (the lab's revoked issuing CA).
      return { options: { ...base, issuer: 'revoked-issuing' }, revoke: false };
    case 'expired':
      return { options: { ...base, notBefore: new Date(clock - 30 * DAY), notAfter: new Date(clock - DAY) }, revoke: false };
    case 'not-yet-valid':
      return { options: { ...base, notBefore: new Date(clock + DAY), notAfter: new Date(clock + 365 * DAY) }, revoke: false };
    case 'wrong-eku':
      // A server certificate made from a client template, and the reverse (W:46–47).
      return { options: { ...base, extKeyUsages: [isServerProfile(profile) ? EKU.clientAuth : EKU.serverAuth] }, revoke: false };
    case 'missing-internet-fqdn': {
      if (!isServerProfile(profile)) throw new Error(`variant missing-internet-fqdn applies to server certificates, not ${profile}`);
      const names = ctx.intranetNames ?? [];
      if (names.length === 0) throw new Error('variant missing-internet-fqdn needs the intranet names the certificate carries instead');
      return { options: { ...base, subjectCn: names[0], dnsNames: [...names] }, revoke: false };
    }
    case 'untrusted':
      return { options: { ...base, issuer: 'untrusted' }, revoke: false };
  }
}
