// Client side of the lab DNS: a `lookup` for net/tls/undici that asks a lab
// DNS listener over the wire (c-ares via dns.promises.Resolver) instead of the
// host's resolver (/etc/hosts, getaddrinfo), so a simulated client sees
// exactly the view of the segment it sits in.
import { promises as dnsPromises } from 'node:dns';
import net from 'node:net';

export interface DnsServerAddress {
  host: string;
  port: number;
}

export interface LabLookupOptions {
  /** Per-try timeout (ms). Lab servers are local, so failures should be quick. */
  timeoutMs?: number;
  tries?: number;
}

export type LabLookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

export type LabLookupFunction = (hostname: string, options: object, callback: LabLookupCallback) => void;

// A fresh Resolver per lookup: c-ares >= 1.23 caches answers per channel for
// their TTL, and the lab changes views mid-run (client moves, role added).
// Creating a channel is cheap; a stale answer would be a false verdict.
function makeResolver(server: DnsServerAddress, opts: LabLookupOptions): dnsPromises.Resolver {
  const resolver = new dnsPromises.Resolver({ timeout: opts.timeoutMs ?? 1000, tries: opts.tries ?? 2 });
  resolver.setServers([net.isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`]);
  return resolver;
}

/** A/CNAME lookup against one lab DNS listener. Errors keep c-ares codes (ENOTFOUND, ENODATA, ECONNREFUSED...). */
export async function resolveA(server: DnsServerAddress, name: string, opts: LabLookupOptions = {}): Promise<string[]> {
  return makeResolver(server, opts).resolve4(name);
}

function lookupError(hostname: string, server: DnsServerAddress, cause: NodeJS.ErrnoException): NodeJS.ErrnoException {
  // Like dns.lookup: "no such name" and "name has no A record" are both ENOTFOUND.
  const code = cause.code === 'ENODATA' || cause.code === 'ENOTFOUND' ? 'ENOTFOUND' : (cause.code ?? 'ESERVFAIL');
  const err = new Error(`getaddrinfo ${code} ${hostname} (lab dns ${server.host}:${server.port})`, { cause }) as NodeJS.ErrnoException & {
    hostname: string;
  };
  err.code = code;
  err.syscall = 'getaddrinfo';
  err.hostname = hostname;
  return err;
}

/**
 * Returns a `lookup(hostname, options, callback)` usable as the `lookup`
 * option of net.connect / tls.connect / undici `connect`. IPv4 only (the
 * views hold A records); honours `options.all`; IP literals skip DNS.
 */
export function labLookup(server: DnsServerAddress, opts: LabLookupOptions = {}): LabLookupFunction {
  return (hostname, options, callback) => {
    const o = (options ?? {}) as { all?: boolean; family?: number | string };
    const all = o.all === true;
    const reply = (addresses: string[], family: number): void => {
      if (all)
        callback(
          null,
          addresses.map((address) => ({ address, family })),
        );
      else callback(null, addresses[0], family);
    };
    const fail = (err: NodeJS.ErrnoException): void => callback(err, all ? [] : '');

    const literal = net.isIP(hostname);
    if (literal !== 0) {
      process.nextTick(reply, [hostname], literal);
      return;
    }
    const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
    if (name === '' || o.family === 6 || o.family === 'IPv6') {
      const cause = Object.assign(new Error('no IPv6 in lab views'), { code: 'ENOTFOUND' }) as NodeJS.ErrnoException;
      process.nextTick(fail, lookupError(hostname, server, cause));
      return;
    }
    makeResolver(server, opts)
      .resolve4(name)
      .then(
        (addresses) =>
          addresses.length > 0
            ? reply(addresses, 4)
            : fail(lookupError(hostname, server, Object.assign(new Error('no addresses'), { code: 'ENODATA' }))),
        (err: NodeJS.ErrnoException) => fail(lookupError(hostname, server, err)),
      );
  };
}
