// Split-horizon DNS: two real listeners (internet, intranet) checked with
// Node's own c-ares resolver and with raw UDP/TCP packets.
import dgram from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labLookup, resolveA, startDnsServer, type DnsRecord, type StartedDnsServer } from '../../harness/dns/index.js';

const BIG_TXT_COUNT = 40;

const internetRecords: DnsRecord[] = [
  { name: 'www.ibcm-lab.test', type: 'A', address: '198.18.20.10' },
  { name: 'portal.ibcm-lab.test', type: 'CNAME', target: 'edge.ibcm-lab.test' },
  { name: 'edge.ibcm-lab.test.', type: 'CNAME', target: 'GW.ibcm-lab.test' },
  { name: 'gw.ibcm-lab.test', type: 'A', address: '198.18.20.1' },
  { name: 'gw.ibcm-lab.test', type: 'A', address: '198.18.20.2' },
  { name: 'dangling.ibcm-lab.test', type: 'CNAME', target: 'nowhere.ibcm-lab.test' },
  { name: 'info.ibcm-lab.test', type: 'TXT', text: 'v=ibcm-lab1 segment=internet' },
  { name: 'long.ibcm-lab.test', type: 'TXT', text: 'x'.repeat(300) },
  ...Array.from({ length: BIG_TXT_COUNT }, (_, i): DnsRecord => ({
    name: 'big.ibcm-lab.test',
    type: 'TXT',
    text: `${i}:`.padEnd(200, 'y'),
  })),
];

const intranetOnly: DnsRecord[] = [
  { name: 'mp.corp.ibcm-lab.test', type: 'A', address: '198.18.10.5' },
  { name: '_mssms_mp_lab._tcp.corp.ibcm-lab.test', type: 'SRV', target: 'mp.corp.ibcm-lab.test', port: 443, priority: 0, weight: 10 },
];

/** 127.0.0.x other than .1 exists on Linux but not on macOS: fall back to 127.0.0.1. */
async function loopback(preferred: string): Promise<string> {
  const sock = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, preferred, () => resolve());
    });
    return preferred;
  } catch {
    return '127.0.0.1';
  } finally {
    try {
      sock.close();
    } catch {
      /* not bound */
    }
  }
}

function resolverFor(s: StartedDnsServer): dnsPromises.Resolver {
  const r = new dnsPromises.Resolver({ timeout: 500, tries: 1 });
  r.setServers([`${s.host}:${s.port}`]);
  return r;
}

function query(name: string, type: dnsPacket.RecordType, id = 4242, extra: Partial<dnsPacket.Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }], ...extra });
}

function udpExchange(s: StartedDnsServer, msg: Buffer, waitMs = 300): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      resolve(undefined);
    }, waitMs);
    sock.on('message', (reply) => {
      clearTimeout(timer);
      sock.close();
      resolve(reply);
    });
    sock.send(msg, s.port, s.host);
  });
}

function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** Write `chunks` (with a pause between them) and collect `expected` length-prefixed replies. */
function tcpExchange(s: StartedDnsServer, chunks: Buffer[], expected: number): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(s.port, s.host);
    const replies: Reply[] = [];
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`tcp: got ${replies.length}/${expected} replies`));
    }, 1000);
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        replies.push(decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (replies.length >= expected) {
        clearTimeout(timer);
        sock.end();
        resolve(replies);
      }
    });
    sock.on('connect', async () => {
      for (const c of chunks) {
        sock.write(c);
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  });
}

/** dns-packet decodes `rcode`/`opcode` but its typings omit them. */
type Reply = dnsPacket.DecodedPacket & { rcode: string; opcode: string };
function decode(reply: Buffer | undefined): Reply {
  if (reply === undefined) throw new Error('no reply');
  return dnsPacket.decode(reply) as Reply;
}

function rcodeOf(reply: Buffer): number {
  return reply.readUInt16BE(2) & 0xf;
}

let internet: StartedDnsServer;
let intranet: StartedDnsServer;
let appHost: string;

beforeAll(async () => {
  const [internetHost, intranetHost] = await Promise.all([loopback('127.0.0.53'), loopback('127.0.0.54')]);
  appHost = internetHost;
  const app: DnsRecord = { name: 'app.ibcm-lab.test', type: 'A', address: appHost };
  internet = await startDnsServer({ view: { name: 'internet', records: [...internetRecords, app] }, host: internetHost, port: 0 });
  intranet = await startDnsServer({
    view: { name: 'intranet', records: [...internetRecords, app, ...intranetOnly] },
    host: intranetHost,
    port: 0,
  });
});

afterAll(async () => {
  await Promise.all([internet?.close(), intranet?.close()]);
});

describe('split-horizon views', () => {
  it('internet names resolve on both views, case-insensitively and with a trailing dot', async () => {
    for (const s of [internet, intranet]) {
      expect(await resolverFor(s).resolve4('www.ibcm-lab.test')).toEqual(['198.18.20.10']);
      expect(await resolverFor(s).resolve4('WWW.Ibcm-Lab.TEST.')).toEqual(['198.18.20.10']);
    }
  });

  it('intranet-only names resolve on the intranet view and are NXDOMAIN on the internet view', async () => {
    expect(await resolverFor(intranet).resolve4('mp.corp.ibcm-lab.test')).toEqual(['198.18.10.5']);
    await expect(resolverFor(internet).resolve4('mp.corp.ibcm-lab.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    // Not even the parent of an intranet name leaks to the internet view.
    const reply = decode(await udpExchange(internet, query('corp.ibcm-lab.test', 'A')));
    expect(reply.rcode).toBe('NXDOMAIN');
    expect(reply.flag_aa).toBe(true);
    // ...whereas on the intranet view it is an empty non-terminal (NODATA).
    const ent = decode(await udpExchange(intranet, query('corp.ibcm-lab.test', 'A')));
    expect(ent.rcode).toBe('NOERROR');
    expect(ent.answers).toEqual([]);
  });

  it('names outside every zone are NXDOMAIN with AA (no recursion, RA clear)', async () => {
    const reply = decode(await udpExchange(internet, query('example.com', 'A')));
    expect(reply).toMatchObject({ rcode: 'NXDOMAIN', flag_aa: true, flag_ra: false, flag_rd: true, id: 4242 });
    expect(reply.questions).toEqual([{ name: 'example.com', type: 'A', class: 'IN' }]);
  });

  it('follows CNAME chains inside the view and returns the whole chain', async () => {
    expect((await resolverFor(internet).resolve4('portal.ibcm-lab.test')).sort()).toEqual(['198.18.20.1', '198.18.20.2']);
    expect(await resolverFor(internet).resolveCname('portal.ibcm-lab.test')).toEqual(['edge.ibcm-lab.test']);
    const reply = decode(await udpExchange(internet, query('Portal.ibcm-lab.test', 'A')));
    expect(reply.rcode).toBe('NOERROR');
    expect(reply.answers!.map((a) => `${a.name} ${a.type} ${(a as dnsPacket.StringAnswer).data}`)).toEqual([
      'Portal.ibcm-lab.test CNAME edge.ibcm-lab.test',
      'edge.ibcm-lab.test CNAME gw.ibcm-lab.test',
      'gw.ibcm-lab.test A 198.18.20.1',
      'gw.ibcm-lab.test A 198.18.20.2',
    ]);
    // A chain into nothing: CNAME in the answer, NXDOMAIN for the last name (RFC 6604).
    const dangling = decode(await udpExchange(internet, query('dangling.ibcm-lab.test', 'A')));
    expect(dangling.rcode).toBe('NXDOMAIN');
    expect(dangling.answers).toHaveLength(1);
  });

  it('serves SRV for the management point on the intranet view only', async () => {
    const name = '_mssms_mp_lab._tcp.corp.ibcm-lab.test';
    // Node 24 adds `type: 'SRV'` to each record (Node 20 does not): compare the fields DNS carries.
    expect(await resolverFor(intranet).resolveSrv(name)).toMatchObject([
      { name: 'mp.corp.ibcm-lab.test', port: 443, priority: 0, weight: 10 },
    ]);
    await expect(resolverFor(internet).resolveSrv(name)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('serves TXT, splitting strings longer than 255 bytes', async () => {
    expect(await resolverFor(internet).resolveTxt('info.ibcm-lab.test')).toEqual([['v=ibcm-lab1 segment=internet']]);
    const long = await resolverFor(internet).resolveTxt('long.ibcm-lab.test');
    expect(long[0].join('')).toBe('x'.repeat(300));
  });

  it('AAAA for a known name is NODATA; for an unknown name NXDOMAIN with AA', async () => {
    const nodata = decode(await udpExchange(internet, query('www.ibcm-lab.test', 'AAAA')));
    expect(nodata).toMatchObject({ rcode: 'NOERROR', flag_aa: true, answers: [] });
    const nx = decode(await udpExchange(internet, query('nope.ibcm-lab.test', 'AAAA')));
    expect(nx).toMatchObject({ rcode: 'NXDOMAIN', flag_aa: true, answers: [] });
    await expect(resolverFor(internet).resolve6('www.ibcm-lab.test')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('answers NOTIMP for other opcodes and REFUSED for zone transfers / other classes', async () => {
    const status = query('www.ibcm-lab.test', 'A');
    status.writeUInt16BE(status.readUInt16BE(2) | (2 << 11), 2); // opcode STATUS
    expect(rcodeOf((await udpExchange(internet, status))!)).toBe(4);
    expect(rcodeOf((await udpExchange(internet, query('ibcm-lab.test', 'AXFR')))!)).toBe(5);
    const chaos = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
    expect(rcodeOf((await udpExchange(internet, chaos))!)).toBe(5);
  });

  it('answers EDNS queries with an OPT record', async () => {
    const msg = query('www.ibcm-lab.test', 'A', 7, {
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: 0, options: [] } as unknown as dnsPacket.Answer],
    });
    const reply = decode(await udpExchange(internet, msg));
    expect(reply.rcode).toBe('NOERROR');
    expect(reply.additionals!.map((a) => a.type)).toEqual(['OPT']);
  });
});

describe('transports', () => {
  it('TCP: pipelined queries on one connection, split across reads', async () => {
    const bytes = Buffer.concat([frame(query('www.ibcm-lab.test', 'A', 1)), frame(query('mp.corp.ibcm-lab.test', 'A', 2))]);
    // One byte per write for the first 20 bytes, then the rest in one go.
    const chunks = [...Array.from({ length: 20 }, (_, i) => bytes.subarray(i, i + 1)), bytes.subarray(20)];
    const replies = await tcpExchange(intranet, chunks, 2);
    expect(replies.map((r) => [r.id, r.rcode, (r.answers![0] as dnsPacket.StringAnswer).data])).toEqual([
      [1, 'NOERROR', '198.18.20.10'],
      [2, 'NOERROR', '198.18.10.5'],
    ]);
    expect(intranet.queries().at(-1)).toMatchObject({ transport: 'tcp', name: 'mp.corp.ibcm-lab.test', type: 'A', rcode: 'NOERROR' });
  });

  it('UDP answers over 512 bytes set TC; TCP carries the full set; c-ares falls back by itself', async () => {
    const udp = decode(await udpExchange(internet, query('big.ibcm-lab.test', 'TXT')));
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers).toEqual([]);
    const [tcp] = await tcpExchange(internet, [frame(query('big.ibcm-lab.test', 'TXT'))], 1);
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(BIG_TXT_COUNT);

    const mark = internet.mark();
    expect(await resolverFor(internet).resolveTxt('big.ibcm-lab.test')).toHaveLength(BIG_TXT_COUNT);
    const log = internet.since(mark);
    expect(log.map((e) => [e.transport, e.truncated ?? false])).toEqual([
      ['udp', true],
      ['tcp', false],
    ]);
  });

  it('survives garbage on UDP and TCP', async () => {
    const mark = internet.mark();
    const header = (qd: number): Buffer => Buffer.from([0x12, 0x34, 0x01, 0x00, 0, qd, 0, 0, 0, 0, 0, 0]);
    // Header readable but no question / truncated question → FORMERR with the same id.
    const formerr = (await udpExchange(internet, header(1)))!;
    expect(formerr.readUInt16BE(0)).toBe(0x1234);
    expect(rcodeOf(formerr)).toBe(1);
    expect(rcodeOf((await udpExchange(internet, header(3)))!)).toBe(1);
    // Compression-pointer loop in the question, bad OPT, labels with odd bytes.
    const loop = Buffer.concat([header(1), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
    expect(rcodeOf((await udpExchange(internet, loop))!)).toBe(1);
    const odd = Buffer.concat([header(1), Buffer.from([3, 0x2e, 0xff, 0x00, 4]), Buffer.from('test'), Buffer.from([0, 0, 1, 0, 1])]);
    const oddReply = (await udpExchange(internet, odd))!;
    expect(rcodeOf(oddReply)).toBe(3);
    expect(oddReply.subarray(12, odd.length)).toEqual(odd.subarray(12)); // question echoed byte for byte
    // Too short to have a header, or not a query: silently ignored.
    expect(await udpExchange(internet, Buffer.from([1, 2, 3]), 100)).toBeUndefined();
    const randoms = Array.from({ length: 50 }, (_, i) =>
      Buffer.from(Array.from({ length: 1 + ((i * 37) % 300) }, (_, j) => (i * 131 + j * 17) & 0xff)),
    );
    await Promise.all(randoms.map((r) => udpExchange(internet, r, 100)));

    // TCP: a garbage frame, an empty frame, then a real query on the same connection.
    const [ok] = await tcpExchange(
      internet,
      [frame(Buffer.from('garbage!')), frame(Buffer.alloc(0)), frame(query('www.ibcm-lab.test', 'A', 9))],
      1,
    );
    expect(ok).toMatchObject({ id: 9, rcode: 'NOERROR' });
    // A connection that promises a long frame and hangs up mid-way.
    await new Promise<void>((resolve) => {
      const sock = net.connect(internet.port, internet.host, () => sock.end(Buffer.from([0xff, 0xff, 1, 2, 3]), () => resolve()));
      sock.on('error', () => resolve());
    });

    expect(await resolverFor(internet).resolve4('www.ibcm-lab.test')).toEqual(['198.18.20.10']);
    const rcodes = new Set(internet.since(mark).map((e) => e.rcode));
    expect(rcodes).toContain('FORMERR');
    expect(rcodes).toContain('NXDOMAIN');
  });
});

describe('query log and live updates', () => {
  it('records transport, client, name, type, rcode and answers; mark/since slice it', async () => {
    const mark = intranet.mark();
    await resolverFor(intranet).resolve4('Portal.ibcm-lab.test');
    await expect(resolverFor(intranet).resolve4('ghost.corp.ibcm-lab.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const entries = intranet.since(mark);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ transport: 'udp', name: 'portal.ibcm-lab.test', type: 'A', rcode: 'NOERROR' });
    expect(entries[0].answers).toEqual([
      'portal.ibcm-lab.test CNAME edge.ibcm-lab.test',
      'edge.ibcm-lab.test CNAME gw.ibcm-lab.test',
      'gw.ibcm-lab.test A 198.18.20.1',
      'gw.ibcm-lab.test A 198.18.20.2',
    ]);
    expect(entries[0].from).toMatch(/^127\.0\.0\.\d+:\d+$/);
    expect(Number.isNaN(Date.parse(entries[0].at))).toBe(false);
    expect(entries[1]).toMatchObject({ name: 'ghost.corp.ibcm-lab.test', rcode: 'NXDOMAIN', answers: [] });
    expect(intranet.queries().length).toBeGreaterThanOrEqual(2);
  });

  it('setRecords changes the view immediately and rejects invalid views', async () => {
    const extra: DnsRecord = { name: 'new.ibcm-lab.test', type: 'A', address: '198.18.20.99' };
    const before = [...internetRecords, { name: 'app.ibcm-lab.test', type: 'A', address: appHost } as DnsRecord];
    await expect(resolveA(internet, 'new.ibcm-lab.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    internet.setRecords([...before, extra]);
    expect(await resolveA(internet, 'new.ibcm-lab.test')).toEqual(['198.18.20.99']);
    expect(() => internet.setRecords([{ name: 'a.test', type: 'A', address: 'not-an-ip' }])).toThrow(/dns \(internet\)/);
    expect(() =>
      internet.setRecords([
        { name: 'a.test', type: 'CNAME', target: 'b.test' },
        { name: 'b.test', type: 'CNAME', target: 'a.test' },
      ]),
    ).toThrow(/CNAME loop/);
    expect(await resolveA(internet, 'new.ibcm-lab.test')).toEqual(['198.18.20.99']); // failed update left the view intact
    internet.setRecords(before);
  });
});

describe('labLookup', () => {
  it('works as the lookup of net.connect against a server on the resolved address', async () => {
    const target = net.createServer((sock) => sock.end('hello'));
    await new Promise<void>((resolve) => target.listen(0, appHost, resolve));
    const { port } = target.address() as net.AddressInfo;
    try {
      const mark = internet.mark();
      const got = await new Promise<{ data: string; remote: string }>((resolve, reject) => {
        const sock = net.connect({ host: 'app.ibcm-lab.test', port, lookup: labLookup(internet) });
        let data = '';
        sock.on('data', (d) => (data += d));
        sock.on('end', () => resolve({ data, remote: sock.remoteAddress ?? '' }));
        sock.on('error', reject);
      });
      expect(got).toEqual({ data: 'hello', remote: appHost });
      expect(internet.since(mark).map((e) => `${e.name} ${e.type}`)).toEqual(['app.ibcm-lab.test A']);
    } finally {
      await new Promise((r) => target.close(r));
    }
  });

  it('honours options.all, maps NXDOMAIN to ENOTFOUND and passes IP literals through', async () => {
    const lookup = labLookup(intranet);
    const call = (host: string, options: object): Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }> =>
      new Promise((resolve) => lookup(host, options, (err, address, family) => resolve({ err, address, family })));

    expect(await call('mp.corp.ibcm-lab.test', {})).toEqual({ err: null, address: '198.18.10.5', family: 4 });
    const all = await call('portal.ibcm-lab.test', { all: true });
    expect((all.address as { address: string }[]).map((a) => a.address).sort()).toEqual(['198.18.20.1', '198.18.20.2']);
    expect(all.address).toContainEqual({ address: '198.18.20.1', family: 4 });

    const miss = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      labLookup(internet)('mp.corp.ibcm-lab.test', {}, (err) => resolve(err)),
    );
    expect(miss).toMatchObject({ code: 'ENOTFOUND', hostname: 'mp.corp.ibcm-lab.test' });

    const mark = intranet.mark();
    expect(await call('192.0.2.7', {})).toEqual({ err: null, address: '192.0.2.7', family: 4 });
    expect(await call('::1', { all: true })).toEqual({ err: null, address: [{ address: '::1', family: 6 }], family: undefined });
    expect(intranet.since(mark)).toEqual([]);
  });
});

describe('lifecycle', () => {
  it('rejects with a clear message when the address is taken', async () => {
    await expect(startDnsServer({ view: { name: 'dmz', records: [] }, host: internet.host, port: internet.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
      message: expect.stringMatching(new RegExp(`dns \\(dmz\\).*${internet.host.replace(/\./g, '\\.')}:${internet.port}.*EADDRINUSE`)),
    });
  });

  it('close() releases UDP, TCP and open connections so the port can be bound again', async () => {
    const s = await startDnsServer({ view: { name: 'dmz', records: internetRecords }, host: internet.host, port: 0 });
    // Leave a TCP connection open: close() must not wait for it.
    const idle = net.connect(s.port, s.host);
    await new Promise((r) => idle.once('connect', r));
    const closedByServer = new Promise((r) => idle.once('close', r));
    await s.close();
    await closedByServer;
    await s.close(); // idempotent

    const again = await startDnsServer({ view: { name: 'dmz', records: internetRecords }, host: s.host, port: s.port });
    expect(again.port).toBe(s.port);
    expect(await resolveA(again, 'www.ibcm-lab.test')).toEqual(['198.18.20.10']);
    await again.close();
  });
});
