// Hostile proxies (issue 17): not negative controls of one requirement but peers that misbehave at
// the transport level — a status line that is not HTTP, silence, one byte a second, an endless
// header, a reset mid-body, a TLS handshake closed half way. What they prove is about the lab, not
// a requirement: every check that meets one ends within its deadline with a failed or blocked
// verdict whose reason names what the proxy did, memory stays bounded, and the run goes on.
//
// The Node reference proxy cannot express these (it always speaks correct HTTP), so each is a small
// raw listener on every published address of the contract: TCP, wrapped in server-side TLS with the
// contract's certificate on https listeners (the raw socket is kept, so a reset is a real TCP RST).
//
// Tunnel mode (https listeners with no certificate: the TLS is the client's and the site system's)
// has the forms a TLS pass-through can take: bytes that are not TLS, silence after the ClientHello,
// the site system's bytes relayed one a second, half a ServerHello. An endless header and a reset
// mid-body live inside the end-to-end TLS, which a tunnel cannot write into: those two are bridges only.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { ProxyContract, ProxyListener } from '../contract/schema.js';
import { listen, type Listening } from '../node-proxy/listen.js';
import { ProxyLog } from '../node-proxy/log.js';
import type { ProxyImplementation, StartedProxy } from '../types.js';

export type HostileBehaviour = 'garbage-status' | 'silent' | 'trickle' | 'endless-header' | 'reset-mid-body' | 'tls-half-handshake';

/** The endless header stops here (or when the client hangs up): written as the socket drains, never buffered. */
export const ENDLESS_HEADER_LIMIT_BYTES = 64 * 1024 * 1024;
/** A request head longer than this is not waited for: the hostile proxy misbehaves anyway. */
const REQUEST_HEAD_LIMIT_BYTES = 64 * 1024;
const GARBAGE = 'SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n\r\n';

export interface HostileSpec {
  name: string;
  behaviour: HostileBehaviour;
  description: string;
  /** The checks the self-test runs against it (all go through the proxy's listeners in bridge mode). */
  checks: string[];
  /** What a reason must say for the check to have named what the proxy did. */
  says: RegExp;
  /** The modes it has a form for (default: bridge). */
  modes?: ('bridge' | 'tunnel')[];
}

/**
 * Through the proxy on https listeners: the MP list (GET), registration (CCM_POST), and a signed
 * request that needs registration first (blocked when registration fails: the prerequisite's reason
 * must still name what the proxy did). On the plain HTTP listener: a state message to the fallback
 * status point (POST).
 */
const HTTPS_CHECKS = ['PX-VERB-MP-GET', 'PX-VERB-MP-CCM_POST', 'PX-HDR-MP-CCMClientIDSignature'];
const ALL_CHECKS = [...HTTPS_CHECKS, 'PX-VERB-FSP-POST'];

export const HOSTILE_SPECS: HostileSpec[] = [
  {
    name: 'hostile-garbage-status',
    behaviour: 'garbage-status',
    description: 'answers every request with an SSH banner instead of an HTTP status line, then closes',
    checks: ALL_CHECKS,
    says: /status line that is not HTTP|answered something that is not TLS/,
    modes: ['bridge', 'tunnel'],
  },
  {
    name: 'hostile-silent',
    behaviour: 'silent',
    description: 'accepts the connection, reads the request and never answers',
    checks: ALL_CHECKS,
    says: /no answer within/,
    modes: ['bridge', 'tunnel'],
  },
  {
    name: 'hostile-trickle',
    behaviour: 'trickle',
    description: 'answers a valid response one byte per second',
    checks: ALL_CHECKS,
    says: /no answer within|not complete within/,
    modes: ['bridge', 'tunnel'],
  },
  {
    name: 'hostile-endless-header',
    behaviour: 'endless-header',
    description: `sends a response header that never ends (stops after ${ENDLESS_HEADER_LIMIT_BYTES / 1024 / 1024} MiB or when the client hangs up)`,
    checks: ALL_CHECKS,
    says: /response header exceeded/,
  },
  {
    name: 'hostile-reset-mid-body',
    behaviour: 'reset-mid-body',
    description: 'answers 200 with a 1 MiB Content-Length, sends 1 KiB of it and resets the connection (TCP RST)',
    checks: ALL_CHECKS,
    says: /reset \(TCP RST\)|closed the connection before/,
  },
  {
    name: 'hostile-tls-half-handshake',
    behaviour: 'tls-half-handshake',
    description: 'reads the ClientHello, sends the first half of a ServerHello record and closes',
    checks: HTTPS_CHECKS,
    says: /closed during the TLS handshake/,
    modes: ['bridge', 'tunnel'],
  },
];

export const hostileProxies: ProxyImplementation[] = HOSTILE_SPECS.map((spec) => ({
  name: spec.name,
  kind: 'hostile',
  description: `hostile ${(spec.modes ?? ['bridge']).join(' and ')} proxy that ${spec.description}`,
  modes: spec.modes ?? ['bridge'],
  hostile: { checks: spec.checks, says: spec.says },
  start: (contract) => startHostileProxy(contract, spec.behaviour),
}));

export async function startHostileProxy(
  contract: Pick<ProxyContract, 'listeners' | 'logs'> & Partial<Pick<ProxyContract, 'egress'>>,
  behaviour: HostileBehaviour,
): Promise<StartedProxy> {
  const log = new ProxyLog(contract.logs.dir);
  const listening: Listening[] = [];
  const timers = new Set<NodeJS.Timeout>();
  try {
    for (const listener of contract.listeners) {
      // An https listener without a certificate is a tunnel: the client's TLS passes through.
      const tunnel = listener.scheme === 'https' && !listener.tls;
      if (tunnel && !TUNNEL_FORMS.includes(behaviour))
        throw new Error(`hostile proxy (${behaviour}) has no tunnel form: it lives inside the end-to-end TLS a tunnel cannot write into`);
      const context = listener.tls
        ? tls.createSecureContext({ key: readFileSync(listener.tls.key), cert: readFileSync(listener.tls.chain) })
        : undefined;
      const server = net.createServer((raw) =>
        tunnel
          ? acceptTunnel(raw, listener, contract.egress?.host, behaviour, log, timers)
          : accept(raw, listener, context, behaviour, log, timers),
      );
      listening.push(await listen(server, listener.bind, `hostile proxy (${behaviour}) ${listener.name}`));
      log.write(
        `${listener.name}: hostile (${behaviour}) listening on ${listener.bind.host}:${listener.bind.port} for ${listener.publicName}`,
      );
    }
  } catch (error) {
    await Promise.all(listening.map((item) => item.close()));
    throw error;
  }
  return {
    log: () => log.all(),
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(listening.map((item) => item.close()));
    },
  };
}

const TUNNEL_FORMS: HostileBehaviour[] = ['garbage-status', 'silent', 'trickle', 'tls-half-handshake'];
/** The trickle's relay stops reading the site system beyond this much not yet passed on. */
const TRICKLE_BUFFER_BYTES = 64 * 1024;

/** A tunnel-mode connection: the client's first bytes are its ClientHello. */
function acceptTunnel(
  raw: net.Socket,
  listener: ProxyListener,
  egress: string | undefined,
  behaviour: HostileBehaviour,
  log: ProxyLog,
  timers: Set<NodeJS.Timeout>,
): void {
  const peer = `${raw.remoteAddress}:${raw.remotePort}`;
  const say = (line: string) => log.write(`${listener.name}: ${peer} (tunnel): ${line}`);
  raw.on('error', () => undefined);
  switch (behaviour) {
    case 'garbage-status':
      raw.once('data', () => {
        raw.end(GARBAGE);
        say(`ClientHello read; answered ${JSON.stringify(GARBAGE.trim())} instead of TLS and closed`);
      });
      return;
    case 'silent':
      raw.on('data', () => undefined);
      raw.once('data', () => say('ClientHello read; no answer will come'));
      return;
    case 'tls-half-handshake':
      raw.once('data', () => {
        raw.end(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00, 0x00, 0x56, 0x03, 0x03, 0x01, 0x02, 0x03, 0x04]));
        say('ClientHello read; half a ServerHello sent, connection closed');
      });
      return;
    case 'trickle': {
      // The client's bytes go to the site system as they come; its answers come back one byte a second.
      const upstream = net.connect({
        host: listener.upstream.host,
        port: listener.upstream.port,
        ...(egress ? { localAddress: egress } : {}),
      });
      upstream.on('error', () => raw.destroy());
      raw.pipe(upstream);
      let pending = Buffer.alloc(0);
      let sent = 0;
      upstream.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length > TRICKLE_BUFFER_BYTES) upstream.pause();
      });
      say('relaying the site system one byte per second');
      const timer = setInterval(() => {
        if (raw.destroyed) {
          clearInterval(timer);
          timers.delete(timer);
          upstream.destroy();
          say(`trickle ended after ${sent} bytes (the client hung up)`);
          return;
        }
        if (!pending.length) return;
        raw.write(pending.subarray(0, 1));
        pending = pending.subarray(1);
        sent++;
        if (pending.length <= TRICKLE_BUFFER_BYTES / 2) upstream.resume();
      }, 1000);
      timers.add(timer);
      raw.on('close', () => upstream.destroy());
      return;
    }
    default:
      raw.destroy();
  }
}

function accept(
  raw: net.Socket,
  listener: ProxyListener,
  context: tls.SecureContext | undefined,
  behaviour: HostileBehaviour,
  log: ProxyLog,
  timers: Set<NodeJS.Timeout>,
): void {
  const peer = `${raw.remoteAddress}:${raw.remotePort}`;
  raw.on('error', () => undefined);
  if (listener.scheme === 'https' && behaviour === 'tls-half-handshake') {
    raw.once('data', () => {
      // A handshake record announcing 90 bytes of ServerHello, of which 10 come: then FIN.
      raw.end(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00, 0x00, 0x56, 0x03, 0x03, 0x01, 0x02, 0x03, 0x04]));
      log.write(`${listener.name}: ${peer} ClientHello read; half a ServerHello sent, connection closed`);
    });
    return;
  }
  let socket: net.Socket = raw;
  if (context) {
    const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    secure.on('error', () => raw.destroy());
    socket = secure;
  }
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    if (head.indexOf('\r\n\r\n') < 0 && head.length < REQUEST_HEAD_LIMIT_BYTES) return;
    socket.off('data', onData);
    // Keep reading (and dropping) whatever else the client sends, so it never blocks on a full window.
    socket.on('data', () => undefined);
    const requestLine = head.subarray(0, Math.max(0, head.indexOf('\r\n'))).toString('latin1');
    misbehave(raw, socket, listener, behaviour, log, timers, `${peer} ${requestLine}`);
  };
  socket.on('data', onData);
}

function misbehave(
  raw: net.Socket,
  socket: net.Socket,
  listener: ProxyListener,
  behaviour: HostileBehaviour,
  log: ProxyLog,
  timers: Set<NodeJS.Timeout>,
  what: string,
): void {
  const say = (line: string) => log.write(`${listener.name}: ${what}: ${line}`);
  switch (behaviour) {
    case 'garbage-status':
      socket.end(GARBAGE);
      say(`answered ${JSON.stringify(GARBAGE.trim())} and closed`);
      return;
    case 'silent':
    case 'tls-half-handshake': // on a plain-HTTP listener: the request is read and never answered
      say('read the request; no answer will come');
      return;
    case 'trickle': {
      const response = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 64\r\n\r\n' + 'x'.repeat(64), 'latin1');
      let sent = 0;
      say('answering one byte per second');
      const timer = setInterval(() => {
        if (socket.destroyed || sent >= response.length) {
          clearInterval(timer);
          timers.delete(timer);
          if (!socket.destroyed) socket.end();
          say(`trickle ended after ${sent} bytes${socket.destroyed ? ' (the client hung up)' : ''}`);
          return;
        }
        socket.write(response.subarray(sent, ++sent));
      }, 1000);
      timers.add(timer);
      return;
    }
    case 'endless-header': {
      say('sending a header that never ends');
      socket.write('HTTP/1.1 200 OK\r\n');
      const line = Buffer.from(`X-Hostile-Filler: ${'a'.repeat(4000)}\r\n`, 'latin1');
      let sent = 0;
      const pump = () => {
        // Written as the socket drains: at most one socket buffer of it is ever in memory.
        while (!socket.destroyed && sent < ENDLESS_HEADER_LIMIT_BYTES) {
          sent += line.length;
          if (!socket.write(line)) return;
        }
        if (!socket.destroyed) socket.end();
        say(`header stopped after ${sent} bytes`);
      };
      socket.on('drain', pump);
      socket.once('close', () => {
        if (sent < ENDLESS_HEADER_LIMIT_BYTES) say(`the client hung up after ${sent} header bytes`);
      });
      pump();
      return;
    }
    case 'reset-mid-body':
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${1024 * 1024}\r\n\r\n${'x'.repeat(1024)}`,
        () => {
          setTimeout(() => {
            try {
              raw.resetAndDestroy();
            } catch {
              socket.destroy();
            }
            say('reset the connection after 1 KiB of a 1 MiB body');
          }, 50);
        },
      );
      return;
  }
}
