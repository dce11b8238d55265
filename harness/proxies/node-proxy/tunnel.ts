// SSL tunnelling (seed 000; seed 001 "tunnelling"): the proxy forwards the TLS bytes without
// terminating them and holds no certificate; the site system sees the client's own certificate.
import net from 'node:net';
import type { ProxyContract, ProxyListener } from '../contract/schema.js';
import type { ProxyLog } from './log.js';
import { listen, type Listening } from './listen.js';

export function startTunnel(contract: ProxyContract, listener: ProxyListener, log: ProxyLog): Promise<Listening> {
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: listener.upstream.host, port: listener.upstream.port, localAddress: contract.egress.host });
    upstream.once('connect', () =>
      log.write(
        `${listener.name}: tunnel ${client.remoteAddress}:${client.remotePort} <-> ${listener.upstream.host}:${listener.upstream.port} via ${upstream.localAddress}:${upstream.localPort}`,
      ),
    );
    upstream.on('error', (error) => {
      log.write(`${listener.name}: upstream error: ${error.message}`);
      client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return listen(server, listener.bind, `node proxy (tunnel) ${listener.name}`);
}
