// SU-*: software updates over the internet (seed 000; W:40–42). The scan goes to the internet SUP;
// content comes from Microsoft Update first and from the internet DP only when Microsoft Update
// fails — by name, by refused connection, by HTTP error, by a silent drop in the path, by timeout, by
// an answer that is not the file (a 200 block page), each its own case; a client not managed over the
// internet never touches Microsoft Update (unless its deployment allows the fallback, AllowWUMU). Each
// verdict rests on what the client saw AND on the Microsoft Update and DP journals, which show
// which host served which byte range.
import type { JournalEntry } from '../../harness/http/index.js';
import {
  downloadUpdateFile,
  machinePolicyRound,
  scanForUpdates,
  updateDeploymentOf,
  type IbcmClient,
  type UpdateDownload,
  type UpdateFile,
} from '../../harness/client/index.js';
import type { Lab, MicrosoftUpdateFault } from '../../harness/lab/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { describeClientResult, nameReached } from '../verify.js';

const CHUNK = 256 * 1024;

function requireMicrosoftUpdate(lab: Lab) {
  prerequisite(lab.microsoftUpdate, 'the topology has no microsoft-update host (add `- kind: microsoft-update` to its roles)');
  return lab.microsoftUpdate;
}

/** The scan, asserted to have found the lab's update. */
/** The update scan: the check under test for SU-SCAN-INTERNET-SUP, a prerequisite (blocked when it fails) for the download checks. */
async function scan(
  client: IbcmClient,
  evidence: CheckFixtures['evidence'],
  role: 'the check' | 'a prerequisite' = 'a prerequisite',
): Promise<UpdateFile> {
  const result = await scanForUpdates(client);
  evidence.sent(result.exchange);
  const scanned = result.exchange.status === 200 && result.files.length > 0;
  const reason = `SyncUpdates at ${result.origin}: ${describeClientResult(result.exchange)}, ${result.files.length} file location(s)`;
  if (role === 'the check') ensure(scanned, reason, 'scan-failed');
  else prerequisite(scanned, `the update scan failed: ${reason}`);
  return result.files[0]!;
}

/** "bytes=a-b → status" for each request of the journal for the file (HEAD as "HEAD → status"). */
function servedRanges(entries: JournalEntry[], file: UpdateFile): string[] {
  return entries
    .filter((entry) => entry.target.toLowerCase().includes(file.fileName))
    .map(
      (entry) =>
        `${entry.method === 'HEAD' ? 'HEAD' : (entry.headers.find(([name]) => name.toLowerCase() === 'range')?.[1] ?? 'whole')} → ${entry.response.status}`,
    );
}

function describeDownload(download: UpdateDownload): string {
  const bySource = download.ranges.reduce<Record<string, number>>(
    (counts, range) => ({ ...counts, [range.source]: (counts[range.source] ?? 0) + 1 }),
    {},
  );
  return `currently ${download.detection.location} (${download.detection.reason}); tried ${download.tried.map((tried) => `${tried.source}${tried.failure ? ` (failed: ${tried.failure})` : ''}`).join(' then ')}; ranges ${JSON.stringify(bySource)}; ${download.verified ? 'SHA-1 verified' : (download.failure ?? 'not verified')}`;
}

/** Every byte range came from `source`, the file verifies, and that host's journal shows each range served with 206. */
function assertServedBy(
  download: UpdateDownload,
  source: 'microsoft-update' | 'distribution-point',
  journal: JournalEntry[],
  label: string,
): void {
  ensure(
    download.ranges.length > 0 && download.ranges.every((range) => range.source === source),
    `${label}: expected every range from ${source}; ${describeDownload(download)}`,
    `not-served-by-${source}`,
  );
  ensure(download.verified, `${label}: ${describeDownload(download)}`, 'content-not-verified');
  ensure(
    download.sizeFrom === source,
    `${label}: the file's size came from ${download.sizeFrom ?? 'no source'}, not from ${source}, which served the bytes`,
    'size-not-from-serving-source',
  );
  const expected = download.ranges.map((range) => `bytes=${range.start}-${range.end} → 206`);
  const seen = servedRanges(journal, download.file);
  ensure(
    expected.every((range) => seen.includes(range)),
    `${label}: the ${source} journal does not show the ranges the client got (client: ${expected.join(', ')}; journal: ${seen.join(', ') || 'nothing'})`,
    `${source}-journal-disagrees`,
  );
}

/**
 * Why Microsoft Update did not serve the file when the client tried it: it could not be reached
 * (no name, no connection, an HTTP error, a reset, a timeout), or something answered for it with
 * what is not the file (a 200 page without the ranges, the wrong size or bytes).
 */
function microsoftUpdateOutcome(download: UpdateDownload): 'served' | 'unreachable' | 'not-the-file' {
  const mu = download.exchanges.filter((entry) => entry.source === 'microsoft-update').map((entry) => entry.exchange);
  if (download.verified && download.ranges.length > 0 && download.ranges.every((range) => range.source === 'microsoft-update'))
    return 'served';
  return mu.some((exchange) => !exchange.error && exchange.status !== undefined && exchange.status < 300) ? 'not-the-file' : 'unreachable';
}

check('SU-SCAN-INTERNET-SUP', 'an internet client scans against the internet-facing SUP', async ({ lab, client, newClient, evidence }) => {
  const sup = lab.siteSystem('software-update-point');
  prerequisite(sup.internetFqdn, 'the topology has no internet-facing SUP');
  const journal = lab.journal(sup.name);
  const mark = journal.mark();
  const file = await scan(client, evidence, 'the check');
  const received = journal
    .since(mark)
    .filter((entry) => /SyncUpdates/.test(entry.headers.find(([name]) => name.toLowerCase() === 'soapaction')?.[1] ?? ''));
  evidence.received(sup.name, received);
  const hostOf = nameReached;
  const internetScan = (entries: JournalEntry[]) => entries.length > 0 && entries.every((entry) => hostOf(entry) === sup.internetFqdn);
  ensure(
    internetScan(received),
    `the SUP journal shows ${received.length} SyncUpdates request(s) for ${received.map(hostOf).join(', ') || 'nothing'}, expected its internet FQDN ${sup.internetFqdn}`,
    'scan-not-at-internet-sup',
  );
  ensure(
    new URL(file.supUrl).hostname === sup.internetFqdn,
    `the scan's file location names ${new URL(file.supUrl).hostname}, not the internet FQDN ${sup.internetFqdn}`,
    'file-location-not-internet-name',
  );

  // Negative control: the same computer installed for intranet management only, on the intranet,
  // scans its intranet SUP — and the predicate above says so.
  const base = lab.clientProfile(undefined, { segment: 'intranet' });
  const intranet = newClient({ ...base, install: { ...base.install, CCMHOSTNAME: '', CCMALWAYSINF: 0 } });
  const controlMark = journal.mark();
  await scan(intranet, evidence, 'the check');
  const control = journal
    .since(controlMark)
    .filter((entry) => /SyncUpdates/.test(entry.headers.find(([name]) => name.toLowerCase() === 'soapaction')?.[1] ?? ''));
  ensure(
    control.length > 0 && !internetScan(control),
    `negative control: an intranet-only client's scan (${control.map(hostOf).join(', ') || 'none'}) was not told apart from an internet scan`,
    'control-not-told-apart',
  );
  evidence.pass(
    `the internet client's SyncUpdates reached the SUP as ${sup.internetFqdn} (SUP journal: ${received.length} request(s)) and the file locations name it; control: an intranet-only client scans ${control.map(hostOf)[0]}, which the same check tells apart`,
  );
});

check(
  'SU-MU-FIRST',
  'an internet client downloads update content from Microsoft Update first',
  async ({ lab, client, newClient, evidence }) => {
    const mu = requireMicrosoftUpdate(lab);
    const dp = lab.siteSystem('distribution-point');
    const file = await scan(client, evidence);
    const muJournal = lab.journal(mu.name);
    const dpJournal = lab.journal(dp.name);
    const [muMark, dpMark] = [muJournal.mark(), dpJournal.mark()];
    const download = await downloadUpdateFile(client, file, { chunkSize: CHUNK });
    evidence.sent(...download.exchanges.map((entry) => entry.exchange));
    const muSeen = muJournal.since(muMark);
    const dpSeen = dpJournal.since(dpMark).filter((entry) => entry.target.toLowerCase().includes(file.fileName));
    evidence.received(mu.name, muSeen);
    evidence.received(dp.name, dpSeen);
    ensure(
      download.tried[0]?.source === 'microsoft-update',
      `the client did not try Microsoft Update first: ${describeDownload(download)}`,
      'microsoft-update-not-first',
    );
    const outcome = microsoftUpdateOutcome(download);
    const muAnswers = download.exchanges
      .filter((entry) => entry.source === 'microsoft-update')
      .map(
        (entry) =>
          `${entry.exchange.method} ${describeClientResult(entry.exchange)}${entry.exchange.error ? '' : ` (${entry.exchange.responseHeaders?.find(([name]) => name === 'content-type')?.[1] ?? 'no Content-Type'})`}`,
      );
    ensure(
      outcome !== 'unreachable',
      `the client tried Microsoft Update first but could not reach it (${muAnswers.slice(0, 3).join('; ')}): ${describeDownload(download)}; its journal shows ${muSeen.length} request(s)`,
      'microsoft-update-unreachable',
    );
    ensure(
      outcome !== 'not-the-file',
      `the client tried Microsoft Update first, but what answered for it was not the file (${muAnswers.slice(0, 3).join('; ')}): ${describeDownload(download)}; Microsoft Update's journal shows ${muSeen.length} request(s)`,
      'microsoft-update-answer-not-the-file',
    );
    assertServedBy(download, 'microsoft-update', muSeen, 'Microsoft Update reachable');
    ensure(
      dpSeen.length === 0,
      `the DP was asked for the update although Microsoft Update served it: ${servedRanges(dpSeen, file).join(', ')}`,
      'dp-asked-although-microsoft-update-served',
    );

    // Negative control: a client not managed over the internet goes to its DP, and the check's own
    // assertion then fails on it.
    const base = lab.clientProfile(undefined, { segment: 'intranet' });
    const intranet = newClient({ ...base, install: { ...base.install, CCMHOSTNAME: '', CCMALWAYSINF: 0 } });
    const controlMark = muJournal.mark();
    const control = await downloadUpdateFile(intranet, file, { chunkSize: CHUNK });
    let caught = false;
    try {
      assertServedBy(control, 'microsoft-update', muJournal.since(controlMark), 'control');
    } catch {
      caught = true;
    }
    prerequisite(
      control.verified,
      `negative control: the intranet-only client's DP download did not complete, so the check could not show it tells a DP-only download apart (${describeDownload(control)})`,
    );
    ensure(caught, `negative control: a DP-only download (${describeDownload(control)}) was not told apart`, 'control-not-told-apart');
    evidence.pass(
      `Microsoft Update served all ${download.ranges.length} ranges (journal: ${servedRanges(muSeen, file).join(', ')}), the DP none, SHA-1 verified; control: a DP-only download is told apart`,
    );
  },
);

const FAILURES: { fault: MicrosoftUpdateFault; label: string }[] = [
  { fault: 'unresolvable', label: 'name does not resolve' },
  { fault: 'refused', label: 'connection refused' },
  { fault: 'http-error', label: 'HTTP 503' },
  { fault: 'blocked', label: 'dropped silently in the path (connection reset)' },
  { fault: 'timeout', label: 'no answer within the timeout' },
  // A 200 that is not the file: the client must tell it from the update (no 206, not the size, not the SHA-1) and take the DP's size.
  { fault: 'block-page', label: 'answered with a 200 HTML block page' },
];

check(
  'SU-DP-FALLBACK',
  'only when Microsoft Update fails does the client fall back to the internet DP, and the content verifies',
  async ({ lab, client, newClient, evidence }) => {
    const mu = requireMicrosoftUpdate(lab);
    const dp = lab.siteSystem('distribution-point');
    const file = await scan(client, evidence);
    const muJournal = lab.journal(mu.name);
    const dpJournal = lab.journal(dp.name);
    const outcomes: string[] = [];
    try {
      for (const { fault, label } of FAILURES) {
        await mu.setFault(fault, { holdMs: 2500 });
        // A fresh client per case (no pooled connection), with a short timeout so the timeout case is quick.
        const caseClient = newClient(undefined, { timeoutMs: 1000 });
        const [muMark, dpMark] = [muJournal.mark(), dpJournal.mark()];
        const download = await downloadUpdateFile(caseClient, file, { chunkSize: CHUNK });
        evidence.sent(...download.exchanges.map((entry) => entry.exchange));
        const muSeen = muJournal.since(muMark);
        const dpSeen = dpJournal.since(dpMark);
        evidence.received(`${mu.name} (${fault})`, muSeen);
        evidence.received(`${dp.name} (${fault})`, dpSeen);
        ensure(
          download.tried[0]?.source === 'microsoft-update' && download.tried[0].failure,
          `${label}: the client did not try and fail Microsoft Update first: ${describeDownload(download)}`,
          'microsoft-update-not-tried-first',
        );
        assertServedBy(download, 'distribution-point', dpSeen, label);
        // Microsoft Update's side: nothing, or only failures — never a byte of the file: no range (206), no
        // whole file. (A HEAD held in the timeout case may still be answered after the client gave up on it.)
        const muServed = muSeen.filter(
          (entry) =>
            entry.method !== 'HEAD' &&
            (entry.response.status === 206 ||
              (entry.response.status < 400 &&
                !/text\/html/i.test(entry.response.headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? ''))),
        );
        ensure(
          muServed.length === 0,
          `${label}: the Microsoft Update journal shows it served ${servedRanges(muServed, file).join(', ')}`,
          'microsoft-update-served-while-failing',
        );
        outcomes.push(
          `${label}: MU ${muSeen.length ? servedRanges(muSeen, file).join(', ') : 'saw nothing'} (${download.tried[0].failure}); ${dp.name} served ${servedRanges(dpSeen, file).join(', ')}`,
        );
        evidence.note(outcomes[outcomes.length - 1]!);
      }
    } finally {
      await mu.setFault(null);
    }
    // Negative control: content that does not match the scan's SHA-1 is refused.
    const tampered = await downloadUpdateFile(
      newClient(),
      { ...file, digestBase64: Buffer.alloc(20).toString('base64') },
      { chunkSize: CHUNK },
    );
    ensure(!tampered.verified, 'negative control: a download whose SHA-1 differs from the scan was accepted', 'control-not-told-apart');
    evidence.pass(
      `in each of ${FAILURES.length} failure cases the client tried Microsoft Update, gave up on it, and the DP journal shows it served every range, SHA-1 verified — ${outcomes.join('; ')}; control: a wrong SHA-1 is refused`,
    );
  },
);

check('SU-INTRANET-NO-MU', 'a client not configured for IBCM never contacts Microsoft Update', async ({ lab, newClient, evidence }) => {
  const mu = requireMicrosoftUpdate(lab);
  const dp = lab.siteSystem('distribution-point');
  const base = lab.clientProfile(undefined, { segment: 'intranet' });
  const intranet = newClient({ ...base, install: { ...base.install, CCMHOSTNAME: '', CCMALWAYSINF: 0 } });
  // The software update deployment as the site hands it to this computer: machine policy from its intranet MP.
  const round = await machinePolicyRound(intranet, { fetch: (policy) => policy.category === 'SoftwareUpdates' });
  evidence.sent(round.exchange, ...round.fetched.map((fetched) => fetched.exchange));
  const deployment = round.fetched
    .map(({ exchange }) => (exchange.status === 200 ? updateDeploymentOf(exchange.responseBody?.toString('utf8') ?? '') : undefined))
    .find(Boolean);
  prerequisite(
    deployment,
    `the intranet MP ${round.origin} assigned ${intranet.profile.computerName} no software update deployment it could fetch (${round.policies.length} assignment(s): ${round.policies.map((policy) => policy.category).join(', ') || 'none'}; ${describeClientResult(round.exchange)})`,
  );
  evidence.note(`deployment "${deployment.name}" from ${round.origin}: AllowWUMU ${deployment.allowMicrosoftUpdateFallback}`);
  const file = await scan(intranet, evidence);
  const muJournal = lab.journal(mu.name);
  const dpJournal = lab.journal(dp.name);
  const dns = lab.dns('intranet');
  const [muMark, dpMark, dnsMark] = [muJournal.mark(), dpJournal.mark(), dns.mark()];
  const download = await downloadUpdateFile(intranet, file, { chunkSize: CHUNK, deployment });
  evidence.sent(...download.exchanges.map((entry) => entry.exchange));
  // From this client's address only: a late answer to an earlier check's held request may land in the journal now.
  const fromClient = (address: string) => address.replace(/^::ffff:/, '').replace(/:\d+$/, '') === intranet.profile.localAddress;
  const muSeen = muJournal.since(muMark).filter((entry) => fromClient(entry.remoteAddress));
  // The lab resolver does not bind to the client's address: every lookup of the name while only this client works counts.
  const muLookups = dns.since(dnsMark).filter((query) => query.name === mu.fqdn.toLowerCase());
  const dpSeen = dpJournal.since(dpMark);
  evidence.received(mu.name, muSeen);
  evidence.received(dp.name, dpSeen);
  evidence.note(
    `the intranet DNS view answered ${muLookups.length} lookup(s) of ${mu.fqdn} while the client downloaded; Microsoft Update's journal shows ${muSeen.length} request(s) from it`,
  );
  ensure(
    muSeen.length === 0 && muLookups.length === 0 && download.tried.every((tried) => tried.source !== 'microsoft-update'),
    `the intranet-only client contacted Microsoft Update: its journal shows ${muSeen.length} request(s) (${servedRanges(muSeen, file).join(', ') || 'none for the file'}), the intranet DNS view ${muLookups.length} lookup(s) of ${mu.fqdn}; ${describeDownload(download)}`,
    'microsoft-update-contacted',
  );
  assertServedBy(download, 'distribution-point', dpSeen, 'intranet client');
  const hostOf =
    dpSeen
      .find((entry) => entry.target.toLowerCase().includes(file.fileName))
      ?.headers.find(([name]) => name.toLowerCase() === 'host')?.[1] ?? '';
  ensure(
    hostOf.startsWith(dp.intranetFqdn),
    `the intranet client reached the DP as ${hostOf}, not its intranet name ${dp.intranetFqdn}`,
    'dp-not-by-intranet-name',
  );

  // Negative control: the same client made to use Microsoft Update does reach it, and its journal and the
  // DNS log show it — so an absent entry above means something.
  const [controlMark, controlDnsMark] = [muJournal.mark(), dns.mark()];
  const control = await downloadUpdateFile(intranet, file, { chunkSize: CHUNK, allowMicrosoftUpdate: true });
  const controlSeen = muJournal.since(controlMark).filter((entry) => fromClient(entry.remoteAddress));
  const controlLookups = dns.since(controlDnsMark).filter((query) => query.name === mu.fqdn.toLowerCase());
  ensure(
    controlSeen.length > 0 && control.ranges.some((range) => range.source === 'microsoft-update'),
    `negative control: a client made to use Microsoft Update left no trace in its journal (${describeDownload(control)})`,
    'control-not-told-apart',
  );
  evidence.pass(
    `the intranet-only client (deployment "${deployment.name}", AllowWUMU ${deployment.allowMicrosoftUpdateFallback}) downloaded all ${download.ranges.length} ranges from ${dp.intranetFqdn} (DP journal), SHA-1 verified; Microsoft Update's journal and the intranet DNS log show nothing from it; control: made to use Microsoft Update, its journal shows ${controlSeen.length} request(s) and DNS ${controlLookups.length} lookup(s)`,
  );
});
