// A client station: the network stack of one simulated client on the docker driver. The client's
// code runs on this machine (in the check's worker), but every TCP connection it makes — and every
// name it resolves — leaves from this small container, which stands on exactly one segment network
// at a time. Moving the client between networks is then what the issue asks for: `docker network
// disconnect` from the old segment and `connect` to the new one (the container keeps running, its
// connections on the old network die as a real move kills them).
//
// The relay speaks HTTP CONNECT on a Unix socket in the lab's control directory (mounted into the
// container), with one extra field: `X-Ibcm-Dns: <address>:<port>`, the lab DNS view the client
// asks (names are resolved here, so the query too comes from the client's segment). Answers
// `200 Connection Established`, or `502` with `X-Ibcm-Error-Code` (ENOTFOUND, ECONNREFUSED,
// EHOSTUNREACH, ETIMEDOUT …) and `X-Ibcm-Error-Message`, so the client reports the failure it would
// have met itself.
// Written by hand: no maintained library relays CONNECT over a Unix socket with a per-request resolver.
import { rmSync } from 'node:fs';
import net from 'node:net';
import { labLookup } from '../../dns/resolver.js';
import { HttpReader, encodeResponse, serializeResponseHead } from '../../http/index.js';

export const STATION_READY_LINE = 'ibcm-lab client station ready';
/** The field that names the DNS view to resolve the CONNECT target's name with. */
export const STATION_DNS_FIELD = 'X-Ibcm-Dns';
export const STATION_ERROR_FIELD = 'X-Ibcm-Error-Code';
export const STATION_MESSAGE_FIELD = 'X-Ibcm-Error-Message';
const CONNECT_TIMEOUT_MS = 10_000;

export async function runStation(socketPath: string): Promise<net.Server> {
  const server = net.createServer((client) => {
    relay(client).catch(() => client.destroy());
  });
  rmSync(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return server;
}

async function relay(client: net.Socket): Promise<void> {
  client.on('error', () => undefined);
  const reader = new HttpReader(client);
  const request = await reader.readRequest();
  const match = request && request.method === 'CONNECT' ? /^([^:]+):(\d+)$/.exec(request.target) : null;
  if (!request || !match) {
    client.end(encodeResponse({ status: 400, headers: [['Connection', 'close']], body: 'a client station takes CONNECT host:port\n' }));
    return;
  }
  const dns = request.headers.find((header) => header.name.toLowerCase() === STATION_DNS_FIELD.toLowerCase())?.value;
  const server = dns ? /^([^:]+):(\d+)$/.exec(dns) : null;
  let upstream: net.Socket;
  try {
    upstream = await dial(match[1]!, Number(match[2]), server ? { host: server[1]!, port: Number(server[2]) } : undefined);
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    const message = failure.message.replace(/[\r\n]+/g, ' ');
    client.end(
      encodeResponse({
        status: 502,
        headers: [
          [STATION_ERROR_FIELD, failure.code ?? 'ECONNRESET'],
          [STATION_MESSAGE_FIELD, message],
          ['Connection', 'close'],
        ],
        body: `${message}\n`,
      }),
    );
    return;
  }
  const early = reader.release();
  client.write(serializeResponseHead({ status: 200, reason: 'Connection Established', headers: [] }));
  if (early.length) upstream.write(early);
  client.pipe(upstream).pipe(client);
  upstream.on('error', () => client.destroy());
  upstream.on('close', () => client.destroy());
  client.on('close', () => upstream.destroy());
}

function dial(host: string, port: number, dns: { host: string; port: number } | undefined): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, ...(dns ? { lookup: labLookup(dns) as never } : {}) });
    const timer = setTimeout(
      () =>
        socket.destroy(
          Object.assign(new Error(`connect to ${host}:${port} timed out after ${CONNECT_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' }),
        ),
      CONNECT_TIMEOUT_MS,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** bin/ibcm-lab-station.mjs: `<socket-path>`; runs until SIGTERM or SIGINT. */
export async function stationMain(argv: string[]): Promise<number> {
  const socketPath = argv[0];
  if (!socketPath) {
    process.stderr.write('ibcm-lab station: usage: ibcm-lab-station <socket-path> (run by the docker driver inside a container)\n');
    return 2;
  }
  const server = await runStation(socketPath);
  process.stdout.write(`${STATION_READY_LINE} ${socketPath}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  server.close();
  rmSync(socketPath, { force: true });
  return 0;
}
