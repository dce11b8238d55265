// A small RunResults with every verdict, real-looking evidence on both sides of the proxy, and text
// that is hard to write as XML/HTML (markup, quotes, control characters, a lone surrogate, emoji).
import type { RunResults } from '../../harness/report/results.js';

const NASTY = 'a <b>&"quoted"\' ]]> tab\there\r\nnext line \u0001\u0007\u001b[31m \uD800 lone \uFFFF end 🚀';

const tlsToSite = {
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  servername: 'mp1.corp.ibcm-lab.test',
  peerCertificate: {
    subject: 'CN=proxy.ibcm-lab.example',
    issuer: 'CN=IBCM Lab Issuing CA, O=IBCM Lab',
    serialNumber: '0A1B',
    fingerprint256: 'AA:BB',
    validTo: 'Nov 25 01:33:54 2027 GMT',
  },
  authorized: true,
  authorizationError: null,
};

function evidence(reason: string, verdict?: 'failed' | 'error') {
  return {
    verdict,
    reason,
    notes: [`a note with ${NASTY}`],
    client: [
      {
        at: '2026-11-25T01:33:56.382Z',
        origin: 'https://mp.ibcm-lab.example:20443',
        method: 'CCM_POST',
        target: '/ccm_system/request?x=<1>&y="2"',
        requestHeaders: [
          ['User-Agent', 'ConfigMgr Messaging HTTP Sender'],
          ['CCMClientIDSignature', 'ABCDEF'],
          ['X-Nasty', NASTY],
        ],
        requestBodyLength: 1234,
        requestBodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        status: 200,
        responseHeaders: [['content-type', 'multipart/mixed; boundary="aAbBcCdDv1234567890VxXyYzZ"']],
        responseBodyLength: 512,
        responseBodySha256: '0'.repeat(64),
        responseBodyPreview: `<html>${NASTY}</html>`,
        tls: {
          protocol: 'TLSv1.3',
          subject: 'CN=mp.ibcm-lab.example',
          issuer: 'CN=IBCM Lab Issuing CA, O=IBCM Lab',
          serialNumber: '62C9',
          subjectAltName: 'DNS:mp.ibcm-lab.example',
          authorized: true,
          authorizationError: null,
        },
        durationMs: 34,
      },
    ],
    journal: [
      {
        host: 'mp1',
        seq: 1,
        at: '2026-11-25T01:33:56.400Z',
        server: 'management-point',
        listener: '127.161.2.10:20443',
        connectionId: 3,
        remoteAddress: '127.161.2.15',
        remotePort: 40000,
        tls: tlsToSite,
        requestLine: 'CCM_POST /ccm_system/request?x=<1>&y="2" HTTP/1.1',
        method: 'CCM_POST',
        target: '/ccm_system/request?x=<1>&y="2"',
        version: 'HTTP/1.1',
        headers: [
          ['User-Agent', 'ConfigMgr Messaging HTTP Sender'],
          ['ccmclientidsignature', 'ABCDEF'],
          ['X-Nasty', NASTY],
        ],
        bodyLength: 1234,
        bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        bodyPreview: '',
        response: { status: 200, headers: [['Content-Type', 'multipart/mixed']], bodyLength: 512, bodySha256: '0'.repeat(64) },
      },
    ],
    proxyLog: [`bridge mp1-https 127.161.1.20:41000 → 127.161.2.10:20443 CCM_POST /ccm_system/request 200 ${NASTY}`],
  };
}

function result(requirement: string, mode: string, status: RunResults['results'][number]['status'], reason: string, strength = 'required') {
  const verdict = status === 'failed' ? 'failed' : status === 'error' ? 'error' : undefined;
  return {
    requirement,
    title: `title of ${requirement} & <friends>`,
    strength,
    mode,
    status,
    reason,
    checks:
      status === 'not-applicable'
        ? [{ title: `${requirement} check`, file: 'suites/px/x.spec.ts', status, reason, durationMs: 0 }]
        : [
            {
              title: `${requirement} check`,
              file: 'suites/px/x.spec.ts',
              status: status === 'expected-failure' ? ('failed' as const) : status === 'unexpected-pass' ? ('passed' as const) : status,
              reason,
              durationMs: 41,
              evidence: evidence(reason, verdict),
            },
          ],
  };
}

export function sampleResults(): RunResults {
  return {
    schema: 'ibcm-lab/results@1',
    runId: '20261125T013347Z-1285',
    startedAt: '2026-11-25T01:33:47.000Z',
    finishedAt: '2026-11-25T01:34:03.200Z',
    durationMs: 16_200,
    versions: { 'ibcm-lab': '0.1.0', node: '20.20.2', openssl: '3.0.19', '@playwright/test': '1.65.1', undici: '7.30.2' },
    driver: 'embedded',
    proxy: 'node',
    modes: ['bridge', 'tunnel', 'direct'],
    grep: null,
    topology: { name: 'default', digest: 'sha256:af17', source: 'preset:default' },
    summary: { passed: 2, failed: 1, error: 1, notApplicable: 1, notCovered: 1, expectedFailures: 1, unexpectedPasses: 1, exitCode: 2 },
    results: [
      result('PX-VERB-MP-CCM_POST', 'bridge', 'passed', 'CCM_POST reached the MP byte-exact'),
      result('PX-VERB-MP-CCM_POST', 'tunnel', 'failed', `header CCMClientIDSignature was sent but did not reach the site system; ${NASTY}`),
      result('PX-VERB-MP-CCM_POST', 'direct', 'passed', 'CCM_POST reached the MP byte-exact'),
      result('PX-TUNNEL-PASSTHRU', 'bridge', 'not-applicable', 'not applicable in bridge mode (applies in tunnel)'),
      result('PX-TUNNEL-PASSTHRU', 'tunnel', 'error', 'port 20443 on 127.161.1.11 is in use'),
      result(
        'PX-NTLM-AFFINITY',
        'bridge',
        'expected-failure',
        'expected for nginx: upstream keepalive pool is shared — observed: connections were shared',
      ),
      result(
        'PX-NTLM-AFFINITY',
        'tunnel',
        'unexpected-pass',
        "recorded as failing for nginx but it passed: update the proxy's expectations",
      ),
    ],
    notCovered: [{ requirement: 'PKI-SAN', title: 'SAN carries the internet & intranet FQDN' }],
    errors: [],
  };
}
