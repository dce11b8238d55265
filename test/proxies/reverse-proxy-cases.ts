// The checks every reverse-proxy adapter (bridge, tunnel) gets: the IBCM requests arrive
// byte-exact, bridge authenticates both legs, tunnel leaves TLS alone, keep-alive on both legs,
// NTLM connection pairing (or the recorded reason why not), and a clean stop.
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyContract } from '../../harness/proxies/contract/schema.js';
import { groupAlive, type StartedProcess } from '../../harness/proxies/process/index.js';
import type { ProxyImplementation } from '../../harness/proxies/types.js';
import { requireProgram } from '../programs.js';
import {
  CONTENT,
  PUBLIC_NAME,
  alive,
  arrivalProblems,
  createWorld,
  httpClient,
  httpsClient,
  ibcmRequests,
  ntlmType1,
  ntlmType3,
  refusesTcp,
  send,
  type World,
} from './world.js';

export interface ReverseProxyCase {
  implementation: ProxyImplementation;
  start(contract: ProxyContract): Promise<StartedProcess>;
  binary: string;
  /** A /24 of 127.240.0.0/16 owned by this test file. */
  net24: string;
  /** What bridge mode does with NTLM: keeps client↔upstream pairs, or shares pooled upstream connections. */
  bridgeNtlm: 'paired' | 'shared';
}

function cn(subject: string | undefined): string {
  return /CN=([^,\n]+)/.exec(subject ?? '')?.[1] ?? '';
}

export function reverseProxySuite(options: ReverseProxyCase): void {
  describe(`${options.implementation.name} adapter`, () => {
    let world: World;
    beforeAll(async () => {
      requireProgram(options.binary);
      world = await createWorld(options.net24);
    });
    afterAll(async () => {
      await world?.close();
    });

    for (const mode of ['bridge', 'tunnel'] as const) {
      describe(`${mode} mode`, () => {
        let contract: ProxyContract;
        let proxy: StartedProcess;
        beforeAll(async () => {
          contract = world.contract(mode, `${options.implementation.name}-${mode}`);
          proxy = await options.start(contract);
        });
        afterAll(async () => {
          await proxy?.close();
        });

        it('carries IBCM traffic byte-exact: MPLIST query, multipart CCM_POST, 3 MB BITS_POST, PROPFIND, HEAD and ranged GET of a sccm?/ target', async () => {
          const https = contract.listeners[0]!;
          const mark = world.journal.mark();
          const { client, connections } = httpsClient(world, https.bind.port, world.certs.workstation);
          const requests = ibcmRequests();
          const responses = [];
          try {
            for (const request of requests) responses.push(await send(client, request));
          } finally {
            await client.close();
          }
          const received = world.journal.since(mark);
          expect(requests.flatMap((request) => arrivalProblems(request, received))).toEqual([]);
          expect(received.map((entry) => entry.requestLine)).toEqual(
            requests.map((request) => `${request.method} ${request.target} HTTP/1.1`),
          );
          expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 207, 200, 206]);
          // Responses come back as the site system sent them, BITS-* headers included.
          expect(responses[0]!.body.toString()).toBe('GET /SMS_MP/.sms_aut?MPLIST1&LAB');
          expect(responses[2]!.headers['bits-packet-type']).toBe('Ack');
          expect(responses[2]!.headers['bits-session-id']).toBe('{6C2B9D7A-1F4E-4B1A-9A31-4E0E2C7B1D55}');
          expect(responses[5]!.headers['content-range']).toBe(`bytes 100-1123/${CONTENT.length}`);
          expect(responses[5]!.body.equals(CONTENT.subarray(100, 1124))).toBe(true);
          // HTTP/1.1 keep-alive on both legs: one client connection, one upstream connection.
          expect(connections()).toBe(1);
          expect(new Set(received.map((entry) => entry.connectionId)).size).toBe(1);
          // Who the site system saw: the proxy's client certificate (bridge) or the client's own (tunnel).
          const seen = new Set(received.map((entry) => cn(entry.tls?.peerCertificate?.subject)));
          expect([...seen]).toEqual([mode === 'bridge' ? cn(world.certs.proxyClient.subject) : cn(world.certs.workstation.subject)]);
          expect(received.every((entry) => entry.tls?.servername === PUBLIC_NAME)).toBe(true);
          if (mode === 'bridge') {
            expect(received.every((entry) => entry.remoteAddress === contract.egress.host)).toBe(true);
            // The bridge's own evidence that it authenticated the client (docs/proxy-contract.md, "Logs").
            await expect
              .poll(() => proxy.log().some((line) => line.includes(`authenticated as CN=${cn(world.certs.workstation.subject)}`)))
              .toBe(true);
          }
        });

        it('passes the fallback status point POST on its http listener', async () => {
          const http = contract.listeners[1]!;
          const mark = world.fspJournal.mark();
          const { client } = httpClient(http.bind.host, http.bind.port);
          const body = Buffer.from('<?xml version="1.0" encoding="UTF-16"?><StateMessage/>', 'utf16le');
          const request = {
            method: 'POST',
            target: '/SMS_FSP/.sms_fsp',
            headers: [
              ['Content-Type', 'application/octet-stream'],
              ['Host', `${http.publicName}`],
            ] as [string, string][],
            body,
          };
          try {
            expect((await send(client, request)).status).toBe(200);
          } finally {
            await client.close();
          }
          expect(arrivalProblems(request, world.fspJournal.since(mark))).toEqual([]);
        });

        if (mode === 'bridge') {
          it('refuses a client without a certificate, one whose certificate is revoked, and one whose issuing CA is revoked; nothing reaches the site system', async () => {
            const port = contract.listeners[0]!.bind.port;
            for (const identity of [null, world.certs.revoked, world.certs.revokedIssuer]) {
              const mark = world.journal.mark();
              const { client } = httpsClient(world, port, identity);
              const outcome = await send(client, { method: 'GET', target: '/SMS_MP/.sms_aut?MPLIST1&LAB', headers: [] }).then(
                (response) => `HTTP ${response.status}`,
                (error: Error & { code?: string }) => `error ${error.code ?? error.message}`,
              );
              await client.destroy();
              expect(outcome).not.toBe('HTTP 200');
              expect(outcome).toMatch(/^(HTTP 403|error )/);
              expect(world.journal.since(mark)).toEqual([]);
            }
            expect(proxy.log().filter((line) => line.includes(`authenticated as CN=${cn(world.certs.revoked.subject)}`))).toEqual([]);
          });

          it('does not connect to a site system whose certificate, or whose issuing CA, is revoked (contract 1.1 upstream CRL): the client gets an error, the site system nothing', async () => {
            for (const upstream of ['revoked', 'revoked-issuer'] as const) {
              const variant = world.contract('bridge', `${options.implementation.name}-upstream-${upstream}`, { upstream });
              const started = await options.start(variant);
              try {
                const mark = world.journal.mark();
                const { client } = httpsClient(world, variant.listeners[0]!.bind.port, world.certs.workstation);
                const outcome = await send(client, { method: 'GET', target: '/SMS_MP/.sms_aut?MPLIST1&LAB', headers: [] }).then(
                  (response) => response.status,
                  () => 'error',
                );
                await client.destroy();
                expect(typeof outcome === 'string' || outcome >= 500, `${upstream}: the client got ${outcome}`).toBe(true);
                expect(world.journal.since(mark)).toEqual([]);
              } finally {
                await started.close();
              }
            }
          });
        } else {
          it('leaves TLS untouched: the client sees the site system certificate', async () => {
            const bind = contract.listeners[0]!.bind;
            const socket = tls.connect({
              host: bind.host,
              port: bind.port,
              servername: PUBLIC_NAME,
              ca: world.pki.trustBundlePem,
              cert: world.certs.workstation.chainPem,
              key: world.certs.workstation.keyPem,
            });
            const peer = await new Promise<tls.PeerCertificate>((resolve, reject) => {
              socket.once('secureConnect', () => resolve(socket.getPeerCertificate()));
              socket.once('error', reject);
            });
            socket.destroy();
            expect(peer.serialNumber.toLowerCase()).toBe(world.certs.site.serialNumber.padStart(peer.serialNumber.length, '0'));
          });
        }

        const ntlm = mode === 'tunnel' ? 'paired' : options.bridgeNtlm;
        it(
          ntlm === 'paired'
            ? 'keeps NTLM legs on one upstream connection and never lends it to another client'
            : 'shares pooled upstream connections between clients, so NTLM affinity fails (the recorded expectation)',
          async () => {
            const port = contract.listeners[0]!.bind.port;
            const target = '/ccm_system_windowsauth/request';
            const alice = httpsClient(world, port, world.certs.workstation);
            const bob = httpsClient(world, port, world.certs.workstation2);
            try {
              const first = await send(alice.client, {
                method: 'CCM_POST',
                target,
                headers: [['Authorization', ntlmType1()]],
                body: Buffer.from('x'),
              });
              const second = await send(alice.client, {
                method: 'CCM_POST',
                target,
                headers: [['Authorization', ntlmType3('alice')]],
                body: Buffer.from('x'),
              });
              // Bob has never authenticated; his request must not ride on Alice's connection.
              const stranger = await send(bob.client, { method: 'CCM_POST', target, headers: [], body: Buffer.from('y') });
              const legs = [first, second].map((response) => response.headers['x-echo-connection']);
              expect(first.status).toBe(401);
              if (ntlm === 'paired') {
                expect(second.status).toBe(200);
                expect(second.body.toString()).toBe('authenticated as alice');
                expect(legs[0]).toBe(legs[1]);
                expect(stranger.status).toBe(401);
                expect(stranger.headers['x-echo-connection']).not.toBe(legs[0]);
              } else {
                // Evidence for the expectation: Bob's request went over the connection the site system had
                // authenticated for Alice, so he was served as Alice.
                expect(stranger.headers['x-echo-connection']).toBe(second.headers['x-echo-connection']);
                expect(stranger.body.toString()).toBe('authenticated as alice');
                expect(options.implementation.expectations?.map((item) => `${item.requirement}:${item.modes.join(',')}`)).toContain(
                  'PX-NTLM-AFFINITY:bridge',
                );
              }
            } finally {
              await Promise.all([alice.client.close(), bob.client.close()]);
            }
          },
        );

        it('close() stops the whole process group and leaves nothing listening', async () => {
          expect(alive(proxy.pid)).toBe(true);
          expect(proxy.log().length).toBeGreaterThan(0);
          await proxy.close();
          expect(alive(proxy.pid)).toBe(false);
          expect(() => process.kill(proxy.pid, 0)).toThrow(); // the leader was reaped by us
          expect(groupAlive(proxy.pid)).toBe(false);
          for (const listener of contract.listeners) expect(await refusesTcp(listener.bind.host, listener.bind.port)).toBe(true);
        });
      });
    }
  });
}
