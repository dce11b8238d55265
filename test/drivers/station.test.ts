// The docker driver's client station, run here on loopback (its container only adds the network it
// stands on): the client's CONNECT over the station's Unix socket reaches a TCP server by address or
// by a name the station resolves through the given lab DNS view; a refused port and an unknown name
// come back as the client would have met them itself (ECONNREFUSED, ENOTFOUND), and the DNS view's
// log shows the query came through the station.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectThroughStation } from '../../harness/client/transport.js';
import { startDnsServer, type StartedDnsServer } from '../../harness/dns/index.js';
import { runStation } from '../../harness/drivers/docker/station.js';

let dir: string;
let station: net.Server;
let echo: net.Server;
let echoPort: number;
let dns: StartedDnsServer;
const socketPath = () => join(dir, 'ws01.station.sock');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ibcm-station-'));
  station = await runStation(socketPath());
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
  dns = await startDnsServer({
    view: { name: 'intranet', records: [{ name: 'mp1.corp.ibcm-lab.test', type: 'A', address: '127.0.0.1' }] },
    host: '127.0.0.1',
    port: 0,
  });
});

afterAll(async () => {
  await new Promise((resolve) => station?.close(resolve));
  await new Promise((resolve) => echo?.close(resolve));
  await dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function roundTrip(socket: net.Socket, text: string): Promise<string> {
  socket.write(text);
  const [chunk] = (await new Promise((resolve) => socket.once('data', (data) => resolve([data])))) as [Buffer];
  socket.destroy();
  return chunk.toString();
}

describe('client station', () => {
  it('relays a connection to an address', async () => {
    const socket = await connectThroughStation({ socketPath: socketPath() }, undefined, '127.0.0.1', echoPort, 5000);
    expect(await roundTrip(socket, 'hello')).toBe('hello');
  });

  it('resolves a name through the lab DNS view it is given, and that view logs the query', async () => {
    const mark = dns.mark();
    const socket = await connectThroughStation(
      { socketPath: socketPath() },
      { host: dns.host, port: dns.port },
      'mp1.corp.ibcm-lab.test',
      echoPort,
      5000,
    );
    expect(await roundTrip(socket, 'by name')).toBe('by name');
    expect(dns.since(mark).map((query) => query.name)).toContain('mp1.corp.ibcm-lab.test');
  });

  it('answers a refused port with ECONNREFUSED and an unknown name with ENOTFOUND', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(connectThroughStation({ socketPath: socketPath() }, undefined, '127.0.0.1', closedPort, 5000)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await expect(
      connectThroughStation({ socketPath: socketPath() }, { host: dns.host, port: dns.port }, 'dc1.corp.ibcm-lab.test', echoPort, 5000),
    ).rejects.toMatchObject({ code: 'ENOTFOUND', message: expect.stringContaining('dc1.corp.ibcm-lab.test') });
  });
});
