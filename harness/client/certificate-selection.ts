// Which PKI client certificate the client uses when its Personal store holds several (research
// W:49, from "Plan for PKI certificates": the selection criteria, applied in order):
//   1. it chains to a root in the certificate issuers list (CCMCERTISSUERS), if the client has one —
//      no match here ends the selection;
//   2. it is in the Personal store (the profile's store is that store);
//   3. it is valid now and its private key is there (revocation: the client cannot know its own
//      certificate's status without the CRL, so a revoked certificate may still be chosen — the
//      site side must refuse it, PKI-CRL-CLIENT-REVOKED);
//   4. it is capable of client authentication (EKU 1.3.6.1.5.5.7.3.2, or no EKU: any purpose);
//   5. its subject or SAN contains the computer name;
//   6. of what is left, the longest validity period.
// With no certificate left, HTTPS to the site fails and the client reports it to the FSP (W:49).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { ClientCertificate } from './profile.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export interface SelectionCriteria {
  computerName: string;
  /** CCMCERTISSUERS: root subjects, "|"-separated ("CN=IBCM Lab Root CA, O=IBCM Lab"). */
  certificateIssuers?: string;
  now?: Date;
}

/** Why a certificate was or was not chosen — part of the evidence. */
export interface ConsideredCertificate {
  subject: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  verdict: 'selected' | 'candidate' | 'rejected';
  reason: string;
}

export interface CertificateSelection {
  selected: ClientCertificate | null;
  considered: ConsideredCertificate[];
  /** Why nothing was selected (absent when a certificate was). */
  failure?: string;
}

/** DN text normalised for comparison: case, spaces around separators, "," vs "/" vs "\n". */
function normalizeDn(dn: string): string {
  return dn
    .split(/\s*[,\n/]\s*/)
    .filter(Boolean)
    .map((part) =>
      part
        .replace(/\s*=\s*/, '=')
        .trim()
        .toLowerCase(),
    )
    .sort()
    .join(',');
}

interface Parsed {
  certificate: ClientCertificate;
  leaf: X509Certificate;
  chain: X509Certificate[];
}

// Parsed certificates and key checks by content: every client of a lab selects among the same few
// certificates, and parsing them (and proving the key) for each new client was a measurable share of a run.
const parsedByPem = new Map<string, { leaf: X509Certificate; chain: X509Certificate[] }>();
const usableKeyByPem = new Map<string, boolean>();
const CACHE_LIMIT = 500;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

function parse(certificate: ClientCertificate): Parsed | string {
  const key = `${certificate.certPem}\u0000${certificate.chainPem}`;
  const cached = parsedByPem.get(key);
  if (cached) return { certificate, ...cached };
  try {
    const blocks = certificate.chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const leaf = new X509Certificate(certificate.certPem);
    return { certificate, ...remember(parsedByPem, key, { leaf, chain: blocks.map((pem) => new X509Certificate(pem)) }) };
  } catch (error) {
    return `not a certificate: ${(error as Error).message}`;
  }
}

/** The subject of the root the leaf's chain ends at: the issuer of the chain's last certificate. */
function rootSubjectOf(parsed: Parsed): string {
  const last = parsed.chain.at(-1) ?? parsed.leaf;
  return last.issuer;
}

function hasUsableKey(parsed: Parsed): boolean {
  const key = `${parsed.certificate.certPem}\u0000${parsed.certificate.keyPem}`;
  const cached = usableKeyByPem.get(key);
  if (cached !== undefined) return cached;
  let usable: boolean;
  try {
    usable = parsed.leaf.checkPrivateKey(createPrivateKey(parsed.certificate.keyPem));
  } catch {
    usable = false;
  }
  return remember(usableKeyByPem, key, usable);
}

function validity(parsed: Parsed): { from: number; to: number } {
  return { from: new Date(parsed.leaf.validFrom).getTime(), to: new Date(parsed.leaf.validTo).getTime() };
}

export function selectClientCertificate(store: readonly ClientCertificate[], criteria: SelectionCriteria): CertificateSelection {
  const now = (criteria.now ?? new Date()).getTime();
  const considered: ConsideredCertificate[] = [];
  const issuers = criteria.certificateIssuers
    ?.split('|')
    .map((issuer) => issuer.trim())
    .filter(Boolean)
    .map(normalizeDn);
  const candidates: Parsed[] = [];
  for (const certificate of store) {
    const parsed = parse(certificate);
    if (typeof parsed === 'string') {
      considered.push({ subject: '?', serialNumber: '?', notBefore: '?', notAfter: '?', verdict: 'rejected', reason: parsed });
      continue;
    }
    const { from, to } = validity(parsed);
    const fact = {
      subject: parsed.leaf.subject.replace(/\n/g, ', '),
      serialNumber: parsed.leaf.serialNumber,
      notBefore: new Date(from).toISOString(),
      notAfter: new Date(to).toISOString(),
    };
    const reject = (reason: string) => considered.push({ ...fact, verdict: 'rejected', reason });
    const eku = parsed.leaf.keyUsage;
    const names = `${parsed.leaf.subject} ${parsed.leaf.subjectAltName ?? ''}`.toLowerCase();
    if (issuers && !issuers.includes(normalizeDn(rootSubjectOf(parsed))))
      reject(`(1) its root ${rootSubjectOf(parsed)} is not in the certificate issuers list`);
    else if (now < from) reject('(3) not valid yet');
    else if (now > to) reject('(3) expired');
    else if (!hasUsableKey(parsed)) reject('(3) its private key is missing or does not match');
    else if (eku !== undefined && !eku.includes(CLIENT_AUTH)) reject(`(4) no client authentication EKU (has ${eku.join(', ') || 'none'})`);
    else if (!names.includes(criteria.computerName.toLowerCase()))
      reject(`(5) its subject and SAN do not contain the computer name ${criteria.computerName}`);
    else {
      considered.push({ ...fact, verdict: 'candidate', reason: 'meets criteria 1–5' });
      candidates.push(parsed);
    }
  }
  if (candidates.length === 0) {
    const failure =
      store.length === 0
        ? 'the Personal store holds no certificate'
        : `no certificate meets the selection criteria (${considered.map((item) => `${item.subject}: ${item.reason}`).join('; ')})`;
    return { selected: null, considered, failure };
  }
  const length = (parsed: Parsed) => validity(parsed).to - validity(parsed).from;
  // (6) longest validity period; a tie goes to the one valid longest from now, then store order.
  const best = candidates.reduce((winner, next) =>
    length(next) > length(winner) || (length(next) === length(winner) && validity(next).to > validity(winner).to) ? next : winner,
  );
  const chosen = considered.find((item) => item.serialNumber === best.leaf.serialNumber && item.verdict === 'candidate')!;
  chosen.verdict = 'selected';
  chosen.reason =
    candidates.length > 1 ? `(6) the longest validity of ${candidates.length} candidates` : 'the only certificate meeting criteria 1–5';
  return { selected: best.certificate, considered };
}
