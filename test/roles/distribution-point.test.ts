// The distribution point (research W:29–W:34): package content under /SMS_DP_SMSPKG$/, the `sccm?/`
// file form, WebDAV PROPFIND enumeration, HEAD + ranged GET the BITS way, the signature tar, and
// IIS-style 404/405/416 — first as a bare SiteHandler, then end to end through the lab's server.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deterministicContent } from '../../harness/roles/shared/content.js';
import {
  distributionPoint,
  packageFileContent,
  packageFilePath,
  packageRootPath,
  type DistributionPointOptions,
} from '../../harness/roles/distribution-point/index.js';
import { call, send, serveRole, type RunningRole } from './request.js';
import { assertWellFormed, parseMultiStatus } from './xml.js';

const APP = 'Content_6f1c2a3b-4d5e-4f60-8a1b-2c3d4e5f6a7b';
const FILES = [
  { name: 'ConfigMgrTools.msi', size: 200_000 },
  { name: 'read me.txt', size: 1000 },
  { name: 'x64/setup file.exe', size: 70_001 },
  { name: 'Übung €.cmd', size: 77 },
  { name: 'empty.dat', size: 0 },
];
const OPTIONS: DistributionPointOptions = {
  packages: [
    { contentId: APP, version: 1, files: FILES },
    { contentId: 'LAB00001', version: 3, files: [{ name: 'install.cmd', size: 100 }] },
  ],
};
const ROOT = `/SMS_DP_SMSPKG$/${APP}.1`;
const MSI = `${ROOT}/sccm?/ConfigMgrTools.msi`;
const MSI_BYTES = deterministicContent(`${APP}/ConfigMgrTools.msi`, 200_000);
const SDK_PROPFIND_BODY =
  '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:iscollection/></d:prop><d:prop><d:getcontentlength/></d:prop></d:propfind>';
const PROPFIND_HEADERS: [string, string][] = [
  ['Depth', 'infinity'],
  ['Translate', 'f'],
  ['Content-Type', 'text/xml'],
  ['User-Agent', 'SMS CCM 5.0'],
];

describe('distribution point as a handler', () => {
  const dp = distributionPoint(OPTIONS);

  describe('PROPFIND enumeration (W:30)', () => {
    it('answers Depth: infinity on the package root with a 207 listing every file in the sccm?/ form', async () => {
      const reply = await call(dp, 'PROPFIND', ROOT, PROPFIND_HEADERS, SDK_PROPFIND_BODY);
      expect(reply.status).toBe(207);
      expect(reply.reason).toBe('Multi-Status');
      expect(reply.header('Content-Type')).toMatch(/^text\/xml/);
      assertWellFormed(reply.text);
      expect(parseMultiStatus(reply.text)).toEqual([
        { href: `${ROOT}/`, collection: true, length: 0, status: 'HTTP/1.1 200 OK' },
        { href: `${ROOT}/sccm?/ConfigMgrTools.msi`, collection: false, length: 200_000, status: 'HTTP/1.1 200 OK' },
        { href: `${ROOT}/sccm?/read%20me.txt`, collection: false, length: 1000, status: 'HTTP/1.1 200 OK' },
        { href: `${ROOT}/sccm?/x64/setup%20file.exe`, collection: false, length: 70_001, status: 'HTTP/1.1 200 OK' },
        { href: `${ROOT}/sccm?/%C3%9Cbung%20%E2%82%AC.cmd`, collection: false, length: 77, status: 'HTTP/1.1 200 OK' },
        { href: `${ROOT}/sccm?/empty.dat`, collection: false, length: 0, status: 'HTTP/1.1 200 OK' },
      ]);
    });

    it('every listed href downloads the file with the listed length', async () => {
      const members = parseMultiStatus((await call(dp, 'PROPFIND', ROOT, PROPFIND_HEADERS, SDK_PROPFIND_BODY)).text).filter(
        (member) => !member.collection,
      );
      for (const [index, member] of members.entries()) {
        const reply = await call(dp, 'GET', member.href);
        expect(reply.status).toBe(200);
        expect(reply.body.equals(deterministicContent(`${APP}/${FILES[index]!.name}`, member.length))).toBe(true);
      }
    });

    it('answers Depth: 1 and no Depth like infinity, Depth: 0 with the collection alone', async () => {
      const infinity = (await call(dp, 'PROPFIND', ROOT, PROPFIND_HEADERS)).text;
      expect((await call(dp, 'PROPFIND', ROOT, [['Depth', '1']])).text).toBe(infinity);
      expect((await call(dp, 'PROPFIND', ROOT)).text).toBe(infinity);
      expect(parseMultiStatus((await call(dp, 'PROPFIND', ROOT, [['Depth', '0']])).text)).toEqual([
        { href: `${ROOT}/`, collection: true, length: 0, status: 'HTTP/1.1 200 OK' },
      ]);
    });

    it('finds the package root with a trailing slash, as `sccm?/`, and case-insensitively (IIS)', async () => {
      const expected = (await call(dp, 'PROPFIND', ROOT, PROPFIND_HEADERS)).text;
      for (const target of [
        `${ROOT}/`,
        `${ROOT}/sccm?/`,
        `${ROOT}/sccm?`,
        `/sms_dp_smspkg$/${APP.toLowerCase()}.1`,
        '/SMS_DP_SMSPKG%24/' + `${APP}.1`,
      ]) {
        const reply = await call(dp, 'PROPFIND', target, PROPFIND_HEADERS);
        expect({ target, status: reply.status }).toEqual({ target, status: 207 });
        expect(reply.text).toBe(expected);
      }
    });

    it('lists a legacy package ID with its version', async () => {
      const members = parseMultiStatus((await call(dp, 'PROPFIND', '/SMS_DP_SMSPKG$/LAB00001.3', PROPFIND_HEADERS)).text);
      expect(members.map((member) => [member.href, member.length])).toEqual([
        ['/SMS_DP_SMSPKG$/LAB00001.3/', 0],
        ['/SMS_DP_SMSPKG$/LAB00001.3/sccm?/install.cmd', 100],
      ]);
    });

    it('PROPFIND on a file is a one-member 207', async () => {
      expect(parseMultiStatus((await call(dp, 'PROPFIND', MSI, [['Depth', '0']])).text)).toEqual([
        { href: MSI, collection: false, length: 200_000, status: 'HTTP/1.1 200 OK' },
      ]);
    });
  });

  describe('HEAD and GET the BITS way (W:34)', () => {
    it('HEAD gives 200, the size and Accept-Ranges: bytes (the server strips the body)', async () => {
      const reply = await call(dp, 'HEAD', MSI, [['User-Agent', 'Microsoft BITS/7.8']]);
      expect(reply.status).toBe(200);
      expect(reply.header('Accept-Ranges')).toBe('bytes');
      expect(reply.body.length).toBe(200_000);
    });

    it('GET returns the whole file byte-exact: deterministicContent(`${contentId}/${name}`, size)', async () => {
      const reply = await call(dp, 'GET', MSI);
      expect(reply.status).toBe(200);
      expect(reply.header('Content-Type')).toBe('application/octet-stream');
      expect(reply.body.equals(MSI_BYTES)).toBe(true);
      expect(packageFileContent(APP, 'ConfigMgrTools.msi', 200_000).equals(MSI_BYTES)).toBe(true);
    });

    it.each([
      ['bytes=0-65535', 0, 65_535],
      ['bytes=65536-', 65_536, 199_999],
      ['bytes=-1', 199_999, 199_999],
      ['bytes=199990-300000', 199_990, 199_999],
    ])('Range: %s → 206 with Content-Range and exactly those bytes', async (range, start, end) => {
      const reply = await call(dp, 'GET', MSI, [['Range', range]]);
      expect(reply.status).toBe(206);
      expect(reply.header('Content-Range')).toBe(`bytes ${start}-${end}/200000`);
      expect(reply.body.equals(MSI_BYTES.subarray(start, end + 1))).toBe(true);
    });

    it.each(['bytes=200000-', 'bytes=500000-600000', 'bytes=-0', 'bytes=5-1'])(
      'Range: %s → 416 with Content-Range: bytes */size',
      async (range) => {
        const reply = await call(dp, 'GET', MSI, [['Range', range]]);
        expect(reply.status).toBe(416);
        expect(reply.header('Content-Range')).toBe('bytes */200000');
        expect(reply.body.length).toBe(0);
      },
    );

    it('a zero-length file is 200 empty, and any range on it 416', async () => {
      expect((await call(dp, 'GET', `${ROOT}/sccm?/empty.dat`)).body.length).toBe(0);
      expect((await call(dp, 'GET', `${ROOT}/sccm?/empty.dat`, [['Range', 'bytes=0-']])).status).toBe(416);
    });

    it('decodes %20, sub-folders, raw and percent-encoded UTF-8, and matches names case-insensitively', async () => {
      const cases: [string, string, number][] = [
        [`${ROOT}/sccm?/read%20me.txt`, 'read me.txt', 1000],
        [`${ROOT}/sccm?/x64/setup%20file.exe`, 'x64/setup file.exe', 70_001],
        [`${ROOT}/sccm?/%C3%9Cbung%20%E2%82%AC.cmd`, 'Übung €.cmd', 77],
        [Buffer.from(`${ROOT}/sccm?/Übung %E2%82%AC.cmd`, 'utf8').toString('latin1'), 'Übung €.cmd', 77], // raw UTF-8 bytes, as the reader hands them over
        [`${ROOT}/SCCM?/configmgrtools.MSI`, 'ConfigMgrTools.msi', 200_000],
        [`/SMS_DP_SMSPKG$/LAB00001.3/sccm?/install.cmd`, 'install.cmd', 100],
      ];
      for (const [target, name, size] of cases) {
        const contentId = target.includes('LAB00001') ? 'LAB00001' : APP;
        const reply = await call(dp, 'GET', target);
        expect({ target, status: reply.status }).toEqual({ target, status: 200 });
        expect(reply.body.equals(deterministicContent(`${contentId}/${name}`, size))).toBe(true);
      }
    });

    it('packageFilePath builds the target the client sends', () => {
      expect(packageRootPath(APP, 1)).toBe(ROOT);
      expect(packageFilePath(APP, 1, 'x64/setup file.exe')).toBe(`${ROOT}/sccm?/x64/setup%20file.exe`);
    });
  });

  describe('GET on the package root, its folders and the content library index (W:70)', () => {
    const anchors = (text: string) =>
      [...text.matchAll(/ ([^ ]+) <A HREF="([^"]+)">([^<]*)<\/A>/g)].map((match) => ({
        before: match[1]!,
        href: match[2]!,
        name: match[3]!,
      }));

    it('is a directory page whose anchors are absolute http(s)://<Host>/SMS_DP_SMSPKG$/<pkg>/<file> URLs, <dir> before a folder', async () => {
      const reply = await call(dp, 'GET', ROOT, [['Host', 'dp1.lab.example']]);
      expect(reply.status).toBe(200);
      expect(reply.header('Content-Type')).toMatch(/^text\/html/);
      expect(anchors(reply.text)).toEqual([
        { before: '&lt;dir&gt;', href: `http://dp1.lab.example${ROOT}/x64`, name: 'x64' },
        { before: '200000', href: `http://dp1.lab.example${ROOT}/ConfigMgrTools.msi`, name: 'ConfigMgrTools.msi' },
        { before: '1000', href: `http://dp1.lab.example${ROOT}/read%20me.txt`, name: 'read me.txt' },
        { before: '77', href: `http://dp1.lab.example${ROOT}/%C3%9Cbung%20%E2%82%AC.cmd`, name: 'Übung €.cmd' },
        { before: '0', href: `http://dp1.lab.example${ROOT}/empty.dat`, name: 'empty.dat' },
      ]);
      const folder = await call(dp, 'GET', `${ROOT}/x64`, [['Host', 'dp1.lab.example']]);
      expect(anchors(folder.text)).toEqual([
        { before: '70001', href: `http://dp1.lab.example${ROOT}/x64/setup%20file.exe`, name: 'setup file.exe' },
      ]);
    });

    it('every anchor of the page downloads by its plain path, the same bytes as the sccm?/ form', async () => {
      for (const file of FILES.filter((entry) => entry.size > 0)) {
        const plain = await call(dp, 'GET', `${ROOT}/${file.name.split('/').map(encodeURIComponent).join('/')}`);
        const sccm = await call(dp, 'GET', packageFilePath(APP, 1, file.name));
        expect([plain.status, plain.body.length]).toEqual([200, file.size]);
        expect(plain.body.equals(sccm.body)).toBe(true);
      }
    });

    it('/SMS_DP_SMSPKG$/Datalib lists every package as a folder and an .INI file', async () => {
      const reply = await call(dp, 'GET', '/sms_dp_smspkg$/datalib', [['Host', 'dp1']]);
      expect(reply.status).toBe(200);
      expect(anchors(reply.text).map((anchor) => [anchor.before, anchor.href])).toEqual([
        ['&lt;dir&gt;', `http://dp1/SMS_DP_SMSPKG$/Datalib/${APP}.1`],
        [expect.stringMatching(/^\d+$/), `http://dp1/SMS_DP_SMSPKG$/Datalib/${APP}.1.INI`],
        ['&lt;dir&gt;', 'http://dp1/SMS_DP_SMSPKG$/Datalib/LAB00001.3'],
        [expect.stringMatching(/^\d+$/), 'http://dp1/SMS_DP_SMSPKG$/Datalib/LAB00001.3.INI'],
      ]);
      expect((await call(dp, 'GET', `/SMS_DP_SMSPKG$/Datalib/LAB00001.3.INI`)).status).toBe(200);
    });
  });

  describe('the content signature /SMS_DP_SMSSIG$/ (W:29)', () => {
    const SIG = `/SMS_DP_SMSSIG$/${APP}.1.tar`;

    it('GET is a small deterministic tar stand-in, with ranges', async () => {
      const expected = deterministicContent(`${APP}.1.tar`, 2048);
      const reply = await call(dp, 'GET', SIG);
      expect(reply.status).toBe(200);
      expect(reply.header('Content-Type')).toBe('application/x-tar');
      expect(reply.body.equals(expected)).toBe(true);
      const ranged = await call(dp, 'GET', SIG.toLowerCase(), [['Range', 'bytes=2000-']]);
      expect([ranged.status, ranged.header('Content-Range')]).toEqual([206, 'bytes 2000-2047/2048']);
      expect(ranged.body.equals(expected.subarray(2000))).toBe(true);
      expect((await call(dp, 'HEAD', SIG)).status).toBe(200);
    });

    it('an unknown package or version is 404, PROPFIND is 405', async () => {
      expect((await call(dp, 'GET', `/SMS_DP_SMSSIG$/${APP}.2.tar`)).status).toBe(404);
      expect((await call(dp, 'GET', `/SMS_DP_SMSSIG$/${APP}.1`)).status).toBe(404);
      const propfind = await call(dp, 'PROPFIND', SIG);
      expect([propfind.status, propfind.header('Allow')]).toEqual([405, 'GET, HEAD']);
    });
  });

  describe('what a real DP refuses', () => {
    it.each([
      ['an unknown package', '/SMS_DP_SMSPKG$/Content_00000000-0000-0000-0000-000000000000.1'],
      ['a probe for a random package (SCCMSecrets anonymous check, W:32)', '/sms_dp_smspkg$/QwErTyUi'],
      ['another version', `/SMS_DP_SMSPKG$/${APP}.2/sccm?/ConfigMgrTools.msi`],
      ['an unknown file', `${ROOT}/sccm?/missing.msi`],
      ['the `?` percent-encoded by a normalising proxy (W:57)', `${ROOT}/sccm%3F/ConfigMgrTools.msi`],
      ['the `?` dropped', `${ROOT}/sccm/ConfigMgrTools.msi`],
      ['a plain path to a file the package does not have', `${ROOT}/missing.msi`],
      ['a query without the leading slash', `${ROOT}/sccm?ConfigMgrTools.msi`],
      ['another segment before sccm?', `${ROOT}/x64/sccm?/setup%20file.exe`],
      ['another name in place of sccm', `${ROOT}/files?/ConfigMgrTools.msi`],
      ['an unknown share', '/SMS_DP_OTHER$/x'],
      ['the site root', '/'],
    ])('%s → 404', async (_what, target) => {
      const reply = await call(dp, 'GET', target);
      expect(reply.status).toBe(404);
      expect(reply.text).toContain('404 - File or directory not found.');
    });

    it.each(['POST', 'PUT', 'DELETE', 'CCM_POST', 'BITS_POST', 'MKCOL', 'OPTIONS'])(
      '%s on content → 405 with Allow: GET, HEAD, PROPFIND',
      async (method) => {
        for (const target of [ROOT, MSI]) {
          const reply = await call(dp, method, target, [], 'x');
          expect(reply.status).toBe(405);
          expect(reply.header('Allow')).toBe('GET, HEAD, PROPFIND');
        }
      },
    );

    it('a method on an unknown resource is 404, not 405', async () => {
      expect((await call(dp, 'POST', `${ROOT}/sccm?/missing.msi`)).status).toBe(404);
    });

    it('a malformed percent-escape is 400', async () => {
      expect((await call(dp, 'GET', `${ROOT}/sccm?/bad%E0%A4%A.msi`)).status).toBe(400);
      expect((await call(dp, 'GET', '/SMS_DP_SMSPKG%ZZ/x')).status).toBe(400);
    });
  });

  it('refuses a configuration with duplicate packages or files', () => {
    expect(() => distributionPoint({ packages: [OPTIONS.packages[1]!, OPTIONS.packages[1]!] })).toThrow(/configured twice/);
    expect(() =>
      distributionPoint({
        packages: [
          {
            contentId: 'LAB00002',
            version: 1,
            files: [
              { name: 'a', size: 1 },
              { name: 'A', size: 2 },
            ],
          },
        ],
      }),
    ).toThrow(/twice/);
    expect(() => distributionPoint({ packages: [{ contentId: 'LAB00002', version: 1, files: [{ name: 'a', size: -1 }] }] })).toThrow(
      /invalid size/,
    );
  });
});

describe('distribution point end to end (lab server, undici)', () => {
  let role: RunningRole;

  beforeAll(async () => {
    role = await serveRole('distribution-point', distributionPoint(OPTIONS));
  });
  afterAll(() => role.close());

  it('PROPFIND with the SDK body, HEAD, then the file in BITS-sized ranges over one connection', async () => {
    const listing = await send(role, 'PROPFIND', ROOT, Object.fromEntries(PROPFIND_HEADERS), SDK_PROPFIND_BODY);
    expect(listing.status).toBe(207);
    const msi = parseMultiStatus(listing.text).find((member) => member.href.endsWith('/ConfigMgrTools.msi'))!;
    expect(msi).toMatchObject({ href: MSI, length: 200_000 });

    const head = await send(role, 'HEAD', msi.href, { 'User-Agent': 'Microsoft BITS/7.8' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('200000');
    expect(head.headers['accept-ranges']).toBe('bytes');
    expect(head.body.length).toBe(0);

    const size = Number(head.headers['content-length']);
    const parts: Buffer[] = [];
    for (let start = 0; start < size; start += 65_536) {
      const end = Math.min(start + 65_535, size - 1);
      const part = await send(role, 'GET', msi.href, { Range: `bytes=${start}-${end}`, 'User-Agent': 'Microsoft BITS/7.8' });
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes ${start}-${end}/${size}`);
      expect(part.headers['content-length']).toBe(String(end - start + 1));
      parts.push(part.body);
    }
    const whole = Buffer.concat(parts);
    expect(createHash('sha256').update(whole).digest('hex')).toBe(createHash('sha256').update(MSI_BYTES).digest('hex'));

    const entries = role.journal.entries();
    expect(entries.map((entry) => [entry.method, entry.target])).toEqual([
      ['PROPFIND', ROOT],
      ['HEAD', MSI],
      ['GET', MSI],
      ['GET', MSI],
      ['GET', MSI],
      ['GET', MSI],
    ]);
    // The journal shows the literal `sccm?/` target and the PROPFIND body arrived as sent.
    expect(entries[0]!.headers).toContainEqual(['Depth', 'infinity']);
    expect(entries[0]!.bodySha256).toBe(createHash('sha256').update(SDK_PROPFIND_BODY).digest('hex'));
    expect(new Set(entries.map((entry) => entry.connectionId)).size).toBe(1);
  });

  it('a whole GET of a file with a space, 416, 404 and 405 over the wire', async () => {
    const readme = await send(role, 'GET', `${ROOT}/sccm?/read%20me.txt`);
    expect(readme.status).toBe(200);
    expect(readme.body.equals(deterministicContent(`${APP}/read me.txt`, 1000))).toBe(true);

    const unsatisfiable = await send(role, 'GET', MSI, { Range: 'bytes=300000-' });
    expect([unsatisfiable.status, unsatisfiable.headers['content-range']]).toEqual([416, 'bytes */200000']);
    expect((await send(role, 'GET', `${ROOT}/sccm%3F/ConfigMgrTools.msi`)).status).toBe(404);
    const post = await send(role, 'POST', MSI, {}, 'x');
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD, PROPFIND']);
  });
});
