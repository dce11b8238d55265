// Fidelity engine (issue 12): each transcript of ./transcripts.ts is replayed against the mock role and
// the answer read the way the public tool reads it. An independent strict parser (libxml2 via
// xmllint-wasm) stands in for the tools' XML parsers, so a reply the tools would reject fails here.
import { execFileSync } from 'node:child_process';
import { constants, createDecipheriv, createHash, privateEncrypt, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { decodeMultipart, encodeMessage, isoSeconds, signCryptoApi, utf16WithNul } from '../../harness/ccm-messaging/index.js';
import type { Exchange } from '../../harness/client/index.js';
import { createSigningIdentity, type SigningIdentity } from '../../harness/client/signing-identity.js';
import type { SiteHandler } from '../../harness/http/index.js';
import { distributionPoint, packageFileContent } from '../../harness/roles/distribution-point/index.js';
import { managementPoint } from '../../harness/roles/management-point/index.js';
import {
  InProcessClient,
  call,
  inProcessClientProfile,
  replyOf,
  send,
  serveRole,
  siteRequest,
  type Headers,
  type RunningRole,
} from '../roles/request.js';
import {
  distributionPointCrawls,
  policyDownloadTranscripts,
  policyLocationTranscripts,
  probeTranscripts,
  replyTranscripts,
  type Padding,
} from './transcripts.js';

const SITE = 'LAB';

const profile = inProcessClientProfile(SITE);

/** libxml2's verdict on a document: undefined when well-formed, else its first complaint. */
async function xmlProblem(xml: string): Promise<string | undefined> {
  // `normalization` makes xmllint parse (and reformat) without a schema: a plain well-formedness check.
  const result = await validateXML({ xml: [{ fileName: 'reply.xml', contents: xml }], normalization: 'format' });
  return result.valid ? undefined : (result.errors[0]?.rawMessage ?? 'not well-formed');
}

/** A CryptoAPI-order signature the way the named tool makes it (W:19). */
function toolSignature(key: KeyObject, data: Buffer, padding: Padding): string {
  if (padding === 'digest-info') return signCryptoApi(key, data);
  // CryptSignHash with CRYPT_NOHASHOID: PKCS#1 v1.5 over the bare SHA-256 digest, then reversed.
  const raw = privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, createHash('sha256').update(data).digest());
  return Buffer.from(raw).reverse().toString('hex').toUpperCase();
}

/** The MP the fidelity transcripts talk to: site SITE, host MP1, published as mp.ibcm-lab.example, plus `options`. */
async function fidelityManagementPoint(
  signingName: string,
  options: Partial<Parameters<typeof managementPoint>[0]> = {},
): Promise<SiteHandler> {
  const mpIdentity = await createSigningIdentity(signingName);
  return managementPoint({
    siteCode: SITE,
    hostName: 'MP1',
    internetManagementPoints: [{ name: 'MP1', fqdn: 'mp.ibcm-lab.example' }],
    certificatePem: new X509Certificate(mpIdentity.certificateDer).toString(),
    ...options,
  });
}

describe('management point replies and policy downloads, as the public tools read them', () => {
  let mp: SiteHandler;
  let client: InProcessClient;
  let identity: SigningIdentity;
  const exchanges: Record<string, Exchange> = {};

  beforeAll(async () => {
    mp = await fidelityManagementPoint('mp');
    client = new InProcessClient(profile, mp);
    identity = await client.signingIdentity();
    exchanges.registration = (await client.register()).exchange;
    exchanges.assignments = (await client.requestAssignments()).exchange;
  });

  describe.each(replyTranscripts)('$id (deviation $deviation)', (transcript) => {
    it(`is read as ${transcript.source}`, async () => {
      const exchange = exchanges[transcript.message]!;
      expect(exchange.status).toBe(200);
      const contentType = exchange.responseHeaders?.find(([name]) => name === 'content-type')?.[1] ?? '';
      expect(contentType).toMatch(/^multipart\/mixed; boundary="?[^"]+"?$/);
      const parts = decodeMultipart(exchange.responseBody!, /boundary="?([^";]+)"?/.exec(contentType)![1]!);
      expect(parts.map((part) => part.headers.map(([name, value]) => `${name.toLowerCase()}: ${value}`))).toEqual([
        ['content-type: text/plain; charset=UTF-16'],
        ['content-type: application/octet-stream'],
      ]);
      expect([...parts[0]!.body.subarray(0, 2)]).toEqual([0xff, 0xfe]);
      // The body ends in exactly one UTF-16 NUL (W:68); the tool drops exactly one character.
      const decompressed = inflateSync(parts[1]!.body);
      expect([...decompressed.subarray(-4)].slice(2)).toEqual([0, 0]);
      const text = decompressed.toString('utf16le');
      const read = transcript.toolReads === 'decode-utf16-strip-one' ? text.slice(0, -1) : text;
      expect(await xmlProblem(read)).toBeUndefined();
      expect(read).toMatch(new RegExp(`^<${transcript.rootElement}[ >]`));
      for (const { element, names } of transcript.attributes) {
        const tags = [...read.matchAll(new RegExp(`<${element}(\\s[^>]*)?>`, 'g'))];
        expect(tags.length).toBeGreaterThan(0);
        for (const tag of tags) for (const name of names) expect(tag[1]).toMatch(new RegExp(`\\s${name}="[^"]*"`));
      }
    });
  });

  describe.each(policyLocationTranscripts)('$id (deviation $deviation)', (transcript) => {
    it(`carries its location as ${transcript.source}`, () => {
      const exchange = exchanges.assignments!;
      const contentType = exchange.responseHeaders?.find(([name]) => name === 'content-type')?.[1] ?? '';
      const reply = inflateSync(decodeMultipart(exchange.responseBody!, /boundary="?([^";]+)"?/.exec(contentType)![1]!)[1]!.body).toString(
        'utf16le',
      );
      const locations = [...reply.matchAll(transcript.extract)].map((match) => match[1]!);
      expect(locations.length).toBe([...reply.matchAll(/<PolicyLocation/g)].length);
      expect(locations.length).toBeGreaterThan(0);
      // Same shape as the transcript's URL: placeholder, path, the ID with literal braces, the version.
      const shape = (url: string) => url.replace(/\{[0-9A-Fa-f-]{36}\}/, '{GUID}').replace(/\.\d+_\d+$/, '.N_NN');
      for (const location of locations) expect(shape(location)).toBe(shape(transcript.observed));
    });
  });

  describe.each(policyDownloadTranscripts)('$id (deviation $deviation)', (transcript) => {
    it(`downloads the policy as ${transcript.source}`, async () => {
      const [assignment] = (await client.requestAssignments()).assignments;
      const path = assignment!.location.replace(/^https?:\/\/<mp>/, '');
      const target = transcript.target === 'percent-encode-braces' ? path.replace(/\{/g, '%7B').replace(/\}/g, '%7D') : path;
      const token = transcript.clientToken.replace('{smsId}', client.smsId!).replace('{timestamp}', isoSeconds(new Date()));
      // The token has the transcript's shape.
      const tokenShape = (value: string) =>
        value.replace(/GUID:[0-9A-F-]{36}/, 'GUID:ID').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/, 'TIME');
      expect(tokenShape(token)).toBe(tokenShape(transcript.observedClientToken));
      const headers: Headers = [
        ['User-Agent', transcript.userAgent],
        ['ClientToken', token],
        ['ClientTokenSignature', toolSignature(identity.privateKey, utf16WithNul(token), transcript.padding)],
      ];
      const reply = await call(mp, 'GET', target, headers);
      expect(reply.status).toBe(200);
      // WTF: `if result.startswith("<HTML>")` means "not authorised"; a policy body is the Policy XML.
      expect(reply.text.startsWith('<HTML>')).toBe(false);
      expect(reply.text).toMatch(/^<Policy PolicyID="/);
    });
  });
});

describe('management point probes, as scanners and boot-media tools send them', () => {
  let mp: SiteHandler;

  beforeAll(async () => {
    mp = await fidelityManagementPoint('mp1.ibcm-lab.example', {
      windowsAuth: { domain: 'LAB', accounts: [{ domain: 'LAB', user: 'alice', password: 'not-used' }] },
    });
  });

  describe.each(probeTranscripts)('$id (deviation $deviation)', (transcript) => {
    it(`answers as ${transcript.source}`, async () => {
      const encoded =
        transcript.message &&
        encodeMessage(
          {
            sourceId: 'GUID:6C2B9D7A-1F4E-4B1A-9A31-4E0E2C7B1D55',
            sourceHost: 'CLIENT01',
            targetEndpoint: transcript.message.targetEndpoint,
            targetHost: 'MP1',
            replyMode: transcript.message.replyMode,
          },
          transcript.message.body,
        );
      const headers: Headers = encoded
        ? [
            ['Content-Type', encoded.contentType],
            ['User-Agent', 'ConfigMgr Messaging HTTP Sender'],
          ]
        : [];
      const request = siteRequest(transcript.method, transcript.target, headers, encoded?.body);
      if (transcript.connection === 'tls-without-client-certificate') {
        request.connection.tls = {
          protocol: 'TLSv1.2',
          cipher: 'ECDHE-RSA-AES256-GCM-SHA384',
          servername: 'mp.ibcm-lab.example',
          peerCertificate: null,
          authorized: false,
          authorizationError: null,
        };
      }
      const reply = replyOf(await mp(request));
      expect(reply.status).toBe(transcript.status);
      if (transcript.challenge) expect(reply.header('WWW-Authenticate') ?? '').toMatch(transcript.challenge);
      if (transcript.xml) {
        expect(await xmlProblem(reply.text)).toBeUndefined();
        const root = new RegExp(`^<${transcript.xml.root}>([\\s\\S]*)</${transcript.xml.root}>$`).exec(reply.text);
        expect(root, reply.text).not.toBeNull();
        // Children of the root: strip nested elements' content so `root.find` sees only the first level.
        const firstLevel = root![1]!.replace(/<(\w+)(\s[^>]*)?>[\s\S]*?<\/\1>/g, (whole, name: string, attrs = '') => `<${name}${attrs}/>`);
        for (const read of transcript.xml.reads) {
          const scope = read.where === 'root-child' ? firstLevel : reply.text;
          // An attribute read (`elem.get(name)`) needs only the start tag; a text read needs a leaf with text.
          const ending = read.attribute ? '(/?>)' : `(/>|>([^<]+)</${read.element}>)`;
          const tag = new RegExp(`<${read.element}(\\s[^>]*)?${ending}`).exec(read.where === 'root-child' ? root![1]! : scope);
          expect(tag, `${read.element} (${read.where})`).not.toBeNull();
          if (read.where === 'root-child') expect(firstLevel).toMatch(new RegExp(`<${read.element}[\\s/>]`));
          if (read.attribute) expect(tag![1]).toMatch(new RegExp(`\\s${read.attribute}="[^"]+"`));
          else expect(tag![3]?.trim()).toBeTruthy();
        }
      }
      if (transcript.certificate) {
        const hex = /<X509Certificate>([^<]+)<\/X509Certificate>/.exec(reply.text)![1]!;
        expect(hex.length % 2 === 0 && hex.length >= 20).toBe(true);
        const certificate = new X509Certificate(Buffer.from(hex, 'hex'));
        expect(/CN=([^\n,]+)/.exec(certificate.issuer)?.[1]).toMatch(transcript.certificate.issuerCommonName);
        if (transcript.certificate.subjectAltNameDns) expect(certificate.subjectAltName).toMatch(/^DNS:[^,\s]+/);
      }
      if (transcript.chunks) {
        const contentType = reply.header('Content-Type') ?? '';
        const parts = decodeMultipart(reply.body, /boundary="?([^";]+)"?/.exec(contentType)![1]!);
        expect(parts.map((part) => part.body.subarray(2).toString('utf16le'))).toEqual(transcript.chunks);
        expect(parts.every((part) => part.body[0] === 0xff && part.body[1] === 0xfe)).toBe(true);
      }
    });
  });
});

describe('distribution point content, as the public tools crawl it', () => {
  const packages = [
    {
      contentId: 'Content_6f1c2a3b-4d5e-4f60-8a1b-2c3d4e5f6a7b',
      version: 1,
      files: [
        { name: 'setup.ps1', size: 4000 },
        { name: 'x64/Deploy Tool.exe', size: 70_001 },
      ],
    },
    { contentId: 'LAB00001', version: 3, files: [{ name: 'install.cmd', size: 100 }] },
  ];
  let role: RunningRole;
  let origin: string;

  beforeAll(async () => {
    role = await serveRole('dp1', distributionPoint({ packages }));
    origin = `http://127.0.0.1:${role.server.port}`;
  });
  afterAll(async () => role?.close());

  /** Anchors of a page with the text before each (BeautifulSoup `find_previous_sibling(string=True)`). */
  function anchors(html: string): { before: string; href: string }[] {
    return [...html.matchAll(/([^>]*)<A HREF="([^"]+)">/gi)].map((match) => ({
      before: match[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>'),
      href: match[2]!.replace(/&amp;/g, '&'),
    }));
  }

  /** GET of an absolute href as `requests` does it: the path and query of the URL, to the DP it names. */
  async function fetch(url: string, userAgent: string) {
    const parsed = new URL(url, origin);
    expect(parsed.origin).toBe(origin);
    return send(role, 'GET', parsed.pathname + parsed.search, { 'User-Agent': userAgent, Host: parsed.host });
  }

  describe.each(distributionPointCrawls)('$id (deviation $deviation)', (crawl) => {
    it(`finds and downloads every file as ${crawl.source}`, async () => {
      const index = await fetch(`${origin}${crawl.index}`, crawl.userAgent);
      expect(index.status).toBe(200);
      const packageIds = anchors(index.text)
        .map(({ href }) => href.split('/').at(-1)!.trim())
        .filter((part) => !part.endsWith('.INI'));
      expect(packageIds.sort()).toEqual(packages.map((pkg) => `${pkg.contentId}.${pkg.version}`).sort());
      const downloaded: string[] = [];
      for (const packageId of packageIds) {
        const walk = async (url: string, depth: number): Promise<void> => {
          const page = await fetch(url, crawl.userAgent);
          expect(page.status).toBe(200);
          for (const { before, href } of anchors(page.text)) {
            expect(href).toMatch(/^https?:\/\//);
            if (before.includes('dir')) {
              expect(depth).toBeLessThan(3);
              await walk(href, depth + 1);
              continue;
            }
            const file = await fetch(href, crawl.userAgent);
            const path = new URL(href).pathname.split('/');
            expect(path[2]).toBe(packageId);
            const pkg = packages.find((entry) => `${entry.contentId}.${entry.version}` === packageId)!;
            const name = path.slice(3).map(decodeURIComponent).join('/');
            expect([file.status, file.body.equals(packageFileContent(pkg.contentId, name, file.body.length))]).toEqual([200, true]);
            downloaded.push(`${packageId}/${name}`);
          }
        };
        await walk(`${origin}${crawl.packagePage(packageId)}`, 0);
      }
      expect(downloaded.sort()).toEqual(
        packages.flatMap((pkg) => pkg.files.map((file) => `${pkg.contentId}.${pkg.version}/${file.name}`)).sort(),
      );
    });
  });
});

// FID-SECRET-POLICY-NAA (deviation 6; W:26, W:71): the site's network access account as a secret policy.
// Sources: xpn/sccmwtf (the policy body is CMS EnvelopedData to the certificate the client registered,
// RSA PKCS #1 v1.5 + 3DES; decrypted, UTF-16 XML; an `<HTML>` answer means "not authorised"); PXEThief
// `process_naa_xml` / `deobfuscate_credential_string` (the CCM_NetworkAccessAccount instance and its
// obfuscated values); SCCMSecrets `policies_dumper.py` (PolicyFlags Secret bit 4). OpenSSL's `cms -decrypt`
// stands in for the tools' CMS decoders (asn1crypto, .NET EnvelopedCms): an implementation the mock does not use.
describe('FID-SECRET-POLICY-NAA (deviation 6): secret policy (NAA), as the public tools fetch and decrypt it', () => {
  const NAA = { user: 'LAB\\ibcm-naa', password: 'NAA-LAB-lab-only!' };
  let mp: SiteHandler;
  let owner: InProcessClient;
  let other: InProcessClient;
  let tmp: string;

  beforeAll(async () => {
    mp = await fidelityManagementPoint('mp', { networkAccessAccount: NAA });
    owner = new InProcessClient(inProcessClientProfile(SITE), mp);
    other = new InProcessClient({ ...inProcessClientProfile(SITE), computerName: 'OTHER01', fqdn: 'other01.ibcm-lab.example' }, mp);
    await owner.register();
    await other.register();
    tmp = mkdtempSync(join(tmpdir(), 'ibcm-fid-secret-'));
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  async function naaOf(client: InProcessClient) {
    const result = await client.requestAssignments();
    const xml = result.reply!.bodyXml;
    const policy =
      /<Policy PolicyID="([^"]+)"[^>]*PolicyCategory="NAAConfig"[^>]*PolicyFlags="(\d+)"[^>]*>[\s\S]*?<!\[CDATA\[([^\]]+)\]\]>/.exec(xml);
    expect(policy, xml).not.toBeNull();
    return { policyId: policy![1]!, flags: Number(policy![2]), location: policy![3]! };
  }

  async function tokenGet(client: InProcessClient, location: string) {
    const identity = await client.signingIdentity();
    const token = `${client.smsId};${isoSeconds(new Date())};2`;
    const target = location
      .replace(/^https?:\/\/<mp>/, '')
      .replace(/\{/g, '%7B')
      .replace(/\}/g, '%7D');
    return call(mp, 'GET', target, [
      ['User-Agent', 'ConfigMgr Messaging HTTP Sender'],
      ['ClientToken', token],
      ['ClientTokenSignature', toolSignature(identity.privateKey, utf16WithNul(token), 'digest-info')],
    ]);
  }

  it('assigns an NAAConfig policy flagged Secret (4) whose body is CMS EnvelopedData the owner decrypts with its key (openssl cms)', async () => {
    const naa = await naaOf(owner);
    expect(naa.flags & 4).toBe(4);
    const reply = await tokenGet(owner, naa.location);
    expect(reply.status).toBe(200);
    expect(reply.body.subarray(0, 1)[0]).toBe(0x30); // DER SEQUENCE, not `<HTML>`
    const identity = await owner.signingIdentity();
    writeFileSync(join(tmp, 'key.pem'), identity.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(tmp, 'policy.der'), reply.body);
    const printed = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', join(tmp, 'policy.der')]).toString();
    expect(printed).toMatch(/contentType: pkcs7-envelopedData/);
    expect(printed).toMatch(/des-ede3-cbc/);
    expect(printed).toMatch(/algorithm: rsaEncryption/);
    const plain = execFileSync('openssl', [
      'cms',
      '-decrypt',
      '-inform',
      'DER',
      '-in',
      join(tmp, 'policy.der'),
      '-inkey',
      join(tmp, 'key.pem'),
    ]);
    const xml = plain.toString('utf16le');
    const document = xml.slice(0, xml.lastIndexOf('>') + 1); // PXEThief: naa_xml[:naa_xml.rfind('>')+1]
    expect(await xmlProblem(document.replace(/^<\?xml[^>]*\?>/, ''))).toBeUndefined();
    expect(document).toMatch(/class="CCM_NetworkAccessAccount"/);
    // PXEThief: `.//*[@name='NetworkAccessUsername']` → `.find("value").text` → deobfuscate_credential_string, cut at the last NUL.
    const valueOf = (name: string) => new RegExp(`name="${name}"[^>]*><value><!\\[CDATA\\[([0-9A-F]+)\\]\\]></value>`).exec(document)![1]!;
    expect(pxethiefDeobfuscate(valueOf('NetworkAccessUsername'))).toBe(NAA.user);
    expect(pxethiefDeobfuscate(valueOf('NetworkAccessPassword'))).toBe(NAA.password);
    // The same bytes on a second request (a body a proxy must pass byte-exact).
    expect((await tokenGet(owner, naa.location)).body.equals(reply.body)).toBe(true);
  });

  it("refuses the owner's secret policy to another registered client and to an unsigned request (the ERROR page, W:26)", async () => {
    const naa = await naaOf(owner);
    const foreign = await tokenGet(other, naa.location);
    expect(foreign.status).toBe(403);
    expect(foreign.text.startsWith('<HTML>')).toBe(true);
    const anonymous = await call(mp, 'GET', naa.location.replace(/^https?:\/\/<mp>/, ''), []);
    expect(anonymous.status).toBe(403);
    // The other client's own NAA policy is its own ID, encrypted to its own certificate.
    const own = await naaOf(other);
    expect(own.policyId).not.toBe(naa.policyId);
    expect((await tokenGet(other, own.location)).status).toBe(200);
  });
});

/** PXEThief `deobfuscate_credential_string` + `aes_des_key_derivation`, written out again from the tool (not the mock's code). */
function pxethiefDeobfuscate(hex: string): string {
  const keyData = Buffer.from(hex.slice(8, 88), 'hex');
  const encrypted = Buffer.from(hex.slice(128), 'hex');
  expect(hex.slice(112, 116)).toBe('0366'); // credential_string_algo: "0366" → 3DES
  const sha = (data: Buffer) => createHash('sha1').update(data).digest();
  const digest = sha(keyData);
  const b0 = Buffer.concat([Buffer.from(digest.map((x) => x ^ 0x36)), Buffer.alloc(64 - digest.length, 0x36)]);
  const b1 = Buffer.concat([Buffer.from(digest.map((x) => x ^ 0x5c)), Buffer.alloc(64 - digest.length, 0x5c)]);
  const key = Buffer.concat([sha(b0), sha(b1)]).subarray(0, 24);
  const decipher = createDecipheriv('des-ede3-cbc', key, Buffer.alloc(8));
  decipher.setAutoPadding(false);
  const text = Buffer.concat([decipher.update(encrypted.subarray(0, Math.floor(encrypted.length / 8) * 8)), decipher.final()]).toString(
    'utf16le',
  );
  return text.slice(0, text.lastIndexOf('\0'));
}
