/**
 * NTLMv2 cryptography, [MS-NLMP] 3.3.2:
 *
 *   NTOWFv2    = HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(Uppercase(user) + domain))
 *   temp       = 0x01 0x01 Z(6) timestamp(8) clientChallenge(8) Z(4) targetInfo Z(4)
 *   NTProofStr = HMAC-MD5(NTOWFv2, serverChallenge + temp)
 *   NtChallengeResponse = NTProofStr + temp
 *   LmChallengeResponse = HMAC-MD5(NTOWFv2, serverChallenge + clientChallenge) + clientChallenge
 *   SessionBaseKey      = HMAC-MD5(NTOWFv2, NTProofStr)
 *
 * MD4 comes from js-md4's pure-JS path because Node 20's OpenSSL 3 has MD4
 * only in the legacy provider; HMAC-MD5 is Node's.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import md4js from 'js-md4';

export function md4(data: Uint8Array): Buffer {
  // md4js(data) itself would call crypto.createHash('md4') and throw; arrayBuffer() is pure JS.
  return Buffer.from(md4js.arrayBuffer(data));
}

export function hmacMd5(key: Uint8Array, ...data: Uint8Array[]): Buffer {
  const hmac = createHmac('md5', key);
  for (const part of data) hmac.update(part);
  return hmac.digest();
}

/**
 * Windows upper-cases user names code unit by code unit (RtlUpcaseUnicodeString);
 * JS toUpperCase() can change the length ('ß' → 'SS'), which Windows never does.
 */
export function windowsUpper(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text[i]; // a UTF-16 code unit: a lone surrogate upper-cases to itself, as on Windows
    const upper = unit.toUpperCase();
    out += upper.length === 1 ? upper : unit;
  }
  return out;
}

/** NTOWFv1 = MD4(UTF-16LE(password)): the "NT hash". */
export function ntowfv1(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/** NTOWFv2 = ResponseKeyNT for NTLMv2. The domain keeps its case; only the user is upper-cased. */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(ntowfv1(password), Buffer.from(windowsUpper(user) + domain, 'utf16le'));
}

/** FILETIME (100 ns ticks since 1601-01-01 UTC) as 8 little-endian bytes, the format of MsvAvTimestamp. */
export function fileTime(date: Date = new Date()): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n);
  return out;
}

/** The NTLMv2 client blob ("temp" in the spec). targetInfo is the AV-pair list including its MsvAvEOL. */
export function ntlmv2Blob(timestamp: Buffer, clientChallenge: Buffer, targetInfo: Buffer): Buffer {
  if (timestamp.length !== 8) throw new RangeError('NTLMv2 timestamp must be 8 bytes');
  if (clientChallenge.length !== 8) throw new RangeError('NTLMv2 client challenge must be 8 bytes');
  return Buffer.concat([
    Buffer.from([0x01, 0x01, 0, 0, 0, 0, 0, 0]), // RespType, HiRespType, Reserved1, Reserved2
    timestamp,
    clientChallenge,
    Buffer.alloc(4), // Reserved3
    targetInfo,
    Buffer.alloc(4),
  ]);
}

export function ntProofStr(responseKeyNT: Buffer, serverChallenge: Buffer, blob: Buffer): Buffer {
  return hmacMd5(responseKeyNT, serverChallenge, blob);
}

export interface Ntlmv2Response {
  ntProofStr: Buffer;
  /** NTProofStr + blob: what goes in NtChallengeResponse. */
  ntChallengeResponse: Buffer;
  /** LMv2: HMAC-MD5(key, serverChallenge + clientChallenge) + clientChallenge. */
  lmChallengeResponse: Buffer;
  sessionBaseKey: Buffer;
}

/** Client side: compute both NTLMv2 responses for one challenge. */
export function computeNtlmv2Response(input: {
  responseKeyNT: Buffer;
  serverChallenge: Buffer;
  clientChallenge: Buffer;
  timestamp: Buffer;
  targetInfo: Buffer;
}): Ntlmv2Response {
  const blob = ntlmv2Blob(input.timestamp, input.clientChallenge, input.targetInfo);
  const proof = ntProofStr(input.responseKeyNT, input.serverChallenge, blob);
  return {
    ntProofStr: proof,
    ntChallengeResponse: Buffer.concat([proof, blob]),
    lmChallengeResponse: Buffer.concat([hmacMd5(input.responseKeyNT, input.serverChallenge, input.clientChallenge), input.clientChallenge]),
    sessionBaseKey: hmacMd5(input.responseKeyNT, proof),
  };
}

/** Equal-length compare that takes the same time wherever the first difference is. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** 16-byte NTProofStr + 28-byte fixed blob header + at least MsvAvEOL (4). */
export const MIN_NTLMV2_RESPONSE_BYTES = 16 + 28 + 4;

export type Ntlmv2Verification =
  | { ok: true; sessionBaseKey: Buffer; timestamp: Buffer; clientChallenge: Buffer }
  | { ok: false; reason: 'malformed' | 'mismatch'; detail: string };

/**
 * Server side: recompute NTProofStr over the blob the client sent and compare in constant time.
 * The blob itself is authenticated by the proof, so only its framing is checked here.
 */
export function verifyNtlmv2Response(input: {
  responseKeyNT: Buffer;
  serverChallenge: Buffer;
  ntChallengeResponse: Buffer;
}): Ntlmv2Verification {
  const response = input.ntChallengeResponse;
  if (response.length < MIN_NTLMV2_RESPONSE_BYTES) {
    return { ok: false, reason: 'malformed', detail: `NtChallengeResponse of ${response.length} bytes is not an NTLMv2 response` };
  }
  const blob = response.subarray(16);
  if (blob[0] !== 0x01 || blob[1] !== 0x01) {
    return { ok: false, reason: 'malformed', detail: `NTLMv2 blob has RespType ${blob[0]}/${blob[1]}, expected 1/1` };
  }
  const expected = ntProofStr(input.responseKeyNT, input.serverChallenge, blob);
  if (!constantTimeEqual(expected, response.subarray(0, 16))) {
    return { ok: false, reason: 'mismatch', detail: 'NTProofStr does not match' };
  }
  return {
    ok: true,
    sessionBaseKey: hmacMd5(input.responseKeyNT, expected),
    timestamp: Buffer.from(blob.subarray(8, 16)),
    clientChallenge: Buffer.from(blob.subarray(16, 24)),
  };
}
