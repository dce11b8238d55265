// The shared verifier of suites/verify.ts: field names compare case-insensitively (RFC 9110 §5.1),
// values, field counts, targets and bodies byte for byte, and each difference carries its code.
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../harness/client/index.js';
import { bodyFacts, type JournalEntry } from '../../harness/http/index.js';
import { arrival, headerDifference } from '../../suites/verify.js';

const sent: [string, string][] = [
  ['User-Agent', 'SMS CCM 5.0'],
  ['CCMClientID', 'GUID:1'],
  ['CCMClientIDSignature', 'ABCDEF'],
];

function exchange(headers = sent): Exchange {
  return {
    at: '',
    origin: 'https://mp',
    method: 'GET',
    target: '/SMS_MP/.sms_pol?P.1_00',
    requestHeaders: headers,
    requestBodyLength: 0,
    requestBodySha256: bodyFacts(Buffer.alloc(0)).bodySha256,
    durationMs: 0,
  };
}

function entry(headers: [string, string][], target = '/SMS_MP/.sms_pol?P.1_00'): JournalEntry {
  return {
    seq: 1,
    at: '',
    server: 'mp1',
    listener: '',
    connectionId: 1,
    remoteAddress: '',
    remotePort: 0,
    tls: null,
    requestLine: `GET ${target} HTTP/1.1`,
    method: 'GET',
    target,
    version: 'HTTP/1.1',
    headers,
    ...bodyFacts(Buffer.alloc(0)),
    response: { status: 200, headers: [], bodyLength: 0, bodySha256: '' },
  };
}

const codes = (headers: [string, string][], target?: string) =>
  arrival(exchange(), [entry(headers, target)]).problems.map((problem) => problem.code);

describe('arrival()', () => {
  it('passes re-cased names and headers a proxy may add (Via, X-Forwarded-For)', () => {
    expect(
      codes([
        ...sent.map(([name, value]): [string, string] => [name.toLowerCase(), value]),
        ['Via', '1.1 edge'],
        ['X-Forwarded-For', 'unknown'],
      ]),
    ).toEqual([]);
  });

  it('names a dropped, changed, duplicated or added message header by its code', () => {
    expect(codes(sent.filter(([name]) => name !== 'CCMClientID'))).toEqual(['header-dropped']);
    expect(
      codes(sent.map(([name, value]): [string, string] => [name, name === 'CCMClientIDSignature' ? value.toLowerCase() : value])),
    ).toEqual(['header-changed']);
    expect(codes([...sent, ['ccmclientid', 'GUID:1']])).toEqual(['header-duplicated']);
    expect(codes([...sent, ['CCMClientTimestamp', '2026-01-01T00:00:00Z']])).toEqual(['header-added']);
  });

  it('names a rewritten target and a request that never arrived', () => {
    expect(codes(sent, '/SMS_MP/.sms_pol?P')).toEqual(['target-changed']);
    expect(arrival(exchange(), []).problems.map((problem) => problem.code)).toEqual(['not-received']);
  });

  it('reads a problem as its text', () => {
    const [problem] = arrival(exchange(), []).problems;
    expect(`${problem}`).toMatch(/^no GET/);
  });
});

describe('headerDifference()', () => {
  it('compares the values of one name in order, in either direction', () => {
    expect(headerDifference('BITS-Packet-Type', ['Ack'], ['Ack'], 'the client')).toBeUndefined();
    expect(headerDifference('BITS-Packet-Type', ['Ack'], [], 'the client')?.code).toBe('header-dropped');
    expect(headerDifference('BITS-Packet-Type', [], ['Ack'], 'the client')?.code).toBe('header-added');
  });
});
