// Finding the external programs, their versions, and saying what to install when one is missing.
import { afterEach, describe, expect, it } from 'vitest';
import {
  binaryVersion,
  doctorReport,
  findBinary,
  missingBinaryMessage,
  nginxStreamModule,
  requireBinary,
} from '../../harness/proxies/binaries.js';

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe('binaries', () => {
  it('searches PATH, then /usr/local/sbin, /usr/sbin and /sbin', () => {
    expect(findBinary('sh')).toMatch(/\/sh$/);
    expect(findBinary('no-such-binary-ibcm-lab')).toBeNull();
    const haproxy = findBinary('haproxy');
    process.env.PATH = '/nonexistent';
    // A user PATH without sbin still finds Debian's daemons.
    expect(findBinary('haproxy')).toBe(haproxy && /^\/(usr\/(local\/)?)?sbin\//.test(haproxy) ? haproxy : null);
  });

  it('names the Debian packages to install', () => {
    expect(missingBinaryMessage('nginx')).toMatch(/apt-get install -y nginx-light libnginx-mod-stream/);
    expect(missingBinaryMessage('haproxy')).toMatch(/apt-get install -y haproxy"/);
    expect(missingBinaryMessage('squid')).toMatch(/apt-get install -y squid"/);
    expect(missingBinaryMessage('chromium')).toMatch(/apt-get install -y chromium"/);
    expect(missingBinaryMessage('docker')).toMatch(/apt-get install -y docker.io"/);
    expect(() => requireBinary('no-such-binary-ibcm-lab')).toThrow(/no-such-binary-ibcm-lab was not found on PATH/);
  });

  it('reads versions from nginx -v, haproxy -v, squid -v (when installed)', async () => {
    const patterns: Record<string, RegExp> = {
      nginx: /^nginx version: nginx\/\d/,
      haproxy: /^HAProxy version \d/,
      squid: /^Squid Cache: Version \d/,
    };
    for (const [name, pattern] of Object.entries(patterns)) {
      if (findBinary(name)) expect(await binaryVersion(name)).toMatch(pattern);
      else expect(await binaryVersion(name)).toBeNull();
    }
  });

  it("finds nginx's stream module (static or the Debian module file)", async () => {
    if (!findBinary('nginx')) return;
    expect(await nginxStreamModule()).toMatch(/^(static|\/.*ngx_stream_module\.so)$/);
  });

  it('doctorReport covers nginx, haproxy, squid, chromium, docker with advice for what is missing', async () => {
    const report = await doctorReport();
    expect(report.map((line) => line.name)).toEqual(['nginx', 'haproxy', 'squid', 'chromium', 'docker']);
    for (const line of report) {
      if (!line.found) expect(line.advice).toMatch(/apt-get install -y/);
      else expect(line.version).not.toBeNull();
    }
  });
});
