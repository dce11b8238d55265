// LOC-RESUME (seed 000; W:34): a BITS download begun on the internet continues on the intranet from
// the byte where it stopped, and the other way round — the client moves (DNS view and source address
// change), re-detects its location, takes the DP by the name of its new network and asks for the
// next range. The DP journal proves which name and which range each request used; the assembled file
// must equal the file.
import { createHash } from 'node:crypto';
import type { JournalEntry } from '../../harness/http/index.js';
import { contentFilePath, detectNetworkLocation, siteSystemsFor, type IbcmClient } from '../../harness/client/index.js';
import type { Lab } from '../../harness/lab/index.js';
import type { Segment } from '../../harness/topology/index.js';
import { ensure } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { describeClientResult, nameReached } from '../verify.js';

const CHUNK = 512 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const hostHeader = nameReached;
const rangeHeader = (entry: JournalEntry) => entry.headers.find(([name]) => name.toLowerCase() === 'range')?.[1];

async function dpOrigin(client: IbcmClient): Promise<string> {
  const detection = await detectNetworkLocation(client);
  const dp = siteSystemsFor(client, detection.location).endpoints.find(
    (endpoint) => endpoint.role === 'distribution-point' && endpoint.scheme === 'https',
  );
  ensure(dp, `${client.profile.computerName} knows no DP when ${detection.location}`);
  return `https://${dp.fqdn}:${dp.port}`;
}

/** Ranged GETs from `offset` until `stopAt` (exclusive) or the end; returns the new offset. */
async function fetchRanges(
  client: IbcmClient,
  origin: string,
  target: string,
  size: number,
  offset: number,
  stopAt: number,
  parts: Buffer[],
  evidence: CheckFixtures['evidence'],
): Promise<number> {
  while (offset < Math.min(size, stopAt)) {
    const end = Math.min(size, stopAt, offset + CHUNK) - 1;
    const part = await client.send(
      {
        method: 'GET',
        target,
        headers: [
          ['User-Agent', 'Microsoft BITS/7.8'],
          ['Range', `bytes=${offset}-${end}`],
        ],
      },
      origin,
    );
    evidence.sent(part);
    ensure(
      part.status === 206 && part.responseBody?.length === end - offset + 1,
      `Range bytes=${offset}-${end} from ${origin}: ${describeClientResult(part)}`,
      'range-not-served',
    );
    parts.push(part.responseBody);
    offset = end + 1;
  }
  return offset;
}

/** The journal's ranges after the move start where the first leg stopped and never at 0. */
function resumedAt(entries: JournalEntry[], name: string, stoppedAt: number): boolean {
  const after = entries.filter((entry) => hostHeader(entry) === name && rangeHeader(entry));
  return (
    after.length > 0 &&
    rangeHeader(after[0]!)!.startsWith(`bytes=${stoppedAt}-`) &&
    after.every((entry) => !rangeHeader(entry)!.startsWith('bytes=0-'))
  );
}

async function moveDuringDownload(
  lab: Lab,
  newClient: CheckFixtures['newClient'],
  evidence: CheckFixtures['evidence'],
  from: Segment,
  to: Segment,
): Promise<string> {
  const dpRole = lab.topology.roles.find((role) => role.kind === 'distribution-point');
  ensure(dpRole && dpRole.kind === 'distribution-point' && dpRole.internetFqdn, 'the topology has no internet-facing distribution point');
  const pkg = dpRole.packages[0]!;
  const file = pkg.files.reduce((a, b) => (b.size > a.size ? b : a));
  const target = contentFilePath(pkg.contentId, pkg.version, file.name);
  const journal = lab.journal(dpRole.name);
  const mark = journal.mark();
  // The same computer on each network: on the docker driver its station container moves between them.
  const profileOn = async (segment: Segment) => {
    const base = await lab.moveClient(undefined, segment);
    return { ...base, install: { ...base.install, CCMALWAYSINF: 0 as const } };
  };
  // First leg: HEAD for the size, then ranges up to about 40 % — then the network changes.
  const first = newClient(await profileOn(from));
  const firstOrigin = await dpOrigin(first);
  const head = await first.send({ method: 'HEAD', target, headers: [['User-Agent', 'Microsoft BITS/7.8']] }, firstOrigin);
  evidence.sent(head);
  const size = Number(head.responseHeaders?.find(([name]) => name === 'content-length')?.[1]);
  ensure(head.status === 200 && size === file.size, `HEAD at ${firstOrigin}: ${describeClientResult(head)}`, 'size-unknown');
  const parts: Buffer[] = [];
  const stoppedAt = await fetchRanges(
    first,
    firstOrigin,
    target,
    size,
    0,
    Math.floor((size * 0.4) / CHUNK) * CHUNK || CHUNK,
    parts,
    evidence,
  );
  await first.close();
  // Second leg: the same computer on the other network re-detects and continues from the byte where it stopped.
  const second = newClient(await profileOn(to));
  const secondOrigin = await dpOrigin(second);
  ensure(secondOrigin !== firstOrigin, `after moving to the ${to} the client still uses ${firstOrigin}`, 'origin-not-switched');
  const done = await fetchRanges(second, secondOrigin, target, size, stoppedAt, size, parts, evidence);
  const assembled = Buffer.concat(parts);
  const whole = await second.send({ method: 'GET', target }, secondOrigin);
  evidence.sent(whole);
  ensure(
    done === size && assembled.length === size && whole.responseBody && sha256(assembled) === sha256(whole.responseBody),
    `the resumed file (${assembled.length} bytes, ${sha256(assembled).slice(0, 16)}…) is not the file (${whole.responseBody?.length} bytes)`,
  );
  const entries = journal.since(mark).filter((entry) => entry.method === 'GET' && rangeHeader(entry));
  evidence.received(dpRole.name, entries);
  const secondName = new URL(secondOrigin).hostname;
  const firstName = new URL(firstOrigin).hostname;
  ensure(
    entries.some((entry) => hostHeader(entry) === firstName),
    `the DP journal shows no range asked as ${firstName}`,
  );
  ensure(
    resumedAt(entries, secondName, stoppedAt),
    `the DP journal does not show the download resumed at byte ${stoppedAt} as ${secondName} (ranges: ${entries.map((entry) => `${hostHeader(entry)} ${rangeHeader(entry)}`).join(', ')})`,
  );
  // Negative control: a client that starts over after the move — its first range is bytes=0-… — fails the same test.
  const restarted = [
    {
      ...entries[0]!,
      headers: [
        ['Host', secondName],
        ['Range', `bytes=0-${CHUNK - 1}`],
      ] as [string, string][],
    },
  ];
  ensure(!resumedAt(restarted, secondName, stoppedAt), 'negative control: a download restarted from byte 0 passed as resumed');
  return `${from} → ${to}: bytes 0-${stoppedAt - 1} as ${firstName}, then from byte ${stoppedAt} as ${secondName}, SHA-256 ${sha256(assembled).slice(0, 16)}… matches`;
}

check('LOC-RESUME', 'a download begun on one network resumes on the other from where it stopped', async ({ lab, newClient, evidence }) => {
  const there = await moveDuringDownload(lab, newClient, evidence, 'internet', 'intranet');
  const back = await moveDuringDownload(lab, newClient, evidence, 'intranet', 'internet');
  evidence.pass(`${there}; ${back}; control: a restart from byte 0 is told apart`);
});
