/**
 * Client side of NTLM over HTTP, transport-agnostic: produce the
 * `Authorization` values and read the `WWW-Authenticate` ones; the caller
 * owns the connection — and must keep all legs on one connection, which is
 * exactly what the lab checks proxies for.
 */
import { randomBytes } from 'node:crypto';
import {
  AvId,
  NtlmError,
  NtlmFlags,
  decodeBase64Token,
  decodeChallenge,
  encodeAuthenticate,
  encodeNegotiate,
  findAvPair,
  messageType,
  ntlmScheme,
  splitAuthHeader,
  toHeaderValue,
  type ChallengeMessage,
  type NtlmScheme,
} from './messages.js';
import { computeNtlmv2Response, fileTime, ntowfv2 } from './ntlmv2.js';
import type { NtlmAccount } from './server.js';

/**
 * What the lab's client asks for: Unicode, NTLM with extended session security, 128/56-bit.
 * No KEY_EXCH, SIGN or SEAL: HTTP authentication never uses the session key, so the
 * client sends no EncryptedRandomSessionKey (and needs no RC4, which OpenSSL 3 lacks).
 */
export const CLIENT_NEGOTIATE_FLAGS =
  (NtlmFlags.NEGOTIATE_UNICODE |
    NtlmFlags.NEGOTIATE_OEM |
    NtlmFlags.REQUEST_TARGET |
    NtlmFlags.NEGOTIATE_NTLM |
    NtlmFlags.NEGOTIATE_ALWAYS_SIGN |
    NtlmFlags.NEGOTIATE_EXTENDED_SESSIONSECURITY |
    NtlmFlags.NEGOTIATE_128 |
    NtlmFlags.NEGOTIATE_56) >>>
  0;

/** `NTLM <base64 type 1>` (or under `Negotiate`, as Windows does when Kerberos is unavailable). */
export function createNegotiate(scheme: NtlmScheme = 'NTLM'): string {
  return toHeaderValue(encodeNegotiate({ flags: CLIENT_NEGOTIATE_FLAGS }), scheme);
}

export interface ParsedChallenge {
  scheme: NtlmScheme;
  message: ChallengeMessage;
}

/**
 * Find the CHALLENGE in a `WWW-Authenticate` header list (or one value, possibly comma-joined
 * by an HTTP library). Prefers `NTLM <b64>`; accepts `Negotiate <b64>` when it carries raw NTLMSSP.
 */
export function parseChallenge(wwwAuthenticate: string | readonly string[] | undefined): ParsedChallenge {
  const values = (typeof wwwAuthenticate === 'string' ? [wwwAuthenticate] : (wwwAuthenticate ?? []))
    .flatMap((value) => value.split(',')) // base64 never contains a comma
    .map((value) => splitAuthHeader(value))
    .filter((parts) => parts !== null && parts.token !== undefined);
  const candidates: { scheme: NtlmScheme; token: string }[] = [];
  for (const parts of values) {
    const scheme = ntlmScheme(parts!.scheme);
    if (scheme) candidates.push({ scheme, token: parts!.token! });
  }
  candidates.sort((a, b) => (a.scheme === 'NTLM' ? 0 : 1) - (b.scheme === 'NTLM' ? 0 : 1));
  for (const candidate of candidates) {
    let bytes: Buffer;
    try {
      bytes = decodeBase64Token(candidate.token);
      if (messageType(bytes) !== 2) continue;
    } catch {
      continue; // e.g. a Kerberos mutual-auth token under Negotiate: not ours to read
    }
    return { scheme: candidate.scheme, message: decodeChallenge(bytes) };
  }
  throw new NtlmError('no NTLM CHALLENGE in WWW-Authenticate');
}

export interface AuthenticateOptions {
  /** Default 'IBCM-CLIENT'. */
  workstation?: string;
  /** 8 bytes; default random. Fixed values make the output reproducible in tests. */
  clientChallenge?: Buffer;
  /** FILETIME, 8 bytes; default the challenge's MsvAvTimestamp, else the local clock. */
  timestamp?: Buffer;
}

/** `NTLM <base64 type 3>` answering the challenge, in the scheme the server used. */
export function createAuthenticate(
  challengeHeaderValue: string | readonly string[],
  account: NtlmAccount,
  options: AuthenticateOptions = {},
): string {
  const { scheme, message: challenge } = parseChallenge(challengeHeaderValue);
  return toHeaderValue(buildAuthenticate(challenge, account, options), scheme);
}

/** The AUTHENTICATE message bytes for a decoded CHALLENGE (NTLMv2 only). */
export function buildAuthenticate(challenge: ChallengeMessage, account: NtlmAccount, options: AuthenticateOptions = {}): Buffer {
  const serverTime = findAvPair(challenge.avPairs, AvId.MsvAvTimestamp);
  const timestamp = options.timestamp ?? (serverTime?.length === 8 ? serverTime : fileTime());
  const clientChallenge = options.clientChallenge ?? randomBytes(8);
  const response = computeNtlmv2Response({
    responseKeyNT: ntowfv2(account.password, account.user, account.domain),
    serverChallenge: challenge.serverChallenge,
    clientChallenge,
    timestamp,
    // The server's TargetInfo verbatim; a Windows client may add MsvAvFlags/channel bindings, the lab's does not.
    targetInfo: challenge.targetInfo,
  });

  let flags = (challenge.flags & CLIENT_NEGOTIATE_FLAGS) >>> 0;
  // Exactly one character set: Unicode if the server chose it, OEM otherwise.
  flags = flags & NtlmFlags.NEGOTIATE_UNICODE ? flags & ~NtlmFlags.NEGOTIATE_OEM : flags | NtlmFlags.NEGOTIATE_OEM;
  return encodeAuthenticate({
    flags: flags >>> 0,
    // [MS-NLMP] 3.1.5.1.2: with MsvAvTimestamp in the challenge the client sends Z(24) instead of LMv2.
    lmChallengeResponse: serverTime ? Buffer.alloc(24) : response.lmChallengeResponse,
    ntChallengeResponse: response.ntChallengeResponse,
    domain: account.domain,
    user: account.user,
    workstation: options.workstation ?? 'IBCM-CLIENT',
  });
}
