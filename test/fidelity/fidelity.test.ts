// Fidelity engine (issue 12): each transcript of ./transcripts.ts is replayed against the mock role and
// the answer read the way the public tool reads it. An independent strict parser (libxml2 via
// xmllint-wasm) stands in for the tools' XML parsers, so a reply the tools would reject fails here.
import { constants, createHash, privateEncrypt, type KeyObject } from 'node:crypto';
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

describe('management point replies and policy downloads, as the public tools read them', () => {
  let mp: SiteHandler;
  let client: InProcessClient;
  let identity: SigningIdentity;
  const exchanges: Record<string, Exchange> = {};

  beforeAll(async () => {
    const mpIdentity = await createSigningIdentity('mp');
    mp = managementPoint({
      siteCode: SITE,
      hostName: 'MP1',
      internetManagementPoints: [{ name: 'MP1', fqdn: 'mp.ibcm-lab.example' }],
      certificatePem: new X509Certificate(mpIdentity.certificateDer).toString(),
    });
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
    const mpIdentity = await createSigningIdentity('mp1.ibcm-lab.example');
    mp = managementPoint({
      siteCode: SITE,
      hostName: 'MP1',
      internetManagementPoints: [{ name: 'MP1', fqdn: 'mp.ibcm-lab.example' }],
      certificatePem: new X509Certificate(mpIdentity.certificateDer).toString(),
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
      if (transcript.xml) {
        expect(await xmlProblem(reply.text)).toBeUndefined();
        const root = new RegExp(`^<${transcript.xml.root}>([\\s\\S]*)</${transcript.xml.root}>$`).exec(reply.text);
        expect(root, reply.text).not.toBeNull();
        // Children of the root: strip nested elements' content so `root.find` sees only the first level.
        const firstLevel = root![1]!.replace(/<(\w+)(\s[^>]*)?>[\s\S]*?<\/\1>/g, (whole, name: string, attrs = '') => `<${name}${attrs}/>`);
        for (const read of transcript.xml.reads) {
          const scope = read.where === 'root-child' ? firstLevel : reply.text;
          const tag = new RegExp(`<${read.element}(\\s[^>]*)?(/>|>([^<]+)</${read.element}>)`).exec(
            read.where === 'root-child' ? root![1]! : scope,
          );
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
