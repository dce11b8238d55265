/**
 * Turns an IBCM certificate profile plus per-issue overrides into the leaf
 * certificate's subject, validity and extensions, and issues it.
 */
import { CERTIFICATE_PROFILES, EKU, type CertificateProfile, type KeyUsageName } from '../../certs/profiles.js';
import type { CertificateAuthority } from './authority.js';
import { generateRsaKeyPair, joinPem, privateKeyPem, serialNumberFor, x509 } from './crypto.js';
import { assertFileStem, type PkiStore } from './store.js';
import type { CertificateProfileName, IssueOptions, IssuedCertificate, IssuerChoice } from './types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const KEY_USAGE_FLAGS: Record<KeyUsageName, x509.KeyUsageFlags> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
};

export interface LeafRequest {
  profile: CertificateProfile;
  subjectCn: string;
  dnsNames: string[];
  notBefore: Date;
  notAfter: Date;
  extKeyUsages: string[];
  crlUrls: string[];
}

export function getProfile(name: CertificateProfileName): CertificateProfile {
  const profile = (CERTIFICATE_PROFILES as Record<string, CertificateProfile | undefined>)[name];
  if (!profile)
    throw new Error(`unknown certificate profile ${JSON.stringify(name)}; known: ${Object.keys(CERTIFICATE_PROFILES).join(', ')}`);
  return profile;
}

function resolveEku(value: string): string {
  if (value === 'serverAuth' || value === 'clientAuth') return EKU[value];
  if (!/^\d+(\.\d+)+$/.test(value)) throw new Error(`invalid EKU ${JSON.stringify(value)}: expected an OID or serverAuth/clientAuth`);
  return value;
}

/** Applies defaults and overrides; pure (no crypto). */
export function resolveLeafRequest(
  profileName: CertificateProfileName,
  options: IssueOptions,
  ctx: { clock: Date; defaultCrlUrl: string },
): LeafRequest {
  const profile = getProfile(profileName);
  const dnsNames = options.dnsNames ?? (options.subjectCn !== undefined ? [options.subjectCn] : []);
  const subjectCn = options.subjectCn ?? dnsNames[0];
  if (!subjectCn) {
    throw new Error(`profile ${profileName}: give subjectCn or dnsNames (${profile.dnsNameRoles.join(', ')})`);
  }
  const notBefore = options.notBefore ?? new Date(ctx.clock.getTime() - HOUR);
  const notAfter = options.notAfter ?? new Date(ctx.clock.getTime() + profile.validityDays * DAY);
  if (options.omitCdp && options.cdpUrls) throw new Error('omitCdp and cdpUrls are mutually exclusive');
  return {
    profile,
    subjectCn,
    dnsNames: [...dnsNames],
    notBefore,
    notAfter,
    extKeyUsages: (options.extKeyUsages ?? [...profile.extKeyUsages]).map(resolveEku),
    crlUrls: options.omitCdp ? [] : [...(options.cdpUrls ?? [ctx.defaultCrlUrl])],
  };
}

export async function buildLeafExtensions(
  req: LeafRequest,
  publicKey: CryptoKeyLike,
  issuer: CertificateAuthority,
): Promise<x509.Extension[]> {
  const keyUsage = req.profile.keyUsages.reduce((flags, ku) => flags | KEY_USAGE_FLAGS[ku], 0);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsage, true),
  ];
  if (req.extKeyUsages.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(req.extKeyUsages, false));
  if (req.dnsNames.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(req.dnsNames.map((value) => ({ type: 'dns' as const, value }))));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
  extensions.push(new x509.AuthorityKeyIdentifierExtension(issuer.keyId));
  if (req.crlUrls.length > 0) extensions.push(new x509.CRLDistributionPointsExtension(req.crlUrls));
  return extensions;
}

type CryptoKeyLike = Parameters<typeof x509.SubjectKeyIdentifierExtension.create>[0];

/**
 * Issues one leaf from `issuer`: new RSA 2048 key, random serial, files
 * certs/<name>.pem, certs/<name>-chain.pem, keys/<name>.key (0600).
 */
export async function issueLeaf(params: {
  profileName: CertificateProfileName;
  options: IssueOptions;
  issuer: CertificateAuthority;
  issuedBy: IssuerChoice;
  store: PkiStore;
  clock: Date;
  /** Appliance mode: derive the serial from this seed and the name (crypto.ts serialNumberFor). */
  serialSeed?: string;
}): Promise<IssuedCertificate> {
  const { options, issuer, store } = params;
  assertFileStem(options.name);
  const req = resolveLeafRequest(params.profileName, options, { clock: params.clock, defaultCrlUrl: issuer.crlUrl });
  const keys = await generateRsaKeyPair();
  const serialNumber = serialNumberFor(params.serialSeed, options.name);
  const cert = await issuer.signCertificate({
    serialNumber,
    subject: [{ CN: [req.subjectCn] }],
    publicKey: keys.publicKey,
    notBefore: req.notBefore,
    notAfter: req.notAfter,
    extensions: await buildLeafExtensions(req, keys.publicKey, issuer),
  });
  const certPem = joinPem(cert.toString('pem'));
  const keyPem = await privateKeyPem(keys.privateKey);
  const chainPem = joinPem(certPem, issuer.certPem);
  const certPath = store.certPath(options.name);
  const keyPath = store.keyPath(options.name);
  const chainPath = store.chainPath(options.name);
  await Promise.all([store.writePublic(certPath, certPem), store.writePublic(chainPath, chainPem), store.writeSecret(keyPath, keyPem)]);
  return {
    name: options.name,
    profile: params.profileName,
    issuedBy: params.issuedBy,
    issuer: { subject: issuer.cert.subject, serialNumber: issuer.serialNumber },
    certPem,
    keyPem,
    chainPem,
    serialNumber,
    subject: cert.subject,
    dnsNames: req.dnsNames,
    // X.509 times have second precision; report what the certificate says.
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    crlUrls: req.crlUrls,
    certPath,
    keyPath,
    chainPath,
  };
}
