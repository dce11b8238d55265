// Appliance mode's syslog channel: the parser on the line shapes real proxies send (RFC 5424 with
// structured data, BSD lines from HAProxy and nginx, garbage), and the receiver on real sockets —
// UDP, TCP with both RFC 6587 framings, TLS — including senders that misbehave. No wall-clock
// assertions: every wait is a waitFor() on the line the test expects.
import { generateKeyPairSync } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import forge from 'node-forge';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSyslog, startSyslogReceiver, SyslogFrameDecoder, type SyslogReceiver } from '../../harness/appliance/syslog/index.js';

const WAIT_MS = 5_000;

describe('parseSyslog: RFC 5424', () => {
  it('reads the header, structured data with escapes, and a BOM-prefixed message', () => {
    const raw =
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 ' +
      '[exampleSDID@32473 iut="3" eventSource="Appli\\"cation\\]" eventID="1011"][examplePriority@32473 class="high" path="C:\\\\tmp\\x"] ' +
      '\uFEFFAn application event log entry...';
    expect(parseSyslog(raw)).toEqual({
      format: 'rfc5424',
      facility: 20,
      severity: 5,
      timestamp: '2003-10-11T22:14:15.003Z',
      hostname: 'mymachine.example.com',
      appName: 'evntslog',
      procId: '1234',
      msgId: 'ID47',
      structuredData: {
        'exampleSDID@32473': { iut: '3', eventSource: 'Appli"cation]', eventID: '1011' },
        // `\\` is an escaped backslash; `\x` is not an escape, so the backslash stays (RFC 5424 §6.3.3).
        'examplePriority@32473': { class: 'high', path: 'C:\\tmp\\x' },
      },
      message: 'An application event log entry...',
      raw,
    });
  });

  it('leaves NILVALUE fields out and reads a message after a NIL SD (HAProxy `format rfc5424`)', () => {
    const parsed = parseSyslog('<134>1 2024-12-07T17:00:00.123456+01:00 - haproxy 4242 - - 198.18.0.1:5000 [07/Dec/2024] fe be/srv 200\n');
    expect(parsed).toMatchObject({ format: 'rfc5424', facility: 16, severity: 6, appName: 'haproxy', procId: '4242' });
    expect(parsed.hostname).toBeUndefined();
    expect(parsed.msgId).toBeUndefined();
    expect(parsed.structuredData).toBeUndefined();
    expect(parsed.message).toBe('198.18.0.1:5000 [07/Dec/2024] fe be/srv 200');
  });

  it('accepts an all-NIL header without a message', () => {
    expect(parseSyslog('<0>1 - - - - - -')).toEqual({ format: 'rfc5424', facility: 0, severity: 0, message: '', raw: '<0>1 - - - - - -' });
  });

  it('keeps the header when the structured data is malformed, with the rest as the message', () => {
    const parsed = parseSyslog('<13>1 - host app - - [unterminated x="1" rest');
    expect(parsed).toMatchObject({ format: 'rfc5424', hostname: 'host', appName: 'app', message: '[unterminated x="1" rest' });
    expect(parsed.structuredData).toBeUndefined();
  });
});

describe('parseSyslog: RFC 3164 / BSD', () => {
  it('reads a classic line with hostname and TAG[pid]', () => {
    expect(parseSyslog("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8")).toEqual({
      format: 'rfc3164',
      facility: 4,
      severity: 2,
      timestamp: 'Oct 11 22:14:15',
      hostname: 'mymachine',
      appName: 'su',
      procId: '230',
      message: "'su root' failed for lonvick on /dev/pts/8",
      raw: "<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8",
    });
  });

  it('reads an nginx access_log syslog line (space-padded day, TAG without pid)', () => {
    const parsed = parseSyslog('<190>Dec  7 17:00:00 proxy01 nginx: 198.18.0.5 - - "GET /SMS_MP/.sms_aut?MPLIST HTTP/1.1" 200 512');
    expect(parsed).toMatchObject({
      format: 'rfc3164',
      facility: 23,
      severity: 6,
      timestamp: 'Dec  7 17:00:00',
      hostname: 'proxy01',
      appName: 'nginx',
      message: '198.18.0.5 - - "GET /SMS_MP/.sms_aut?MPLIST HTTP/1.1" 200 512',
    });
    expect(parsed.procId).toBeUndefined();
  });

  it('reads an HAProxy `format rfc3164` line without a hostname', () => {
    const parsed = parseSyslog(
      '<134>Dec  7 17:00:00 haproxy[1234]: 198.18.0.1:40000 [07/Dec/2024:17:00:00.000] https~ mp/site1 0/0/1/2/3 200',
    );
    expect(parsed).toMatchObject({
      format: 'rfc3164',
      appName: 'haproxy',
      procId: '1234',
      message: expect.stringMatching(/^198\.18\.0\.1:40000 /),
    });
    expect(parsed.hostname).toBeUndefined();
  });

  it('tolerates a missing PRI (user.notice per RFC 3164 §4.3.3) and an IPv6 hostname', () => {
    expect(parseSyslog('Dec 17 01:02:03 ::1 squid[9]: TCP_TUNNEL/200')).toMatchObject({
      format: 'rfc3164',
      facility: 1,
      severity: 5,
      hostname: '::1',
      appName: 'squid',
      procId: '9',
      message: 'TCP_TUNNEL/200',
    });
  });

  it('reads rsyslog forward format (RFC 3339 stamp in a BSD line)', () => {
    expect(parseSyslog('<30>2024-01-02T03:04:05.678+00:00 gw systemd[1]: Started.')).toMatchObject({
      format: 'rfc3164',
      timestamp: '2024-01-02T03:04:05.678+00:00',
      hostname: 'gw',
      appName: 'systemd',
      message: 'Started.',
    });
  });
});

describe('parseSyslog: garbage', () => {
  it.each([
    ['empty', ''],
    ['plain text', 'hello world'],
    ['PRI out of range', '<999>1 - - - - - - x'],
    ['unclosed PRI', '<13 Dec  7 17:00:00 host app: x'],
    ['binary', '\u0000\u0001\uFFFD\uD800<<>>'],
    ['PRI then noise', '<13>not a timestamp at all'],
  ])('%s → unknown with the raw text as message, never a throw', (_name, raw) => {
    const parsed = parseSyslog(raw);
    expect(parsed.format).toBe('unknown');
    expect(parsed.message).toBe(raw);
    expect(parsed.raw).toBe(raw);
  });

  it('keeps a valid PRI on an unreadable message', () => {
    expect(parseSyslog('<11>???')).toMatchObject({ format: 'unknown', facility: 1, severity: 3 });
  });

  it('does not backtrack quadratically on a long run of newlines', () => {
    const raw = '\n'.repeat(200_000) + 'x';
    expect(parseSyslog(raw).format).toBe('unknown');
  });
});

describe('SyslogFrameDecoder (RFC 6587)', () => {
  const texts = (frames: { bytes: Buffer }[]) => frames.map((frame) => frame.bytes.toString());

  it('takes both framings, several frames per chunk, and a frame split anywhere', () => {
    const stream = Buffer.from('11 <13>1 - - a\n<13>Dec  7 17:00:00 h t: b\r\n<13>c\u0000');
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const decoder = new SyslogFrameDecoder(1024);
      const frames = [...decoder.push(stream.subarray(0, cut)).frames, ...decoder.push(stream.subarray(cut)).frames];
      expect(texts(frames), `cut at ${cut}`).toEqual(['<13>1 - - a', '<13>Dec  7 17:00:00 h t: b', '<13>c']);
    }
    // One byte at a time: a sender dripping its bytes.
    const decoder = new SyslogFrameDecoder(1024);
    const dripped = [...stream].flatMap((byte) => decoder.push(Buffer.from([byte])).frames);
    expect(texts(dripped)).toEqual(['<13>1 - - a', '<13>Dec  7 17:00:00 h t: b', '<13>c']);
  });

  it('cuts an oversized counted frame at the cap and stays in sync for the next one', () => {
    const decoder = new SyslogFrameDecoder(8);
    const { frames, fatal } = decoder.push(Buffer.from(`20 ${'x'.repeat(20)}5 hello`));
    expect(fatal).toBe(false);
    expect(frames.map((frame) => [frame.bytes.toString(), frame.truncated])).toEqual([
      ['xxxxxxxx', true],
      ['hello', false],
    ]);
  });

  it('cuts a never-ending line at the cap and discards up to its LF', () => {
    const decoder = new SyslogFrameDecoder(8);
    const frames = [];
    for (let k = 0; k < 1000; k += 1) frames.push(...decoder.push(Buffer.from('y'.repeat(100))).frames);
    frames.push(...decoder.push(Buffer.from('yyy\nnext\n')).frames);
    expect(frames.map((frame) => [frame.bytes.toString(), frame.truncated])).toEqual([
      ['yyyyyyyy', true],
      ['next', false],
    ]);
  });

  it('calls an absurd octet count fatal', () => {
    expect(new SyslogFrameDecoder(8).push(Buffer.from('99999999999999999999 x')).fatal).toBe(true);
  });
});

describe('startSyslogReceiver', () => {
  let receiver: SyslogReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('receives UDP datagrams, one message each, stamped with transport and sender', async () => {
    receiver = await startSyslogReceiver({ host: '127.0.0.1', port: 0, tcp: false });
    expect(receiver.udpPort).toBeGreaterThan(0);
    expect(receiver.tcpPort).toBeUndefined();
    const client = dgram.createSocket('udp4');
    try {
      await send(client, '<190>Dec  7 17:00:00 proxy01 nginx: GET /ccm_system/request marker-udp-1\n', receiver.udpPort!);
      const line = await receiver.waitFor((l) => l.raw.includes('marker-udp-1'), WAIT_MS);
      expect(line).toMatchObject({ format: 'rfc3164', appName: 'nginx', transport: 'udp', remoteAddress: '127.0.0.1', truncated: false });
      expect(line!.remotePort).toBe(client.address().port);
    } finally {
      client.close();
    }
  });

  it('receives TCP with both framings, several messages per packet and one split across packets', async () => {
    receiver = await startSyslogReceiver({ host: '127.0.0.1', port: 0, udp: false });
    const socket = await connect(receiver.tcpPort!);
    const counted = '<134>1 2024-12-07T17:00:00Z gw haproxy 7 - - tcp-counted';
    socket.write(
      `${Buffer.byteLength(counted)} ${counted}<134>Dec  7 17:00:00 haproxy[7]: tcp-lf-1\n<134>Dec  7 17:00:00 haproxy[7]: tcp-`,
    );
    await receiver.waitFor((l) => l.raw.includes('tcp-lf-1'), WAIT_MS);
    socket.write('lf-2\r\n');
    const split = await receiver.waitFor((l) => l.raw.includes('tcp-lf-2'), WAIT_MS);
    socket.end();

    expect(split).toMatchObject({ format: 'rfc3164', message: 'tcp-lf-2', transport: 'tcp', remoteAddress: '127.0.0.1' });
    expect(receiver.lines().map((l) => l.message)).toEqual(['tcp-counted', 'tcp-lf-1', 'tcp-lf-2']);
    expect(receiver.lines()[0]).toMatchObject({ format: 'rfc5424', hostname: 'gw', appName: 'haproxy' });
  });

  it('takes a last line without a trailer when the sender closes', async () => {
    receiver = await startSyslogReceiver({ host: '127.0.0.1', port: 0, udp: false });
    const socket = await connect(receiver.tcpPort!);
    socket.end('<13>Dec  7 17:00:00 h app: last-without-lf');
    expect(await receiver.waitFor((l) => l.message === 'last-without-lf', WAIT_MS)).toMatchObject({ truncated: false });
  });

  it('receives TLS (RFC 5425, octet-counted) on its own port', async () => {
    const { certPem, keyPem } = selfSignedCertificate();
    receiver = await startSyslogReceiver({ host: '127.0.0.1', port: 0, udp: false, tcp: false, tls: { certPem, keyPem } });
    expect(receiver.tlsPort).toBeGreaterThan(0);
    const socket = tls.connect({ host: '127.0.0.1', port: receiver.tlsPort!, ca: certPem });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const message = '<38>1 2024-12-07T17:00:00Z appliance sshd 99 auth [meta x="ü"] \uFEFFtls-marker ü';
    socket.write(`${Buffer.byteLength(message)} ${message}`);
    const line = await receiver.waitFor((l) => l.raw.includes('tls-marker'), WAIT_MS);
    socket.end();
    expect(line).toMatchObject({ transport: 'tls', msgId: 'auth', structuredData: { meta: { x: 'ü' } }, message: 'tls-marker ü' });
  });

  it('finds a test’s lines with marked() and between()', async () => {
    receiver = await startSyslogReceiver({ host: '127.0.0.1', port: 0, tcp: false });
    const client = dgram.createSocket('udp4');
    try {
      await send(client, '<14>Dec  7 17:00:00 h app: before', receiver.udpPort!);
      const before = await receiver.waitFor((l) => l.message === 'before', WAIT_MS);
      // The window opens strictly after `before` was stamped, whatever the clock's resolution.
      const start = before!.receivedAt + 1;
      while (Date.now() < start) await new Promise((resolve) => setTimeout(resolve, 1));
      await send(client, '<14>Dec  7 17:00:00 h app: req-42 one', receiver.udpPort!);
      await send(client, '<14>Dec  7 17:00:00 h app: req-42 two', receiver.udpPort!);
      await send(client, '<14>Dec  7 17:00:00 h app: other', receiver.udpPort!);
      await receiver.waitFor((l) => l.message === 'other', WAIT_MS);
      const end = Date.now();

      expect(receiver.marked('req-42').map((l) => l.message)).toEqual(['req-42 one', 'req-42 two']);
      expect(receiver.marked('absent')).toEqual([]);
      expect(receiver.between(start, end).map((l) => l.message)).toEqual(expect.arrayContaining(['req-42 one', 'req-42 two', 'other']));
      expect(receiver.between(start, end).map((l) => l.message)).not.toContain('before');
      expect(await receiver.waitFor((l) => l.message === 'never', 50)).toBeUndefined();
    } finally {
      client.close();
    }
  });

  it('keeps at most maxLines, dropping the oldest, and counts the drops', async () => {
    receiver = await startSyslogReceiver({ host: '127.0.0.1', port: 0, udp: false, maxLines: 3 });
    const socket = await connect(receiver.tcpPort!);
    socket.write(['m1', 'm2', 'm3', 'm4', 'm5'].map((m) => `<13>Dec  7 17:00:00 h app: ${m}\n`).join(''));
    await receiver.waitFor((l) => l.message === 'm5', WAIT_MS);
    socket.end();
    expect(receiver.lines().map((l) => l.message)).toEqual(['m3', 'm4', 'm5']);
    expect(receiver.dropped()).toBe(2);
  });

  it('survives hostile senders: an oversized frame, a huge octet count, garbage, a half-open TLS handshake', async () => {
    const { certPem, keyPem } = selfSignedCertificate();
    receiver = await startSyslogReceiver({ host: '127.0.0.1', port: 0, maxMessageBytes: 1024, tls: { certPem, keyPem } });

    const big = await connect(receiver.tcpPort!);
    big.write(`<13>Dec  7 17:00:00 h app: big ${'z'.repeat(100_000)}\n<13>Dec  7 17:00:00 h app: after-big\n`);
    const cut = await receiver.waitFor((l) => l.message.startsWith('big '), WAIT_MS);
    expect(cut).toMatchObject({ truncated: true });
    expect(Buffer.byteLength(cut!.raw)).toBe(1024);
    expect(await receiver.waitFor((l) => l.message === 'after-big', WAIT_MS)).toBeDefined();

    const huge = await connect(receiver.tcpPort!);
    const hugeClosed = new Promise<void>((resolve) => huge.once('close', () => resolve()));
    huge.on('error', () => undefined);
    huge.write('999999999999999 <13>hostile');
    await hugeClosed; // the receiver dropped the connection

    const garbage = dgram.createSocket('udp4');
    await send(garbage, Buffer.from([0xff, 0x00, 0xfe, 0x3c, 0x3e]), receiver.udpPort!);
    await send(garbage, Buffer.alloc(2000, 0x41), receiver.udpPort!);
    garbage.close();
    expect(await receiver.waitFor((l) => l.transport === 'udp' && l.truncated, WAIT_MS)).toMatchObject({ format: 'unknown' });

    // A client that connects to the TLS port and never handshakes must not hold close() up.
    const idle = await connect(receiver.tlsPort!);
    idle.on('error', () => undefined);

    const alive = await connect(receiver.tcpPort!);
    alive.end('<13>Dec  7 17:00:00 h app: still-alive\n');
    expect(await receiver.waitFor((l) => l.message === 'still-alive', WAIT_MS)).toBeDefined();
    big.destroy();
  });

  it('close() ends open connections and settles pending waits', async () => {
    receiver = await startSyslogReceiver({ host: '127.0.0.1', port: 0 });
    const socket = await connect(receiver.tcpPort!);
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('<13>Dec  7 17:00:00 h app: partial line with no end');
    const pending = receiver.waitFor(() => false, 60_000);
    await receiver.close();
    await closed;
    expect(await pending).toBeUndefined();
    await receiver.close(); // idempotent
  });
});

function send(socket: dgram.Socket, message: string | Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) => socket.send(message, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket)).once('error', reject);
  });
}

/** A throwaway self-signed certificate for 127.0.0.1 (key from node:crypto, which is faster than forge's). */
function selfSignedCertificate(): { certPem: string; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const name = [{ name: 'commonName', value: 'syslog.ibcm-lab.test' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}
