/**
 * Server side of NTLM over HTTP for the lab's site servers, behaving like IIS
 * Windows Authentication (providers Negotiate + NTLM, authPersistSingleRequest=false):
 *
 *   no Authorization            → 401, WWW-Authenticate: Negotiate / WWW-Authenticate: NTLM
 *   NTLM|Negotiate <type 1>     → 401, WWW-Authenticate: <same scheme> <type 2>
 *   NTLM|Negotiate <type 3>     → verified against the lab accounts → authenticated
 *   later requests, no header   → still authenticated (the connection is)
 *
 * The server challenge lives in `request.connection.state`, i.e. it belongs to
 * the TCP/TLS connection and nothing else. That is the point of the exercise
 * (research items 23, 24, 60 PX-NTLM): a proxy that sends the type 3 on a
 * different upstream connection than the type 1 fails here exactly as on IIS,
 * and a proxy that shares an authenticated upstream connection between clients
 * shows up as one client riding on another's identity.
 *
 * Not modelled: Kerberos / SPNEGO-wrapped tokens (answered with a 401 naming
 * that), MIC and channel-binding verification, session security (signing/sealing).
 */
import { randomBytes } from 'node:crypto';
import type { SiteRequest, SiteResponse } from '../http/index.js';
import {
  AvId,
  LAB_SERVER_VERSION,
  NtlmError,
  NtlmFlags,
  avName,
  decodeAuthenticate,
  decodeBase64Token,
  decodeNegotiate,
  encodeAvPairs,
  encodeChallenge,
  messageType,
  ntlmScheme,
  splitAuthHeader,
  toHeaderValue,
  type NtlmScheme,
} from './messages.js';
import { fileTime, ntowfv2, verifyNtlmv2Response, windowsUpper } from './ntlmv2.js';

export interface NtlmAccount {
  domain: string;
  user: string;
  password: string;
}

export type NtlmOutcome =
  | { kind: 'authenticated'; account: NtlmAccount; connectionId: number }
  /** 401 with WWW-Authenticate, or 401/400 on failure; always carries X-IBCM-Lab-Reason. */
  | { kind: 'respond'; response: SiteResponse; reason: string };

export interface NtlmServerOptions {
  /** NetBIOS domain sent as TargetName / MsvAvNbDomainName, e.g. 'CORP'. Default: the first account's domain, upper-cased. */
  targetName?: string;
  /** NetBIOS computer name sent as MsvAvNbComputerName. Default 'IBCM-MP'. */
  serverName?: string;
}

export const AFFINITY_BROKEN_REASON = 'NTLM Authenticate message on a connection that saw no challenge (connection affinity broken)';

/** Key in SiteRequest.connection.state. */
export const NTLM_STATE_KEY = 'ibcm-lab.ntlm';

interface ConnectionNtlmState {
  /** Set by a type 1, consumed by the next type 3 (success or not): a challenge is single-use, like on Windows. */
  challenge: { serverChallenge: Buffer; scheme: NtlmScheme } | null;
  /** The identity this connection authenticated as. */
  account: NtlmAccount | null;
}

function stateOf(request: SiteRequest): ConnectionNtlmState {
  let state = request.connection.state.get(NTLM_STATE_KEY) as ConnectionNtlmState | undefined;
  if (!state) {
    state = { challenge: null, account: null };
    request.connection.state.set(NTLM_STATE_KEY, state);
  }
  return state;
}

/** Reasons quote user-supplied names; a CR/LF or non-latin1 character must not break (or inject into) the header. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

function refusal(status: 400 | 401, reason: string, wwwAuthenticate: string[]): NtlmOutcome {
  const headers: [string, string][] = wwwAuthenticate.map((value) => ['WWW-Authenticate', value]);
  headers.push(['Content-Type', 'text/plain; charset=utf-8'], ['X-IBCM-Lab-Reason', headerSafe(reason)]);
  const text = status === 401 ? '401 Unauthorized' : '400 Bad Request';
  return { kind: 'respond', reason, response: { status, headers, body: `${text}: ${reason}\r\n` } };
}

/** IIS offers both providers as separate header fields, Negotiate first. */
const OFFER = ['Negotiate', 'NTLM'];
const offer = (reason: string): NtlmOutcome => refusal(401, reason, OFFER);
const badRequest = (reason: string): NtlmOutcome => refusal(400, reason, []);

/**
 * CHALLENGE flags: what the lab supports, intersected with what the client asked for.
 * KEY_EXCH/SIGN/SEAL are granted when asked (as Windows does) even though HTTP auth never uses the session key.
 */
function challengeFlags(requested: number): number {
  const F = NtlmFlags;
  let flags = F.NEGOTIATE_NTLM | F.NEGOTIATE_ALWAYS_SIGN | F.NEGOTIATE_TARGET_INFO | F.TARGET_TYPE_DOMAIN;
  flags |= requested & F.NEGOTIATE_UNICODE ? F.NEGOTIATE_UNICODE : F.NEGOTIATE_OEM;
  const echoed =
    F.REQUEST_TARGET |
    F.NEGOTIATE_EXTENDED_SESSIONSECURITY |
    F.NEGOTIATE_128 |
    F.NEGOTIATE_56 |
    F.NEGOTIATE_KEY_EXCH |
    F.NEGOTIATE_SIGN |
    F.NEGOTIATE_SEAL |
    F.NEGOTIATE_VERSION;
  flags |= requested & echoed;
  return flags >>> 0;
}

function issueChallenge(request: SiteRequest, token: Buffer, scheme: NtlmScheme, targetName: string, serverName: string): NtlmOutcome {
  const state = stateOf(request);
  const negotiate = decodeNegotiate(token);
  const flags = challengeFlags(negotiate.flags);
  const serverChallenge = randomBytes(8);
  const targetInfo = encodeAvPairs([
    avName(AvId.MsvAvNbDomainName, targetName),
    avName(AvId.MsvAvNbComputerName, serverName),
    // Its presence tells NTLMv2 clients to use the server's time and to send Z(24) as the LM response.
    { id: AvId.MsvAvTimestamp, value: fileTime() },
  ]);
  const challenge = encodeChallenge({
    flags,
    targetName,
    serverChallenge,
    targetInfo,
    ...(flags & NtlmFlags.NEGOTIATE_VERSION ? { version: LAB_SERVER_VERSION } : {}),
  });
  state.account = null; // a new handshake replaces whatever this connection was before
  state.challenge = { serverChallenge, scheme };
  return refusal(401, `NTLM challenge issued on connection ${request.connection.id}`, [toHeaderValue(challenge, scheme)]);
}

function verifyAuthenticate(request: SiteRequest, token: Buffer, accounts: readonly NtlmAccount[], targetName: string): NtlmOutcome {
  const state = stateOf(request);
  const pending = state.challenge;
  state.challenge = null;
  state.account = null;
  if (!pending) return offer(AFFINITY_BROKEN_REASON);

  const message = decodeAuthenticate(token);
  const who = `${message.domain}\\${message.user}`;
  if (message.user === '' && message.ntChallengeResponse.length === 0) return offer('anonymous NTLM authentication is not accepted');
  if (message.ntChallengeResponse.length === 24) {
    return offer(`NTLMv1 response from ${who} refused: the lab accepts NTLMv2 only (LmCompatibilityLevel 5)`);
  }

  // An empty domain means "the server's own domain", as for a local account.
  const domain = message.domain === '' ? targetName : message.domain;
  const candidates = accounts.filter(
    (account) => windowsUpper(account.user) === windowsUpper(message.user) && windowsUpper(account.domain) === windowsUpper(domain),
  );
  if (candidates.length === 0) return offer(`no lab account ${who}`);

  for (const account of candidates) {
    // The client keyed NTOWFv2 with the names as it typed them; only the user is case-folded.
    const verification = verifyNtlmv2Response({
      responseKeyNT: ntowfv2(account.password, message.user, message.domain),
      serverChallenge: pending.serverChallenge,
      ntChallengeResponse: message.ntChallengeResponse,
    });
    if (verification.ok) {
      state.account = account;
      return { kind: 'authenticated', account, connectionId: request.connection.id };
    }
    if (verification.reason === 'malformed') return offer(`${verification.detail} (from ${who})`);
  }
  return offer(`NTLMv2 response does not verify for ${who}`);
}

export function ntlmAuthenticate(request: SiteRequest, accounts: NtlmAccount[], options: NtlmServerOptions = {}): NtlmOutcome {
  const targetName = options.targetName ?? accounts[0]?.domain.toUpperCase() ?? 'WORKGROUP';
  const serverName = options.serverName ?? 'IBCM-MP';
  const state = stateOf(request);

  const authorizations = request.headers.filter((field) => field.name.toLowerCase() === 'authorization');
  if (authorizations.length === 0) {
    if (state.account) return { kind: 'authenticated', account: state.account, connectionId: request.connection.id };
    return offer('no Authorization header');
  }
  if (authorizations.length > 1) return badRequest('more than one Authorization header');

  const value = authorizations[0].value;
  const parts = splitAuthHeader(value);
  const scheme = parts ? ntlmScheme(parts.scheme) : null;
  if (!parts || !scheme) return offer(`Authorization scheme '${value.split(/\s/, 1)[0]}' is neither NTLM nor Negotiate`);
  if (parts.token === undefined) return offer(`${scheme} Authorization header without a token`);

  try {
    const token = decodeBase64Token(parts.token);
    // 0x60 starts an SPNEGO / Kerberos GSS token ([RFC 4178]); Windows sends raw NTLMSSP under Negotiate only without Kerberos.
    if (scheme === 'Negotiate' && token[0] === 0x60) {
      return offer('Negotiate token is SPNEGO/Kerberos; the lab accepts raw NTLMSSP tokens only');
    }
    switch (messageType(token)) {
      case 1:
        return issueChallenge(request, token, scheme, targetName, serverName);
      case 2:
        state.challenge = null;
        return badRequest('client sent an NTLM CHALLENGE (type 2) message');
      case 3:
        return verifyAuthenticate(request, token, accounts, targetName);
    }
  } catch (error) {
    if (!(error instanceof NtlmError)) throw error;
    // A broken message also ends the handshake in progress: the client must start over with a type 1.
    state.challenge = null;
    return badRequest(`malformed ${scheme} token: ${error.message}`);
  }
}
