// Software updates as a ConfigMgr client gets them (W:40–42): the scan against the SUP (WSUS
// `SyncUpdates`), then the content. Whether the client is an "internet client" is the network-location
// detector's verdict (location.ts: DC or intranet MP reachable → intranet), taken before the SUP and the
// sources are chosen — an internet client tries Microsoft Update first and falls back
// to an internet DP only when that fails; a client not managed over the internet goes to its DP and
// never to Microsoft Update. Downloads are BITS-style (HEAD, then ranged GETs) and resume from the
// byte where the last source stopped; the SHA-1 the scan gave must match what was assembled.
// Everything here is learned over the network; nothing is imported from the lab.
import { createHash } from 'node:crypto';
import { contentFilePath } from './content.js';
import type { Exchange } from './exchange.js';
import type { IbcmClient } from './ibcm-client.js';
import { detectNetworkLocation, type LocationDetection, type NetworkLocation } from './location.js';
import type { SiteSystemEndpoint } from './profile.js';

export const WSUS_CLIENT_WEB_SERVICE_NS = 'http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService';
export const WSUS_CLIENT_WEB_SERVICE_PATH = '/ClientWebService/client.asmx';
export const WINDOWS_UPDATE_AGENT = 'Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.50';
const BITS_AGENT = 'Microsoft BITS/7.8';
/** The public Microsoft Update download layout (`http://download.windowsupdate.com/c/msdownload/update/software/secu/…`). */
export const MICROSOFT_UPDATE_FILE_ROOT = '/c/msdownload/update/software/secu';

export interface UpdateFile {
  updateId: string;
  fileName: string;
  /** SHA-1 of the file, base64, as the scan gives it. */
  digestBase64: string;
  /** Where the SUP said the file is. */
  supUrl: string;
}

export interface ScanResult {
  /** Where the client found itself (network-location detection) before it chose its SUP. */
  detection: LocationDetection;
  origin: string;
  exchange: Exchange;
  files: UpdateFile[];
}

export type UpdateSource = 'microsoft-update' | 'distribution-point';

/** A software update deployment as its machine policy says (CCM_UpdateCIAssignment). */
export interface UpdateDeployment {
  name: string;
  /** "…download content from Microsoft Updates" when no DP has it (AllowWUMU, W:41). */
  allowMicrosoftUpdateFallback: boolean;
}

/** The software update deployment in a policy body, if it is one. */
export function updateDeploymentOf(body: string): UpdateDeployment | undefined {
  if (!/Class="CCM_UpdateCIAssignment"/.test(body)) return undefined;
  return {
    name: /AssignmentName="([^"]*)"/.exec(body)?.[1] ?? '',
    allowMicrosoftUpdateFallback: /<Property Name="AllowWUMU" Value="true"/.test(body),
  };
}

/** One byte range as it arrived, and from where. */
export interface ServedRange {
  source: UpdateSource;
  origin: string;
  start: number;
  end: number;
  status?: number;
}

export interface UpdateDownload {
  file: UpdateFile;
  /** Where the client found itself before it chose its sources (Microsoft Update only when managed over the internet). */
  detection: LocationDetection;
  /** Sources in the order tried; why each one that failed was given up. */
  tried: { source: UpdateSource; origin: string; failure?: string }[];
  exchanges: { source: UpdateSource; exchange: Exchange }[];
  ranges: ServedRange[];
  /** Ranges that arrived but are not part of the file: a source whose size or content did not hold (why). */
  discarded: (ServedRange & { why: string })[];
  /** The file's size, and the source whose HEAD gave it (the one that serves the bytes). */
  size?: number;
  sizeFrom?: UpdateSource;
  content?: Buffer;
  /** The assembled bytes have the SHA-1 the scan named. */
  verified: boolean;
  failure?: string;
}

/**
 * Is this client managed over the internet at `location` — what the network-location detector
 * (location.ts) found, not where the lab put it: IBCM configured, and internet-only or currently internet.
 */
export function managedOverInternet(client: IbcmClient, location: NetworkLocation): boolean {
  const { install } = client.profile;
  return Boolean(install.CCMHOSTNAME) && (install.CCMALWAYSINF === 1 || location === 'internet');
}

/** The site systems this client uses at `location`: internet names when managed over the internet, intranet names otherwise. */
export function knownSiteSystems(client: IbcmClient, location: NetworkLocation): SiteSystemEndpoint[] {
  return managedOverInternet(client, location) ? client.profile.siteSystems : (client.profile.intranetSiteSystems ?? []);
}

export function endpointOrigin(
  client: IbcmClient,
  role: SiteSystemEndpoint['role'],
  location: NetworkLocation,
  scheme: 'https' | 'http' = 'https',
): string {
  const endpoint = knownSiteSystems(client, location).find((candidate) => candidate.role === role && candidate.scheme === scheme);
  if (!endpoint) throw new Error(`${client.profile.computerName} knows no ${role} (${scheme}) where it stands`);
  return `${endpoint.scheme}://${endpoint.fqdn}:${endpoint.port}`;
}

/** The WSUS scan: `SyncUpdates` against the SUP the client uses where it finds itself (W:40). */
export async function scanForUpdates(client: IbcmClient, options: { detection?: LocationDetection } = {}): Promise<ScanResult> {
  const detection = options.detection ?? (await detectNetworkLocation(client));
  const origin = endpointOrigin(client, 'software-update-point', detection.location);
  const body =
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>' +
    `<SyncUpdates xmlns="${WSUS_CLIENT_WEB_SERVICE_NS}"><cookie><Expiration>2026-12-01T00:00:00Z</Expiration><EncryptedData>AA==</EncryptedData></cookie>` +
    '<parameters><ExpressQuery>false</ExpressQuery><InstalledNonLeafUpdateIDs /><OtherCachedUpdateIDs /><SkipSoftwareSync>false</SkipSoftwareSync><NeedTwoGroupOutOfScopeUpdates>false</NeedTwoGroupOutOfScopeUpdates></parameters>' +
    '</SyncUpdates></soap:Body></soap:Envelope>';
  const exchange = await client.send(
    {
      method: 'POST',
      target: WSUS_CLIENT_WEB_SERVICE_PATH,
      headers: [
        ['User-Agent', WINDOWS_UPDATE_AGENT],
        ['Content-Type', 'text/xml; charset=utf-8'],
        ['SOAPAction', `"${WSUS_CLIENT_WEB_SERVICE_NS}/SyncUpdates"`],
      ],
      body,
    },
    origin,
  );
  const xml = exchange.status === 200 ? (exchange.responseBody?.toString('utf8') ?? '') : '';
  const updateIds = [...xml.matchAll(/UpdateID=(?:"|&quot;)([0-9a-fA-F-]{36})/g)].map((match) => match[1]!);
  const locations = [...xml.matchAll(/<FileLocation><FileDigest>([^<]+)<\/FileDigest><Url>([^<]+)<\/Url><\/FileLocation>/g)];
  const files = locations.map((match, index) => {
    const supUrl = match[2]!.replace(/&amp;/g, '&');
    return {
      updateId: updateIds[index] ?? '',
      digestBase64: match[1]!,
      supUrl,
      fileName: supUrl.slice(supUrl.lastIndexOf('/') + 1).toLowerCase(),
    };
  });
  return { detection, origin, exchange, files };
}

/**
 * Downloads an update file. Internet clients try Microsoft Update first (W:41); any failure — no
 * name, no connection, an HTTP error, a reset, a timeout, an answer that is not the file (a web
 * filter's block page), bytes that do not verify — moves on to the DP, which continues from the
 * byte where Microsoft Update stopped when both give the same size, and starts over otherwise. A client
 * not managed over the internet goes to its DP, and to Microsoft Update only when its `deployment`
 * (the machine policy) allows the fallback and no DP served the file. `allowMicrosoftUpdate` forces
 * Microsoft Update first or never, whatever the client is (a check's control).
 */
export async function downloadUpdateFile(
  client: IbcmClient,
  file: UpdateFile,
  options: { chunkSize?: number; allowMicrosoftUpdate?: boolean; detection?: LocationDetection; deployment?: UpdateDeployment } = {},
): Promise<UpdateDownload> {
  const chunkSize = options.chunkSize ?? 256 * 1024;
  // Where the client is decides: the detector's verdict, taken before the sources are chosen.
  const detection = options.detection ?? (await detectNetworkLocation(client));
  const download: UpdateDownload = { file, detection, tried: [], exchanges: [], ranges: [], discarded: [], verified: false };
  const sources: { source: UpdateSource; origin: string; target: string }[] = [];
  const mu = client.profile.microsoftUpdate;
  if (mu && (options.allowMicrosoftUpdate ?? managedOverInternet(client, detection.location)))
    sources.push({
      source: 'microsoft-update',
      origin: `http://${mu.fqdn}:${mu.port}`,
      target: `${MICROSOFT_UPDATE_FILE_ROOT}/${file.fileName}`,
    });
  sources.push({
    source: 'distribution-point',
    origin: endpointOrigin(client, 'distribution-point', detection.location),
    target: contentFilePath(`Content_${file.updateId}`, 1, file.fileName),
  });
  // A deployment that allows it sends a client that found no DP with the content to Microsoft Update (W:41).
  if (mu && options.deployment?.allowMicrosoftUpdateFallback && !sources.some((source) => source.source === 'microsoft-update'))
    sources.push({
      source: 'microsoft-update',
      origin: `http://${mu.fqdn}:${mu.port}`,
      target: `${MICROSOFT_UPDATE_FILE_ROOT}/${file.fileName}`,
    });
  // The file is what one source serves: its size comes from the HEAD of the source that serves the
  // bytes, and a source that fails hands over only bytes of a file of the same size. A source whose
  // answers are not the file (a filter's 200 block page, a wrong size) contributes nothing; an
  // assembled file that does not verify is thrown away and the next source starts from byte 0.
  let parts: Buffer[] = [];
  let offset = 0;
  const startOver = (why: string) => {
    if (download.ranges.length) download.discarded.push(...download.ranges.map((range) => ({ ...range, why })));
    download.ranges = [];
    parts = [];
    offset = 0;
    download.size = undefined;
    download.sizeFrom = undefined;
  };
  for (const source of sources) {
    const tried: UpdateDownload['tried'][number] = { source: source.source, origin: source.origin };
    download.tried.push(tried);
    const send = async (headers: [string, string][], method = 'GET') => {
      const exchange = await client.send(
        { method, target: source.target, headers: [['User-Agent', BITS_AGENT], ...headers] },
        source.origin,
      );
      download.exchanges.push({ source: source.source, exchange });
      return exchange;
    };
    const head = await send([], 'HEAD');
    const size = Number(head.responseHeaders?.find(([name]) => name === 'content-length')?.[1]);
    if (head.error || head.status !== 200 || !Number.isInteger(size) || size <= 0) {
      tried.failure = `HEAD ${head.error ? `${head.error.code}: ${head.error.message}` : `HTTP ${head.status}`}`;
      continue;
    }
    if (offset > 0 && download.size !== size)
      startOver(`${source.source} gives size ${size}, not ${download.size} as ${download.sizeFrom}: its bytes are not the same file`);
    if (download.size === undefined) [download.size, download.sizeFrom] = [size, source.source];
    while (offset < size) {
      const end = Math.min(size, offset + chunkSize) - 1;
      const part = await send([['Range', `bytes=${offset}-${end}`]]);
      const contentRange = part.responseHeaders?.find(([name]) => name === 'content-range')?.[1];
      if (
        part.error ||
        part.status !== 206 ||
        contentRange !== `bytes ${offset}-${end}/${size}` ||
        part.responseBody?.length !== end - offset + 1
      ) {
        tried.failure = `GET bytes=${offset}-${end}: ${part.error ? `${part.error.code}: ${part.error.message}` : `HTTP ${part.status}, Content-Range ${contentRange ?? 'none'}, ${part.responseBody?.length ?? 0} bytes`}`;
        break;
      }
      parts.push(part.responseBody);
      download.ranges.push({ source: source.source, origin: source.origin, start: offset, end, status: part.status });
      offset = end + 1;
    }
    // A source that served nothing leaves no size behind: the next one's HEAD decides.
    if (offset === 0) [download.size, download.sizeFrom] = [undefined, undefined];
    if (offset < size) continue;
    const content = Buffer.concat(parts);
    if (createHash('sha1').update(content).digest('base64') === file.digestBase64) {
      download.content = content;
      download.verified = true;
      return download;
    }
    tried.failure = 'the assembled file does not have the SHA-1 the scan named';
    startOver(tried.failure);
  }
  download.failure = download.tried.some((tried) => tried.failure?.startsWith('the assembled file'))
    ? `no source delivered a file with the SHA-1 the scan named: ${download.tried.map((tried) => `${tried.source} ${tried.failure ?? 'incomplete'}`).join('; ')}`
    : `no source delivered the file: ${download.tried.map((tried) => `${tried.source} ${tried.failure ?? 'incomplete'}`).join('; ')}`;
  return download;
}
