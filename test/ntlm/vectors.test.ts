/**
 * Known answers from [MS-NLMP] 4.2 (4.2.1 common values, 4.2.2.1.2 NTOWFv1, 4.2.4 NTLMv2):
 * User "User", Domain "Domain", Password "Password", ServerChallenge 0123456789abcdef,
 * ClientChallenge aa×8, Time 0, TargetInfo = NbDomainName "Domain", NbComputerName "Server", EOL.
 * The same values are recomputed with the openssl CLI (HMAC-MD5) on top of js-md4 (MD4), a
 * path independent of the implementation's Node HMAC, when openssl is installed.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AvId,
  NtlmFlags,
  buildAuthenticate,
  computeNtlmv2Response,
  decodeAuthenticate,
  decodeChallenge,
  findAvPair,
  md4,
  ntlmv2Blob,
  ntowfv1,
  ntowfv2,
  verifyNtlmv2Response,
  windowsUpper,
} from '../../harness/ntlm/index.js';
import { requireProgram } from '../programs.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const SERVER_CHALLENGE = hex('0123456789abcdef');
const CLIENT_CHALLENGE = hex('aaaaaaaaaaaaaaaa');
const TIME = Buffer.alloc(8);
/** 4.2.4.3 TargetInfo: MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL. */
const TARGET_INFO = hex('02000c00 44006f006d00610069006e00 01000c00 530065007200760065007200 00000000');
/** 4.2.4.3 CHALLENGE_MESSAGE, complete (flags e28a8233, TargetName "Server", Version 6.0.6000 rev 15). */
const CHALLENGE_MESSAGE = hex(`
  4e544c4d53535000 02000000 0c000c0038000000 33828ae2 0123456789abcdef 0000000000000000
  2400240044000000 060070170000000f 530065007200760065007200
  02000c0044006f006d00610069006e0001000c00530065007200760065007200 00000000`);

const EXPECTED = {
  ntowfv1: 'a4f49c406510bdcab6824ee7c30fd852', // 4.2.2.1.2
  ntowfv2: '0c868a403bfd7a93a3001ef22ef02e3f', // 4.2.4.1.1
  ntProofStr: '68cd0ab851e51c96aabc927bebef6a1c', // 4.2.4.2.2
  lmv2: '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa', // 4.2.4.2.1
  sessionBaseKey: '8de40ccadbc14a82f15cb0ad0de95ca3', // 4.2.4.1.2
};

describe('[MS-NLMP] 4.2.4 NTLMv2 test vectors', () => {
  it('MD4 matches RFC 1320 (pure-JS path, no OpenSSL legacy provider needed)', () => {
    expect(md4(Buffer.from('abc')).toString('hex')).toBe('a448017aaf21d8525fc10ae87aa6729d');
    expect(md4(Buffer.alloc(0)).toString('hex')).toBe('31d6cfe0d16ae931b73c59d7e0c089c0');
  });

  it('NTOWFv1 and NTOWFv2', () => {
    expect(ntowfv1('Password').toString('hex')).toBe(EXPECTED.ntowfv1);
    expect(ntowfv2('Password', 'User', 'Domain').toString('hex')).toBe(EXPECTED.ntowfv2);
    // Only the user is case-folded; the domain is keyed as typed.
    expect(ntowfv2('Password', 'user', 'Domain').equals(ntowfv2('Password', 'USER', 'Domain'))).toBe(true);
    expect(ntowfv2('Password', 'User', 'DOMAIN').equals(ntowfv2('Password', 'User', 'Domain'))).toBe(false);
  });

  it('NTProofStr, LMv2 and SessionBaseKey', () => {
    const response = computeNtlmv2Response({
      responseKeyNT: ntowfv2('Password', 'User', 'Domain'),
      serverChallenge: SERVER_CHALLENGE,
      clientChallenge: CLIENT_CHALLENGE,
      timestamp: TIME,
      targetInfo: TARGET_INFO,
    });
    expect(response.ntProofStr.toString('hex')).toBe(EXPECTED.ntProofStr);
    expect(response.lmChallengeResponse.toString('hex')).toBe(EXPECTED.lmv2);
    expect(response.sessionBaseKey.toString('hex')).toBe(EXPECTED.sessionBaseKey);
    expect(response.ntChallengeResponse.subarray(16).equals(ntlmv2Blob(TIME, CLIENT_CHALLENGE, TARGET_INFO))).toBe(true);
  });

  it('decodes the spec CHALLENGE_MESSAGE and the client answers it with the spec NTProofStr', () => {
    const challenge = decodeChallenge(CHALLENGE_MESSAGE);
    expect(challenge.flags).toBe(0xe28a8233);
    expect(challenge.targetName).toBe('Server');
    expect(challenge.serverChallenge.equals(SERVER_CHALLENGE)).toBe(true);
    expect(challenge.targetInfo.equals(TARGET_INFO)).toBe(true);
    expect(findAvPair(challenge.avPairs, AvId.MsvAvNbDomainName)?.toString('utf16le')).toBe('Domain');
    expect(challenge.version).toEqual({ major: 6, minor: 0, build: 6000, revision: 15 });

    const account = { domain: 'Domain', user: 'User', password: 'Password' };
    const type3 = decodeAuthenticate(
      buildAuthenticate(challenge, account, { timestamp: TIME, clientChallenge: CLIENT_CHALLENGE, workstation: 'COMPUTER' }),
    );
    expect(type3.ntChallengeResponse.subarray(0, 16).toString('hex')).toBe(EXPECTED.ntProofStr);
    expect(type3.lmChallengeResponse.toString('hex')).toBe(EXPECTED.lmv2); // no MsvAvTimestamp in this challenge
    expect([type3.domain, type3.user, type3.workstation]).toEqual(['Domain', 'User', 'COMPUTER']);
    expect(type3.flags & NtlmFlags.NEGOTIATE_UNICODE).toBeTruthy();
    expect(type3.flags & NtlmFlags.NEGOTIATE_OEM).toBe(0);

    const verified = verifyNtlmv2Response({
      responseKeyNT: ntowfv2('Password', 'User', 'Domain'),
      serverChallenge: SERVER_CHALLENGE,
      ntChallengeResponse: type3.ntChallengeResponse,
    });
    expect(verified).toMatchObject({ ok: true });
    expect(verified.ok && verified.sessionBaseKey.toString('hex')).toBe(EXPECTED.sessionBaseKey);
  });

  it('verification fails for a wrong password, another challenge, or any flipped bit', () => {
    const good = computeNtlmv2Response({
      responseKeyNT: ntowfv2('Password', 'User', 'Domain'),
      serverChallenge: SERVER_CHALLENGE,
      clientChallenge: CLIENT_CHALLENGE,
      timestamp: TIME,
      targetInfo: TARGET_INFO,
    }).ntChallengeResponse;
    const verify = (key: Buffer, challenge: Buffer, response: Buffer) =>
      verifyNtlmv2Response({ responseKeyNT: key, serverChallenge: challenge, ntChallengeResponse: response });
    const key = ntowfv2('Password', 'User', 'Domain');
    expect(verify(ntowfv2('password', 'User', 'Domain'), SERVER_CHALLENGE, good)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verify(key, hex('0123456789abcdee'), good)).toMatchObject({ ok: false, reason: 'mismatch' });
    for (let byte = 0; byte < good.length; byte++) {
      const bad = Buffer.from(good);
      bad[byte] ^= 0x01;
      expect(verify(key, SERVER_CHALLENGE, bad).ok, `byte ${byte}`).toBe(false);
    }
    expect(verify(key, SERVER_CHALLENGE, good.subarray(0, 24))).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('upper-cases user names per UTF-16 code unit, like Windows', () => {
    expect(windowsUpper('admin')).toBe('ADMIN');
    expect(windowsUpper('straße')).toBe('STRAßE'); // JS would give 'STRASSE'
    expect(windowsUpper('émile')).toBe('ÉMILE');
  });
});

describe('independent recomputation with the openssl CLI', () => {
  beforeAll(() => {
    requireProgram('openssl');
  });
  const hmacMd5Cli = (keyHex: string, data: Buffer): string =>
    execFileSync('openssl', ['dgst', '-md5', '-mac', 'HMAC', '-macopt', `hexkey:${keyHex}`, '-binary'], { input: data }).toString('hex');

  it('NTOWFv2 → NTProofStr → SessionBaseKey, LMv2', () => {
    const nt = ntowfv1('Password').toString('hex'); // MD4 from js-md4, checked against RFC 1320 above
    const owf = hmacMd5Cli(nt, Buffer.from('USERDomain', 'utf16le'));
    expect(owf).toBe(EXPECTED.ntowfv2);
    const temp = Buffer.concat([hex('0101000000000000'), TIME, CLIENT_CHALLENGE, Buffer.alloc(4), TARGET_INFO, Buffer.alloc(4)]);
    const proof = hmacMd5Cli(owf, Buffer.concat([SERVER_CHALLENGE, temp]));
    expect(proof).toBe(EXPECTED.ntProofStr);
    expect(hmacMd5Cli(owf, hex(proof))).toBe(EXPECTED.sessionBaseKey);
    expect(hmacMd5Cli(owf, Buffer.concat([SERVER_CHALLENGE, CLIENT_CHALLENGE])) + 'aa'.repeat(8)).toBe(EXPECTED.lmv2);
  });
});
