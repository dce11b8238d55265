// The client's CONNECT through a web proxy against raw loopback servers: a proxy that answers 200
// hands back the tunnel, one that answers 502 is a refusal naming the status line, and one that
// hangs up without a word is a failure at once — not a wait for the connect timeout.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectThroughProxy } from '../../harness/client/transport.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A one-trick web proxy on loopback: reads the CONNECT head, then does `answer` with the socket. */
async function webProxy(answer: (socket: net.Socket) => void): Promise<{ host: string; port: number }> {
  const server = net.createServer((socket) => {
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) answer(socket);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
}

describe('connectThroughProxy', () => {
  it('resolves with the tunnel when the proxy answers 200', async () => {
    const proxy = await webProxy((socket) => socket.write('HTTP/1.1 200 Connection Established\r\n\r\n'));
    const socket = await connectThroughProxy(proxy, undefined, 'mp.ibcm-lab.example', 443, 5000);
    expect(socket.readyState).toBe('open');
    socket.destroy();
  });

  it('rejects with the status line when the proxy refuses', async () => {
    const proxy = await webProxy((socket) => socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n'));
    await expect(connectThroughProxy(proxy, undefined, 'mp.ibcm-lab.example', 443, 5000)).rejects.toMatchObject({
      code: 'PROXY_CONNECT_REFUSED',
      message: expect.stringContaining('502 Bad Gateway'),
    });
  });

  it('rejects at once when the proxy hangs up without answering', async () => {
    const proxy = await webProxy((socket) => socket.destroy());
    // The code tells the hang-up from the timeout (UND_ERR_CONNECT_TIMEOUT), which is far off anyway.
    await expect(connectThroughProxy(proxy, undefined, 'mp.ibcm-lab.example', 443, 600_000)).rejects.toMatchObject({
      code: 'UND_ERR_SOCKET',
      message: expect.stringContaining('without answering CONNECT'),
    });
  });
});
