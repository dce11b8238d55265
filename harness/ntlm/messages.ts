/**
 * [MS-NLMP] NTLMSSP messages: NEGOTIATE (type 1), CHALLENGE (type 2) and
 * AUTHENTICATE (type 3), plus the AV pairs of TargetInfo and the
 * `Authorization` / `WWW-Authenticate` header tokens that carry them.
 *
 * Decoding is strict because every byte comes from a peer under test (a
 * client, or a proxy that may have mangled the header): anything truncated,
 * out of bounds or simply not NTLMSSP throws NtlmError — never a RangeError
 * from a Buffer read — so the server can answer 400/401 and keep running.
 */
import { IbcmLabError } from '../errors.js';

/** Malformed or unusable NTLM input (bad base64, truncated message, wrong type, …). */
export class NtlmError extends IbcmLabError {
  constructor(message: string) {
    super(message, 'IBCM_NTLM');
  }
}

/** NegotiateFlags bits, [MS-NLMP] 2.2.2.5. */
export const NtlmFlags = Object.freeze({
  NEGOTIATE_UNICODE: 0x00000001,
  NEGOTIATE_OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  NEGOTIATE_SIGN: 0x00000010,
  NEGOTIATE_SEAL: 0x00000020,
  NEGOTIATE_LM_KEY: 0x00000080,
  NEGOTIATE_NTLM: 0x00000200,
  NEGOTIATE_ANONYMOUS: 0x00000800,
  NEGOTIATE_OEM_DOMAIN_SUPPLIED: 0x00001000,
  NEGOTIATE_OEM_WORKSTATION_SUPPLIED: 0x00002000,
  NEGOTIATE_ALWAYS_SIGN: 0x00008000,
  TARGET_TYPE_DOMAIN: 0x00010000,
  TARGET_TYPE_SERVER: 0x00020000,
  NEGOTIATE_EXTENDED_SESSIONSECURITY: 0x00080000,
  NEGOTIATE_IDENTIFY: 0x00100000,
  REQUEST_NON_NT_SESSION_KEY: 0x00400000,
  NEGOTIATE_TARGET_INFO: 0x00800000,
  NEGOTIATE_VERSION: 0x02000000,
  NEGOTIATE_128: 0x20000000,
  NEGOTIATE_KEY_EXCH: 0x40000000,
  NEGOTIATE_56: 0x80000000,
});

/** AvId values of AV_PAIR, [MS-NLMP] 2.2.2.1. */
export const AvId = Object.freeze({
  MsvAvEOL: 0,
  MsvAvNbComputerName: 1,
  MsvAvNbDomainName: 2,
  MsvAvDnsComputerName: 3,
  MsvAvDnsDomainName: 4,
  MsvAvDnsTreeName: 5,
  MsvAvFlags: 6,
  MsvAvTimestamp: 7,
  MsvAvSingleHost: 8,
  MsvAvTargetName: 9,
  MsvAvChannelBindings: 10,
});

export interface AvPair {
  id: number;
  value: Buffer;
}

/** VERSION structure (8 bytes); informational only, never used for security decisions. */
export interface NtlmVersion {
  major: number;
  minor: number;
  build: number;
  /** NTLMSSP_REVISION_W2K3 = 15. */
  revision: number;
}

export interface NegotiateMessage {
  type: 1;
  flags: number;
  /** OEM-encoded, usually empty. */
  domain: string;
  workstation: string;
  version: NtlmVersion | null;
}

export interface ChallengeMessage {
  type: 2;
  flags: number;
  targetName: string;
  serverChallenge: Buffer;
  /** TargetInfo exactly as on the wire: the NTLMv2 proof is computed over these bytes. */
  targetInfo: Buffer;
  avPairs: AvPair[];
  version: NtlmVersion | null;
}

export interface AuthenticateMessage {
  type: 3;
  flags: number;
  lmChallengeResponse: Buffer;
  ntChallengeResponse: Buffer;
  domain: string;
  user: string;
  workstation: string;
  encryptedRandomSessionKey: Buffer;
  version: NtlmVersion | null;
  /** Present when the payload starts after the 16-byte MIC slot (offset ≥ 88). Not verified by the lab. */
  mic: Buffer | null;
}

export type NtlmMessage = NegotiateMessage | ChallengeMessage | AuthenticateMessage;

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
/** Far above any real message (a Windows type 3 with channel bindings is < 1 KiB); bounds work on hostile input. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

/** The version the lab's server advertises when the client asks for one: Windows Server 2022, revision 15. */
export const LAB_SERVER_VERSION: NtlmVersion = Object.freeze({ major: 10, minor: 0, build: 20348, revision: 15 });

// ------------------------------------------------------------------ helpers

function has(flags: number, flag: number): boolean {
  return (flags & flag) >>> 0 !== 0;
}

/** Strings are UTF-16LE when NEGOTIATE_UNICODE was negotiated, else OEM (ASCII in practice; latin1 here). */
function encodeString(text: string, unicode: boolean): Buffer {
  return Buffer.from(text, unicode ? 'utf16le' : 'latin1');
}

function decodeString(bytes: Buffer, unicode: boolean, field: string): string {
  if (!unicode) return bytes.toString('latin1');
  if (bytes.length % 2 !== 0) throw new NtlmError(`${field} has an odd byte length (${bytes.length}) for UTF-16LE`);
  return bytes.toString('utf16le');
}

function encodeVersion(version: NtlmVersion): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt8(version.major, 0);
  out.writeUInt8(version.minor, 1);
  out.writeUInt16LE(version.build, 2);
  out.writeUInt8(version.revision, 7);
  return out;
}

function decodeVersion(bytes: Buffer, at: number): NtlmVersion {
  return { major: bytes[at], minor: bytes[at + 1], build: bytes.readUInt16LE(at + 2), revision: bytes[at + 7] };
}

/**
 * Read a (Len, MaxLen, BufferOffset) field descriptor and return the bytes it points to.
 * `headerEnd` is where the fixed part of the message ends: a payload pointing into the
 * header is garbage, not a clever encoding.
 */
function readField(message: Buffer, at: number, headerEnd: number, name: string): { bytes: Buffer; offset: number } {
  if (at + 8 > message.length) throw new NtlmError(`truncated NTLM message: no room for the ${name} field`);
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  if (length === 0) return { bytes: Buffer.alloc(0), offset };
  if (offset < headerEnd) throw new NtlmError(`${name} offset ${offset} points into the message header`);
  if (offset + length > message.length) {
    throw new NtlmError(`truncated NTLM message: ${name} needs bytes ${offset}..${offset + length} of ${message.length}`);
  }
  return { bytes: Buffer.from(message.subarray(offset, offset + length)), offset };
}

/** Lays out the payload after a fixed header and writes each field descriptor. */
class MessageBuilder {
  private readonly payload: Buffer[] = [];
  private cursor: number;

  constructor(readonly header: Buffer) {
    this.cursor = header.length;
  }

  field(at: number, bytes: Buffer): void {
    if (bytes.length > 0xffff) throw new NtlmError(`NTLM field of ${bytes.length} bytes exceeds 65535`);
    this.header.writeUInt16LE(bytes.length, at);
    this.header.writeUInt16LE(bytes.length, at + 2);
    this.header.writeUInt32LE(this.cursor, at + 4);
    this.payload.push(bytes);
    this.cursor += bytes.length;
  }

  build(): Buffer {
    return Buffer.concat([this.header, ...this.payload]);
  }
}

function newHeader(size: number, type: number, flagsAt: number, flags: number): Buffer {
  const header = Buffer.alloc(size);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(type, 8);
  header.writeUInt32LE(flags >>> 0, flagsAt);
  return header;
}

/** Signature and type check shared by all decoders; returns the message type. */
export function messageType(message: Buffer): 1 | 2 | 3 {
  if (message.length > MAX_MESSAGE_BYTES)
    throw new NtlmError(`NTLM message of ${message.length} bytes is larger than ${MAX_MESSAGE_BYTES}`);
  if (message.length < 12) throw new NtlmError(`truncated NTLM message (${message.length} bytes)`);
  if (!message.subarray(0, 8).equals(SIGNATURE)) throw new NtlmError('not an NTLMSSP message (bad signature)');
  const type = message.readUInt32LE(8);
  if (type !== 1 && type !== 2 && type !== 3) throw new NtlmError(`unknown NTLM message type ${type}`);
  return type;
}

function expectType(message: Buffer, wanted: 1 | 2 | 3): void {
  const type = messageType(message);
  if (type !== wanted) throw new NtlmError(`expected NTLM message type ${wanted}, got type ${type}`);
}

// ------------------------------------------------------------------ AV pairs

export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const pair of pairs) {
    if (pair.id === AvId.MsvAvEOL) continue; // always written once, last
    const head = Buffer.alloc(4);
    head.writeUInt16LE(pair.id, 0);
    head.writeUInt16LE(pair.value.length, 2);
    parts.push(head, pair.value);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** Strict: every pair must fit and the list must end with MsvAvEOL (bytes after it are ignored, as Windows does). */
export function decodeAvPairs(bytes: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let at = 0;
  for (;;) {
    if (at + 4 > bytes.length) throw new NtlmError('TargetInfo is truncated or lacks MsvAvEOL');
    const id = bytes.readUInt16LE(at);
    const length = bytes.readUInt16LE(at + 2);
    at += 4;
    if (id === AvId.MsvAvEOL) {
      if (length !== 0) throw new NtlmError('MsvAvEOL with a non-zero length');
      return pairs;
    }
    if (at + length > bytes.length) throw new NtlmError(`AV pair ${id} of ${length} bytes overruns TargetInfo`);
    pairs.push({ id, value: Buffer.from(bytes.subarray(at, at + length)) });
    at += length;
  }
}

export function findAvPair(pairs: readonly AvPair[], id: number): Buffer | undefined {
  return pairs.find((pair) => pair.id === id)?.value;
}

/** AV pair holding a UTF-16LE name (NetBIOS / DNS names are always Unicode in TargetInfo). */
export function avName(id: number, name: string): AvPair {
  return { id, value: Buffer.from(name, 'utf16le') };
}

// ------------------------------------------------------------------ type 1

export function encodeNegotiate(input: { flags: number; domain?: string; workstation?: string; version?: NtlmVersion }): Buffer {
  let flags = input.flags;
  if (input.domain) flags |= NtlmFlags.NEGOTIATE_OEM_DOMAIN_SUPPLIED;
  if (input.workstation) flags |= NtlmFlags.NEGOTIATE_OEM_WORKSTATION_SUPPLIED;
  if (input.version) flags |= NtlmFlags.NEGOTIATE_VERSION;
  const builder = new MessageBuilder(newHeader(input.version ? 40 : 32, 1, 12, flags));
  builder.field(16, Buffer.from(input.domain ?? '', 'latin1')); // always OEM in type 1
  builder.field(24, Buffer.from(input.workstation ?? '', 'latin1'));
  if (input.version) encodeVersion(input.version).copy(builder.header, 32);
  return builder.build();
}

export function decodeNegotiate(message: Buffer): NegotiateMessage {
  expectType(message, 1);
  if (message.length < 16) throw new NtlmError(`truncated NTLM negotiate message (${message.length} bytes)`);
  // Very old clients send only the 16-byte prefix; anything between that and the 32-byte header is cut off.
  if (message.length !== 16 && message.length < 32) throw new NtlmError(`truncated NTLM negotiate message (${message.length} bytes)`);
  const flags = message.readUInt32LE(12);
  const hasFields = message.length >= 32;
  const domain = hasFields ? readField(message, 16, 32, 'DomainName').bytes.toString('latin1') : '';
  const workstation = hasFields ? readField(message, 24, 32, 'Workstation').bytes.toString('latin1') : '';
  const version = has(flags, NtlmFlags.NEGOTIATE_VERSION) && message.length >= 40 ? decodeVersion(message, 32) : null;
  return { type: 1, flags, domain, workstation, version };
}

// ------------------------------------------------------------------ type 2

export function encodeChallenge(input: {
  flags: number;
  targetName: string;
  serverChallenge: Buffer;
  targetInfo: Buffer;
  version?: NtlmVersion;
}): Buffer {
  if (input.serverChallenge.length !== 8) throw new NtlmError('server challenge must be 8 bytes');
  let flags = input.flags;
  if (input.targetInfo.length > 0) flags |= NtlmFlags.NEGOTIATE_TARGET_INFO;
  if (input.version) flags |= NtlmFlags.NEGOTIATE_VERSION;
  const builder = new MessageBuilder(newHeader(input.version ? 56 : 48, 2, 20, flags));
  builder.field(12, encodeString(input.targetName, has(flags, NtlmFlags.NEGOTIATE_UNICODE)));
  input.serverChallenge.copy(builder.header, 24);
  // 32..40 Reserved (zero)
  builder.field(40, input.targetInfo);
  if (input.version) encodeVersion(input.version).copy(builder.header, 48);
  return builder.build();
}

export function decodeChallenge(message: Buffer): ChallengeMessage {
  expectType(message, 2);
  if (message.length < 32) throw new NtlmError(`truncated NTLM challenge message (${message.length} bytes)`);
  const flags = message.readUInt32LE(20);
  const unicode = has(flags, NtlmFlags.NEGOTIATE_UNICODE);
  // Pre-NTLMv2 servers end the fixed header at 32 (no TargetInfo fields).
  const headerEnd = message.length >= 48 ? 48 : 32;
  const targetName = decodeString(readField(message, 12, headerEnd, 'TargetName').bytes, unicode, 'TargetName');
  const serverChallenge = Buffer.from(message.subarray(24, 32));
  const targetInfo = headerEnd === 48 ? readField(message, 40, 48, 'TargetInfo').bytes : Buffer.alloc(0);
  const avPairs = targetInfo.length > 0 ? decodeAvPairs(targetInfo) : [];
  const version = has(flags, NtlmFlags.NEGOTIATE_VERSION) && message.length >= 56 ? decodeVersion(message, 48) : null;
  return { type: 2, flags, targetName, serverChallenge, targetInfo, avPairs, version };
}

// ------------------------------------------------------------------ type 3

export function encodeAuthenticate(input: {
  flags: number;
  lmChallengeResponse: Buffer;
  ntChallengeResponse: Buffer;
  domain: string;
  user: string;
  workstation: string;
  encryptedRandomSessionKey?: Buffer;
  version?: NtlmVersion;
}): Buffer {
  const flags = input.version ? input.flags | NtlmFlags.NEGOTIATE_VERSION : input.flags;
  const unicode = has(flags, NtlmFlags.NEGOTIATE_UNICODE);
  const builder = new MessageBuilder(newHeader(input.version ? 72 : 64, 3, 60, flags));
  // Payload in the order Windows writes it: names first, then the responses.
  builder.field(28, encodeString(input.domain, unicode));
  builder.field(36, encodeString(input.user, unicode));
  builder.field(44, encodeString(input.workstation, unicode));
  builder.field(12, input.lmChallengeResponse);
  builder.field(20, input.ntChallengeResponse);
  builder.field(52, input.encryptedRandomSessionKey ?? Buffer.alloc(0));
  if (input.version) encodeVersion(input.version).copy(builder.header, 64);
  return builder.build();
}

export function decodeAuthenticate(message: Buffer): AuthenticateMessage {
  expectType(message, 3);
  if (message.length < 64) throw new NtlmError(`truncated NTLM authenticate message (${message.length} bytes)`);
  const flags = message.readUInt32LE(60);
  const unicode = has(flags, NtlmFlags.NEGOTIATE_UNICODE);
  const lm = readField(message, 12, 64, 'LmChallengeResponse');
  const nt = readField(message, 20, 64, 'NtChallengeResponse');
  const domain = readField(message, 28, 64, 'DomainName');
  const user = readField(message, 36, 64, 'UserName');
  const workstation = readField(message, 44, 64, 'Workstation');
  const key = readField(message, 52, 64, 'EncryptedRandomSessionKey');
  // Version (64..72) and MIC (72..88) are optional: they exist iff the payload starts after them.
  const payloadStart = Math.min(
    message.length,
    ...[lm, nt, domain, user, workstation, key].filter((field) => field.bytes.length > 0).map((field) => field.offset),
  );
  return {
    type: 3,
    flags,
    lmChallengeResponse: lm.bytes,
    ntChallengeResponse: nt.bytes,
    domain: decodeString(domain.bytes, unicode, 'DomainName'),
    user: decodeString(user.bytes, unicode, 'UserName'),
    workstation: decodeString(workstation.bytes, unicode, 'Workstation'),
    encryptedRandomSessionKey: key.bytes,
    version: has(flags, NtlmFlags.NEGOTIATE_VERSION) && payloadStart >= 72 ? decodeVersion(message, 64) : null,
    mic: payloadStart >= 88 ? Buffer.from(message.subarray(72, 88)) : null,
  };
}

export function decodeMessage(message: Buffer): NtlmMessage {
  switch (messageType(message)) {
    case 1:
      return decodeNegotiate(message);
    case 2:
      return decodeChallenge(message);
    case 3:
      return decodeAuthenticate(message);
  }
}

// ------------------------------------------------------------------ HTTP header tokens

export type NtlmScheme = 'NTLM' | 'Negotiate';

/** Strict base64 (RFC 4648 alphabet, padded): Buffer.from(…, 'base64') would silently skip garbage. */
export function decodeBase64Token(token: string): Buffer {
  if (token.length === 0 || token.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) {
    throw new NtlmError('authorization token is not valid base64');
  }
  return Buffer.from(token, 'base64');
}

/**
 * Split one `Authorization` / `WWW-Authenticate` value into scheme and token.
 * Returns null for an empty value; token is undefined when the scheme stands alone.
 */
export function splitAuthHeader(value: string): { scheme: string; token: string | undefined } | null {
  const match = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s+(\S+))?\s*$/.exec(value);
  if (!match) return null;
  return { scheme: match[1], token: match[2] };
}

/** Canonical scheme name, or null when it is neither NTLM nor Negotiate. */
export function ntlmScheme(scheme: string): NtlmScheme | null {
  const lower = scheme.toLowerCase();
  if (lower === 'ntlm') return 'NTLM';
  if (lower === 'negotiate') return 'Negotiate';
  return null;
}

/** `NTLM <base64>` (or `Negotiate <base64>` carrying raw NTLMSSP, as Windows does when Kerberos is unavailable). */
export function toHeaderValue(message: Buffer, scheme: NtlmScheme = 'NTLM'): string {
  return `${scheme} ${message.toString('base64')}`;
}
