// Client certificate selection by the documented criteria (research W:49): issuers list, validity and
// private key, client-authentication capability, computer name in subject or SAN, longest validity.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectClientCertificate, type ClientCertificate } from '../../harness/client/index.js';
import { EKU, LabPki, type IssueOptions, type IssuedCertificate } from '../../harness/pki/index.js';

const DAY = 24 * 3_600_000;
const FQDN = 'ws01.corp.ibcm-lab.test';
let tmp: string;
let pki: LabPki;
let certs: Record<string, IssuedCertificate>;

const store = (...names: string[]): ClientCertificate[] =>
  names.map((name) => ({ certPem: certs[name]!.certPem, keyPem: certs[name]!.keyPem, chainPem: certs[name]!.chainPem }));
const serialOf = (name: string) => certs[name]!.serialNumber.toUpperCase();

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-lab-selection-'));
  pki = await LabPki.create({ dir: path.join(tmp, 'pki'), cdpBaseUrl: 'http://crl.ibcm-lab.example:20080' });
  const now = pki.clock.getTime();
  const specs: [string, Partial<IssueOptions>][] = [
    ['year', {}],
    ['two-years', { notAfter: new Date(now + 730 * DAY) }],
    // Valid longer from now, but a shorter validity period than two-years.
    ['late-start', { notBefore: new Date(now - 10 * DAY), notAfter: new Date(now + 700 * DAY) }],
    ['expired', { notBefore: new Date(now - 400 * DAY), notAfter: new Date(now - DAY) }],
    ['not-yet', { notBefore: new Date(now + DAY), notAfter: new Date(now + 1000 * DAY) }],
    ['server-eku', { extKeyUsages: [EKU.serverAuth], notAfter: new Date(now + 3000 * DAY) }],
    ['no-eku', { extKeyUsages: [] }],
    [
      'other-computer',
      { subjectCn: 'ws99.corp.ibcm-lab.test', dnsNames: ['ws99.corp.ibcm-lab.test'], notAfter: new Date(now + 3000 * DAY) },
    ],
    ['untrusted', { issuer: 'untrusted', notAfter: new Date(now + 3000 * DAY) }],
  ];
  const issued = await Promise.all(
    specs.map(([name, options]) => pki.issue('workstation-client', { name, subjectCn: FQDN, dnsNames: [FQDN], ...options })),
  );
  certs = Object.fromEntries(issued.map((certificate) => [certificate.name, certificate]));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('selectClientCertificate (W:49)', () => {
  it('rule 6: of the valid candidates, the longest validity period wins', () => {
    const selection = selectClientCertificate(store('year', 'late-start', 'two-years'), { computerName: 'WS01' });
    expect(selection.selected?.certPem).toBe(certs['two-years']!.certPem);
    expect(selection.considered.find((item) => item.verdict === 'selected')).toMatchObject({
      serialNumber: serialOf('two-years'),
      reason: expect.stringMatching(/\(6\) the longest validity of 3 candidates/),
    });
  });

  it('rule 3: expired and not-yet-valid certificates are out', () => {
    const selection = selectClientCertificate(store('expired', 'not-yet', 'year'), { computerName: 'WS01' });
    expect(selection.selected?.certPem).toBe(certs.year!.certPem);
    expect(selection.considered.map((item) => item.reason)).toEqual([
      '(3) expired',
      '(3) not valid yet',
      'the only certificate meeting criteria 1–5',
    ]);
  });

  it('rule 3: a certificate whose private key is missing or another one is out', () => {
    const mismatched = { ...store('two-years')[0]!, keyPem: certs.year!.keyPem };
    const selection = selectClientCertificate([mismatched, ...store('year')], { computerName: 'WS01' });
    expect(selection.selected?.certPem).toBe(certs.year!.certPem);
    expect(selection.considered[0]!.reason).toMatch(/private key/);
  });

  it('rule 4: client authentication EKU needed; no EKU at all means any purpose', () => {
    const selection = selectClientCertificate(store('server-eku', 'no-eku'), { computerName: 'WS01' });
    expect(selection.selected?.certPem).toBe(certs['no-eku']!.certPem);
    expect(selection.considered[0]!.reason).toMatch(/^\(4\) no client authentication EKU \(has 1\.3\.6\.1\.5\.5\.7\.3\.1\)/);
  });

  it('rule 5: the subject or SAN must contain the computer name (case-insensitive)', () => {
    const selection = selectClientCertificate(store('other-computer', 'year'), { computerName: 'ws01' });
    expect(selection.selected?.certPem).toBe(certs.year!.certPem);
    expect(selection.considered[0]!.reason).toMatch(/\(5\) .*computer name ws01/);
  });

  it('rule 1: with an issuers list only certificates chaining to a listed root; none left ends the selection', () => {
    const issuers = 'CN=IBCM Lab Root CA, O=IBCM Lab';
    const listed = selectClientCertificate(store('untrusted', 'year'), { computerName: 'WS01', certificateIssuers: issuers });
    expect(listed.selected?.certPem).toBe(certs.year!.certPem);
    expect(listed.considered[0]!.reason).toMatch(/^\(1\) its root CN=IBCM Lab Untrusted Root CA/);
    // Without a list the untrusted one (longest validity) would win.
    expect(selectClientCertificate(store('untrusted', 'year'), { computerName: 'WS01' }).selected?.certPem).toBe(certs.untrusted!.certPem);
    // DN text is compared loosely: order, case and spacing.
    expect(
      selectClientCertificate(store('year'), { computerName: 'WS01', certificateIssuers: 'o=IBCM Lab,cn=ibcm lab root ca' }).selected,
    ).not.toBeNull();
    const none = selectClientCertificate(store('untrusted'), {
      computerName: 'WS01',
      certificateIssuers: `CN=Someone Else | ${'CN=Another, O=X'}`,
    });
    expect(none.selected).toBeNull();
    expect(none.failure).toMatch(/no certificate meets the selection criteria/);
  });

  it('an empty store selects nothing and says so', () => {
    expect(selectClientCertificate([], { computerName: 'WS01' })).toEqual({
      selected: null,
      considered: [],
      failure: 'the Personal store holds no certificate',
    });
  });
});
