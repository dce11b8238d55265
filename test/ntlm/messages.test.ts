/** NTLMSSP encoding round-trips, and strict decoding: hostile bytes give NtlmError, never another exception. */
import { describe, expect, it } from 'vitest';
import {
  AvId,
  CLIENT_NEGOTIATE_FLAGS,
  NtlmError,
  NtlmFlags,
  avName,
  createAuthenticate,
  createNegotiate,
  decodeAuthenticate,
  decodeAvPairs,
  decodeBase64Token,
  decodeChallenge,
  decodeMessage,
  decodeNegotiate,
  encodeAuthenticate,
  encodeAvPairs,
  encodeChallenge,
  encodeNegotiate,
  fileTime,
  parseChallenge,
  splitAuthHeader,
  toHeaderValue,
} from '../../harness/ntlm/index.js';
import { prng } from '../http/helpers.js';

const ACCOUNT = { domain: 'CORP', user: 'sccm-client', password: 'P@ssw0rd!' };

function sampleChallenge(): Buffer {
  return encodeChallenge({
    flags: NtlmFlags.NEGOTIATE_UNICODE | NtlmFlags.NEGOTIATE_NTLM | NtlmFlags.NEGOTIATE_EXTENDED_SESSIONSECURITY,
    targetName: 'CORP',
    serverChallenge: Buffer.from('0011223344556677', 'hex'),
    targetInfo: encodeAvPairs([
      avName(AvId.MsvAvNbDomainName, 'CORP'),
      avName(AvId.MsvAvNbComputerName, 'MP01'),
      { id: AvId.MsvAvTimestamp, value: fileTime() },
    ]),
    version: { major: 10, minor: 0, build: 20348, revision: 15 },
  });
}

function sampleAuthenticate(): Buffer {
  const header = createAuthenticate(toHeaderValue(sampleChallenge()), ACCOUNT, { workstation: 'WS01' });
  return decodeBase64Token(header.split(' ')[1]);
}

/** Run the decoder and insist that failure, if any, is an NtlmError. */
function decodesOrNtlmError(decode: () => unknown): 'ok' | 'error' {
  try {
    decode();
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(NtlmError);
    return 'error';
  }
}

describe('NTLMSSP messages', () => {
  it('round-trips NEGOTIATE, with and without names and version', () => {
    const plain = decodeNegotiate(encodeNegotiate({ flags: CLIENT_NEGOTIATE_FLAGS }));
    expect(plain).toEqual({ type: 1, flags: CLIENT_NEGOTIATE_FLAGS, domain: '', workstation: '', version: null });
    const full = decodeNegotiate(
      encodeNegotiate({
        flags: CLIENT_NEGOTIATE_FLAGS,
        domain: 'CORP',
        workstation: 'WS01',
        version: { major: 10, minor: 0, build: 19045, revision: 15 },
      }),
    );
    expect(full.domain).toBe('CORP');
    expect(full.workstation).toBe('WS01');
    expect(full.version).toEqual({ major: 10, minor: 0, build: 19045, revision: 15 });
    expect(full.flags & NtlmFlags.NEGOTIATE_OEM_DOMAIN_SUPPLIED).toBeTruthy();
    // createNegotiate(): the header value
    const header = createNegotiate();
    expect(header).toMatch(/^NTLM [A-Za-z0-9+/]+=*$/);
    expect(decodeMessage(decodeBase64Token(header.slice(5))).type).toBe(1);
    expect(createNegotiate('Negotiate')).toMatch(/^Negotiate TlRMTVNTUAAB/);
  });

  it('round-trips CHALLENGE with TargetInfo AV pairs', () => {
    const challenge = decodeChallenge(sampleChallenge());
    expect(challenge.targetName).toBe('CORP');
    expect(challenge.flags & NtlmFlags.NEGOTIATE_TARGET_INFO).toBeTruthy();
    expect(challenge.flags & NtlmFlags.NEGOTIATE_VERSION).toBeTruthy();
    expect(challenge.avPairs.map((pair) => pair.id)).toEqual([AvId.MsvAvNbDomainName, AvId.MsvAvNbComputerName, AvId.MsvAvTimestamp]);
    expect(challenge.version?.build).toBe(20348);
  });

  it('round-trips AUTHENTICATE, Unicode and OEM', () => {
    const message = decodeAuthenticate(sampleAuthenticate());
    expect([message.domain, message.user, message.workstation]).toEqual(['CORP', 'sccm-client', 'WS01']);
    expect(message.lmChallengeResponse.equals(Buffer.alloc(24))).toBe(true); // MsvAvTimestamp present → Z(24)
    expect(message.ntChallengeResponse.length).toBeGreaterThan(48);
    expect(message.mic).toBeNull();
    const oem = decodeAuthenticate(
      encodeAuthenticate({
        flags: NtlmFlags.NEGOTIATE_OEM,
        lmChallengeResponse: Buffer.alloc(24),
        ntChallengeResponse: Buffer.alloc(24, 1),
        domain: 'CORP',
        user: 'bob',
        workstation: 'WS',
      }),
    );
    expect([oem.domain, oem.user, oem.workstation]).toEqual(['CORP', 'bob', 'WS']);
  });

  it('reads the MIC slot when the payload starts after it', () => {
    const bytes = sampleAuthenticate();
    // Rebuild with 24 spare header bytes (Version + MIC) by shifting every offset.
    const shifted = Buffer.concat([bytes.subarray(0, 64), Buffer.alloc(8, 0x0a), Buffer.alloc(16, 0x3c), bytes.subarray(64)]);
    for (const at of [12, 20, 28, 36, 44, 52]) shifted.writeUInt32LE(shifted.readUInt32LE(at + 4) + 24, at + 4);
    shifted.writeUInt32LE(shifted.readUInt32LE(60) | NtlmFlags.NEGOTIATE_VERSION, 60);
    const message = decodeAuthenticate(shifted);
    expect(message.mic?.equals(Buffer.alloc(16, 0x3c))).toBe(true);
    expect(message.version).toEqual({ major: 10, minor: 10, build: 0x0a0a, revision: 10 });
    expect(message.user).toBe('sccm-client');
  });

  it('parses the challenge out of a WWW-Authenticate list, joined or not', () => {
    const value = toHeaderValue(sampleChallenge());
    expect(parseChallenge(['Negotiate', value]).scheme).toBe('NTLM');
    expect(parseChallenge(`Negotiate, ${value}`).message.targetName).toBe('CORP');
    expect(parseChallenge([toHeaderValue(sampleChallenge(), 'Negotiate')]).scheme).toBe('Negotiate');
    expect(() => parseChallenge(['Negotiate', 'NTLM'])).toThrow(NtlmError);
    expect(() => parseChallenge(undefined)).toThrow(/no NTLM CHALLENGE/);
    expect(() => parseChallenge(['NTLM !!!!'])).toThrow(NtlmError);
  });

  it('splits Authorization values', () => {
    expect(splitAuthHeader('NTLM abc=')).toEqual({ scheme: 'NTLM', token: 'abc=' });
    expect(splitAuthHeader('  negotiate   abc  ')).toEqual({ scheme: 'negotiate', token: 'abc' });
    expect(splitAuthHeader('NTLM')).toEqual({ scheme: 'NTLM', token: undefined });
    expect(splitAuthHeader('NTLM a b')).toBeNull();
    expect(splitAuthHeader('')).toBeNull();
  });
});

describe('strict decoding', () => {
  it.each(['', 'abc', 'TlRMTVNTUAAB!AAA', 'TlRMTVNTUAABAAAA=A==', '====', 'TlRM TVNT'])('rejects base64 %j', (token) => {
    expect(() => decodeBase64Token(token)).toThrow(NtlmError);
  });

  it('rejects wrong signature, unknown type, wrong expected type', () => {
    expect(() => decodeMessage(Buffer.from('NTLMSSX\0\x01\0\0\0' + '\0'.repeat(30), 'latin1'))).toThrow(/signature/);
    expect(() => decodeMessage(Buffer.from('NTLMSSP\0\x04\0\0\0' + '\0'.repeat(30), 'latin1'))).toThrow(/type 4/);
    expect(() => decodeAuthenticate(sampleChallenge())).toThrow(/expected NTLM message type 3, got type 2/);
    expect(() => decodeMessage(Buffer.alloc(20_000))).toThrow(/larger than/);
  });

  it('rejects AV pair lists that overrun or lack MsvAvEOL', () => {
    expect(() => decodeAvPairs(Buffer.alloc(0))).toThrow(/MsvAvEOL/);
    expect(() => decodeAvPairs(Buffer.from('0100ff00', 'hex'))).toThrow(/overruns/);
    expect(() => decodeAvPairs(Buffer.from('01000200aaaa', 'hex'))).toThrow(/MsvAvEOL/);
    expect(() => decodeAvPairs(Buffer.from('00000200aaaa', 'hex'))).toThrow(/non-zero/);
  });

  it('rejects odd-length UTF-16 names and offsets into the header', () => {
    const bytes = sampleAuthenticate();
    const odd = Buffer.from(bytes);
    odd.writeUInt16LE(odd.readUInt16LE(36) - 1, 36); // UserName length
    expect(() => decodeAuthenticate(odd)).toThrow(/odd byte length/);
    const intoHeader = Buffer.from(bytes);
    intoHeader.writeUInt32LE(8, 36 + 4);
    expect(() => decodeAuthenticate(intoHeader)).toThrow(/into the message header/);
  });

  it.each([
    ['NEGOTIATE', () => encodeNegotiate({ flags: CLIENT_NEGOTIATE_FLAGS, domain: 'CORP', workstation: 'WS01' }), decodeNegotiate],
    ['CHALLENGE', sampleChallenge, decodeChallenge],
    ['AUTHENTICATE', sampleAuthenticate, decodeAuthenticate],
  ] as const)('%s: every truncation fails with NtlmError', (name, make, decode) => {
    const bytes = make();
    const decodedLengths: number[] = [];
    for (let length = 0; length < bytes.length; length++) {
      if (decodesOrNtlmError(() => decode(bytes.subarray(0, length))) === 'ok') decodedLengths.push(length);
    }
    // The payload sits at the end, so every cut is detected; the one exception is the
    // legacy 16-byte NEGOTIATE (signature, type, flags), which is a complete message.
    expect(decodedLengths).toEqual(name === 'NEGOTIATE' ? [16] : []);
    expect(decodesOrNtlmError(() => decode(bytes))).toBe('ok');
  });

  it('random byte mutations never escape as anything but NtlmError', () => {
    const next = prng(60);
    const originals = [
      encodeNegotiate({ flags: CLIENT_NEGOTIATE_FLAGS, domain: 'D', workstation: 'W' }),
      sampleChallenge(),
      sampleAuthenticate(),
    ];
    for (let round = 0; round < 3000; round++) {
      const bytes = Buffer.from(originals[round % 3]);
      const edits = 1 + Math.floor(next() * 4);
      for (let edit = 0; edit < edits; edit++) {
        // Keep the signature mostly intact so the mutation reaches the field parsers.
        const at = 8 + Math.floor(next() * (bytes.length - 8));
        bytes[at] = Math.floor(next() * 256);
      }
      decodesOrNtlmError(() => decodeMessage(bytes));
    }
  });
});
