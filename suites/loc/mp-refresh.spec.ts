// LOC-MP-REFRESH (seed 000, note under "Planning for Internet-Based Clients"; W:7, W:28, W:44): "If
// you configure an Internet capable management point, clients that connect to the management point
// will become Internet-capable when they next refresh their list of available management points."
// A lab variant whose site has only an intranet MP at first; the check makes a second MP
// internet-capable while the lab runs (the site's MP lists name it, its internet name is registered
// in DNS, the proxy's publishing rule was ready), and the client — installed before, so it knows no
// internet MP — refreshes its MP list from the intranet MP and then, on the internet, uses the new
// one. Evidence: the intranet MP's journal (the refresh) and the new MP's journal (the use).
import type { JournalEntry } from '../../harness/http/index.js';
import { nameReached } from '../verify.js';
import {
  afterRefresh,
  internetCapable,
  refreshManagementPointList,
  type ClientProfile,
  type MpListRefresh,
} from '../../harness/client/index.js';
import type { Lab } from '../../harness/lab/index.js';
import type { Segment } from '../../harness/topology/index.js';
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';

const hostHeader = nameReached;
const mpListRequests = (entries: JournalEntry[]) => entries.filter((entry) => entry.target.includes('MPLIST'));

/** The client as installed before the site had an internet MP: no CCMHOSTNAME, no internet MP among what it knows. */
function installedBefore(lab: Lab, segment: Segment): ClientProfile {
  const base = lab.clientProfile(undefined, { segment });
  return {
    ...base,
    install: { ...base.install, CCMHOSTNAME: '', CCMALWAYSINF: 0 },
    siteSystems: base.siteSystems.filter((endpoint) => endpoint.role !== 'management-point'),
  };
}

const describe = (refresh: MpListRefresh) =>
  `currently ${refresh.detection.location}; ${refresh.failure ?? `MP list from ${refresh.origin} names ${refresh.internetManagementPoints.join(', ') || 'no internet MP'}`}`;

check(
  'LOC-MP-REFRESH',
  'after an internet MP is added, the client becomes internet-capable at its next MP-list refresh',
  async ({ newClient, evidence, variantLab }) => {
    const lab = await variantLab({ managementPointAddedLater: true });
    const intranetMp = lab.siteSystems.find((system) => system.kind === 'management-point' && !system.internetFqdn)!;
    const added = lab.siteSystems.find((system) => system.kind === 'management-point' && system.internetFqdn)!;
    const intranetJournal = lab.journal(intranetMp.name);
    const addedJournal = lab.journal(added.name);

    // Control, before the MP is added: the refresh on the intranet names no internet MP, and on the internet the client has no MP at all.
    const before = await refreshManagementPointList(newClient(installedBefore(lab, 'intranet')));
    if (before.exchange) evidence.sent(before.exchange);
    evidence.note(`before: ${describe(before)}`);
    ensure(
      before.detection.location === 'intranet' && !before.failure,
      `before the MP was added the client on the intranet could not refresh its MP list: ${describe(before)}`,
    );
    ensure(
      !internetCapable(before),
      `before any internet MP was added the MP list already named ${before.internetManagementPoints.join(', ')}`,
    );
    const outsideBefore = await refreshManagementPointList(newClient(installedBefore(lab, 'internet')));
    ensure(
      outsideBefore.detection.location === 'internet' && !outsideBefore.exchange,
      `before the MP was added the client on the internet found an MP: ${describe(outsideBefore)}`,
      'intranet-mp-found-on-internet',
    );

    const addition = await lab.addInternetManagementPoint(added.name);
    try {
      // The refresh, from the MP it can reach (the intranet MP).
      const onIntranet = newClient(installedBefore(lab, 'intranet'));
      const mark = intranetJournal.mark();
      const refreshed = await refreshManagementPointList(onIntranet);
      if (refreshed.exchange) evidence.sent(refreshed.exchange);
      const atIntranetMp = mpListRequests(intranetJournal.since(mark));
      evidence.received(`${intranetMp.name} (refresh)`, atIntranetMp);
      evidence.note(`after the addition: ${describe(refreshed)}`);
      ensure(
        refreshed.internetManagementPoints.includes(added.internetFqdn!),
        `after ${added.name} was made internet-capable the client's MP-list refresh still leaves it without an internet MP: ${describe(refreshed)}`,
        'mp-list-not-refreshed',
      );
      ensure(
        atIntranetMp.length === 1 &&
          hostHeader(atIntranetMp[0]!) === intranetMp.intranetFqdn &&
          atIntranetMp[0]!.remoteAddress.replace(/^::ffff:/, '') === onIntranet.profile.localAddress,
        `the intranet MP's journal does not show the client's refresh (${atIntranetMp.map(hostHeader).join(', ') || 'nothing'})`,
      );

      // Internet-capable now: on the internet it reaches the new MP by its internet name.
      const outside = newClient(afterRefresh(installedBefore(lab, 'internet'), refreshed));
      const addedMark = addedJournal.mark();
      const used = await refreshManagementPointList(outside);
      if (used.exchange) evidence.sent(used.exchange);
      const atAdded = mpListRequests(addedJournal.since(addedMark));
      evidence.received(`${added.name} (on the internet)`, atAdded);
      ensure(
        used.detection.location === 'internet' && used.exchange?.status === 200,
        `on the internet the client did not reach the MP it learned: ${describe(used)}`,
      );
      ensure(
        atAdded.length === 1 && hostHeader(atAdded[0]!) === added.internetFqdn,
        `the journal of ${added.name} shows ${atAdded.length} request(s) by ${atAdded.map(hostHeader).join(', ') || 'nothing'}, expected one by ${added.internetFqdn}`,
      );
      evidence.pass(
        `before ${added.name} was added the MP list named no internet MP and on the internet the client had none; after it was made internet-capable the client's refresh at ${intranetMp.intranetFqdn} (its journal shows it) named ${refreshed.internetManagementPoints.join(', ')}, and on the internet the client reached ${added.internetFqdn} (its journal shows it)`,
      );
    } finally {
      await addition.remove();
    }
  },
);
