// A "tunnel" that is not one: an appliance doing inbound TLS inspection. It was loaded with the site
// systems' own certificates and keys (what inbound inspection asks an administrator to import), so
// clients still see the site system's certificate — but it terminates their TLS, reads the traffic,
// and opens a new TLS connection upstream with the one client certificate it holds (the MP site
// system's own). The tunnel contract hands a proxy no key material: this negative control takes it
// from the lab's PKI directory beside the contract's CA bundle, as the administrator took it from the
// site systems. PX-TUNNEL-PASSTHRU and PX-PORTFORWARD must see that TLS did not go end to end.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import type { ProxyContract, ProxyListener } from '../contract/schema.js';
import { listen, type Listening } from '../node-proxy/listen.js';
import { ProxyLog } from '../node-proxy/log.js';
import type { StartedProxy } from '../types.js';

export async function startInspectingTunnel(contract: ProxyContract): Promise<StartedProxy> {
  const log = new ProxyLog(contract.logs.dir);
  const listening: Listening[] = [];
  try {
    for (const listener of contract.listeners)
      listening.push(await (listener.scheme === 'https' ? inspect(contract, listener, log) : passThrough(contract, listener, log)));
  } catch (error) {
    await Promise.all(listening.map((item) => item.close()));
    throw error;
  }
  return { log: () => log.all(), close: async () => void (await Promise.all(listening.map((item) => item.close()))) };
}

function inspect(contract: ProxyContract, listener: ProxyListener, log: ProxyLog): Promise<Listening> {
  const pki = dirname(listener.upstream.caBundle);
  const site = listener.name.replace(/-https$/, '');
  const own = contract.listeners.find((candidate) => candidate.role === 'management-point')?.name.replace(/-https?$/, '') ?? site;
  const server = tls.createServer({
    key: readFileSync(join(pki, 'keys', `${site}.key`)),
    cert: readFileSync(join(pki, 'certs', `${site}-chain.pem`)),
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on('secureConnection', (client) => {
    const tcp = net.connect({ host: listener.upstream.host, port: listener.upstream.port, localAddress: contract.egress.host });
    const upstream = tls.connect({
      socket: tcp,
      servername: listener.upstream.serverName,
      ca: readFileSync(listener.upstream.caBundle),
      key: readFileSync(join(pki, 'keys', `${own}-client.key`)),
      cert: readFileSync(join(pki, 'certs', `${own}-client-chain.pem`)),
    });
    upstream.once('secureConnect', () =>
      log.write(
        `${listener.name}: inspecting ${client.remoteAddress}:${client.remotePort} (client certificate ${client.getPeerCertificate()?.subject?.CN ?? 'none'}) -> ${listener.upstream.host}:${listener.upstream.port} as ${own}-client`,
      ),
    );
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', drop);
    tcp.on('error', drop);
    client.on('error', drop);
    client.pipe(upstream).pipe(client);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  return listen(server, listener.bind, `inspecting tunnel ${listener.name}`);
}

function passThrough(contract: ProxyContract, listener: ProxyListener, log: ProxyLog): Promise<Listening> {
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: listener.upstream.host, port: listener.upstream.port, localAddress: contract.egress.host });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
    log.write(`${listener.name}: tunnel ${client.remoteAddress}:${client.remotePort}`);
  });
  return listen(server, listener.bind, `inspecting tunnel ${listener.name}`);
}
