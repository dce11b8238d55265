// A real browser on the client's segment: Chromium (the one chromium.ts finds) driven by Playwright,
// presenting the client's PKI certificate and answering Windows authentication (APPCAT-BROWSER). It
// knows the lab only through its ClientProfile and the network, like every client.
//
// Name resolution. With `clientCertificates` Playwright makes the TLS connection from Node, which
// resolves names itself — the machine's resolver knows no lab name, and Chromium's
// --host-resolver-rules never reach that side (research/platform-notes.md). So the browser gets a
// proxy of its own, a tiny HTTP CONNECT relay bound on the client's segment address: it resolves
// each name through the lab DNS view of the client's segment and opens the connection from the
// client's address (through the machine's web proxy when the profile has one, as the ConfigMgr
// client does). Playwright's Node side goes through the same relay, so both sides see the lab's
// names exactly as a client standing on that segment would. /etc/hosts is never touched.
//
// Trust. Node's TLS side verifies the site certificate (Playwright sets rejectUnauthorized unless
// told to ignore HTTPS errors) against its default roots; Node 20 cannot add a root at run time.
// The client certificate is therefore handed over as PKCS#12 carrying the lab roots as well: Node
// adds a PKCS#12's extra certificates to that secure context's trust store, so the lab CA is
// trusted for exactly these origins and nothing else in the process changes.
import { randomBytes } from 'node:crypto';
import net, { type Socket } from 'node:net';
import type { Browser, BrowserContext } from '@playwright/test';
import { labLookup } from '../dns/resolver.js';
import { pkcs12Der } from '../pki/pkcs12.js';
import { launchChromium } from './chromium.js';
import type { ClientProfile } from './profile.js';
import { connectThroughProxy } from './transport.js';

/** Flags for a quiet, headless Chromium that talks to nothing but the lab. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--no-pings',
];

export { chromiumMissing } from './chromium.js';

/** One connection the relay opened for the browser: what was asked, where it went, how it ended. */
export interface RelayedConnection {
  at: string;
  target: string;
  /** What the lab DNS view answered (or the web proxy that resolved it). */
  resolvedTo?: string;
  localAddress?: string;
  error?: string;
}

export interface BrowserClient {
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** `http://<client address>:<port>`: the name-resolving relay the browser uses as its proxy. */
  readonly relay: string;
  readonly connections: RelayedConnection[];
  close(): Promise<void>;
}

export interface BrowserClientOptions {
  /** Origins (`https://appcat.example:443`) the client certificate is presented to. */
  origins: string[];
  /** Answer Windows authentication with the profile's domain account (default true). */
  windowsAuth?: boolean;
}

export async function openBrowserClient(profile: ClientProfile, options: BrowserClientOptions): Promise<BrowserClient> {
  const relay = await startRelay(profile);
  let browser: Browser | undefined;
  try {
    ({ browser } = await launchChromium({ args: CHROMIUM_ARGS, headless: true }));
    const certificate = profile.certificate;
    const passphrase = randomBytes(12).toString('hex');
    const pfx = certificate
      ? pkcs12Der({
          keyPem: certificate.keyPem,
          chainPems: [...pemBlocks(certificate.chainPem), ...pemBlocks(profile.trustedRootsPem)],
          password: passphrase,
          friendlyName: profile.fqdn,
        })
      : undefined;
    const account = profile.account;
    const context = await browser.newContext({
      proxy: { server: relay.url },
      clientCertificates: pfx ? options.origins.map((origin) => ({ origin, pfx, passphrase })) : undefined,
      httpCredentials:
        account && options.windowsAuth !== false
          ? { username: `${account.domain}\\${account.user}`, password: account.password }
          : undefined,
    });
    const opened = browser;
    return {
      browser: opened,
      context,
      relay: relay.url,
      connections: relay.connections,
      async close() {
        await context.close().catch(() => undefined);
        await opened.close().catch(() => undefined);
        await relay.close();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await relay.close();
    throw error;
  }
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

interface Relay {
  url: string;
  connections: RelayedConnection[];
  close(): Promise<void>;
}

/** The CONNECT relay on the client's address (see the top of this file). CONNECT only: everything the browser fetches is HTTPS through it. */
function startRelay(profile: ClientProfile): Promise<Relay> {
  const connections: RelayedConnection[] = [];
  const sockets = new Set<Socket>();
  const lookup = labLookup(profile.dns);
  const bindAddress = profile.localAddress ?? '127.0.0.1';
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16_384) socket.destroy();
        return;
      }
      socket.off('data', onData);
      const match = /^CONNECT ([^\s:]+|\[[^\]]+\]):(\d+) HTTP\/1\.[01]\r\n/.exec(head.toString('latin1'));
      const rest = head.subarray(end + 4);
      if (!match) {
        socket.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      const host = match[1]!;
      const port = Number(match[2]);
      const record: RelayedConnection = { at: new Date().toISOString(), target: `${host}:${port}` };
      connections.push(record);
      open(host, port, record).then(
        (upstream) => {
          sockets.add(upstream);
          upstream.once('close', () => sockets.delete(upstream));
          socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (rest.length) upstream.write(rest);
          socket.pipe(upstream).on('error', () => undefined);
          upstream.pipe(socket);
          upstream.on('error', () => socket.destroy());
          socket.on('close', () => upstream.destroy());
          upstream.on('close', () => socket.destroy());
        },
        (error: Error) => {
          record.error = error.message;
          socket.end(
            `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(error.message)}\r\n\r\n${error.message}`,
          );
        },
      );
    };
    socket.on('data', onData);
  });

  const open = async (host: string, port: number, record: RelayedConnection): Promise<Socket> => {
    if (profile.webProxy) {
      // The machine's web proxy resolves the name (forward mode), as for the ConfigMgr client.
      record.resolvedTo = `web proxy ${profile.webProxy.host}:${profile.webProxy.port}`;
      const socket = await connectThroughProxy(profile.webProxy, profile.localAddress, host, port, 10_000);
      record.localAddress = socket.localAddress;
      return socket;
    }
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, localAddress: profile.localAddress, lookup: lookup as never });
      socket.once('lookup', (error: Error | null, address: string) => {
        if (!error) record.resolvedTo = address;
      });
      socket.once('connect', () => {
        record.localAddress = socket.localAddress;
        resolve(socket);
      });
      socket.once('error', reject);
    });
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, bindAddress, () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        url: `http://${bindAddress}:${address.port}`,
        connections,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
