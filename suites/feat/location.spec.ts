// FEAT-NO-AUTO-SITE and FEAT-NO-ROAMING (seed 000, "Features that Are Not Supported on the Internet";
// W:27, W:51): automatic site assignment and roaming to the closest DP work by boundaries, which are
// for intranet clients. An internet client installed with SMSSITECODE=AUTO is assigned no site; an
// internet client asking where content is gets the internet DPs of its assigned site, whatever its
// location. In the lab every address is loopback and the site's boundary group is an IP range over
// all of them, so the boundaries alone would match the internet client too: only the MP's internet
// rule keeps it out. The control each time is the same computer moved onto the intranet.
import { assignSite, probeContent, requestContentLocation, type ContentLocation } from '../../harness/client/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { describeClientResult, siteNote, siteReason } from '../verify.js';
import { computerOn, hostOf, watchMp } from './support.js';

check(
  'FEAT-NO-AUTO-SITE',
  'an internet client installed with SMSSITECODE=AUTO is not assigned to a site',
  async ({ lab, newClient, evidence }) => {
    const mp = lab.siteSystem('management-point');
    const outside = newClient(computerOn(lab, 'internet', undefined, { SMSSITECODE: 'AUTO' }));
    const { result: assignment, received } = await watchMp(lab, evidence, 'AUTO on the internet', () => assignSite(outside));
    evidence.sent(assignment.exchange);
    // The client is internet-only (as installed): it asks its internet MP wherever it believes it stands.
    evidence.note(`the client detected ${assignment.location} and asked ${assignment.origin}`);
    const asked = received.filter((entry) => entry.method === 'CCM_POST');
    // The request and its answer are the check's set-up: a path that loses them says nothing about assignment.
    prerequisite(
      asked.length > 0,
      `the site assignment request did not reach the MP: ${describeClientResult(assignment.exchange)}${siteReason(lab, assignment.exchange)}`,
    );
    ensure(
      asked.length === 1 && hostOf(asked[0]!) === mp.internetFqdn,
      `the MP journal does not show the site assignment request at ${mp.internetFqdn} (${asked.map(hostOf).join(', ') || 'nothing'})`,
      'asked-wrong-mp',
    );
    prerequisite(
      assignment.exchange.status === 200 && assignment.reply,
      `the internet MP did not answer the site assignment request: ${describeClientResult(assignment.exchange)}${siteReason(lab, assignment.exchange)}`,
    );
    ensure(
      !assignment.siteCode,
      `the internet client installed with SMSSITECODE=AUTO was assigned to site ${assignment.siteCode} (MP: ${siteNote(asked[0], 'site-assignment') ?? 'no note'})`,
      'auto-site-assigned',
    );

    // Control: the same computer on the intranet is assigned by its boundary.
    const inside = newClient(computerOn(lab, 'intranet', undefined, { SMSSITECODE: 'AUTO' }));
    const { result: control, received: controlSeen } = await watchMp(lab, evidence, 'AUTO on the intranet', () => assignSite(inside));
    evidence.sent(control.exchange);
    prerequisite(
      control.siteCode === lab.topology.site.code,
      `control: on the intranet (MP asked as ${controlSeen.map(hostOf).join(', ')}) the client was not assigned to ${lab.topology.site.code}: ${control.reason}${siteReason(lab, control.exchange)}`,
    );
    evidence.pass(
      `with SMSSITECODE=AUTO on the internet the client asked ${mp.internetFqdn} (MP journal) and was assigned no site (MP: ${siteNote(asked[0], 'site-assignment') ?? 'no note'}); ` +
        `control: on the intranet it asked ${hostOf(controlSeen.find((entry) => entry.method === 'CCM_POST')!)} and was assigned ${control.siteCode} by its boundary`,
    );
  },
);

check(
  'FEAT-NO-ROAMING',
  'internet clients get the internet DPs of their assigned site, not the closest DP',
  async ({ lab, newClient, evidence }) => {
    const dpRole = lab.topology.roles.find((role) => role.kind === 'distribution-point');
    ensure(dpRole?.kind === 'distribution-point', 'the topology has no distribution point');
    const pkg = { contentId: dpRole.packages[0]!.contentId, version: dpRole.packages[0]!.version };
    const internetDps = new Set(
      lab.siteSystems.filter((system) => system.kind === 'distribution-point' && system.internetFqdn).map((system) => system.internetFqdn!),
    );
    const dp = lab.siteSystem('distribution-point');
    const dpJournal = lab.journal(dp.name);
    const describeRecords = (location: ContentLocation) =>
      location.records.map((record) => `${new URL(record.url).hostname} (${record.locality})`).join(', ') || 'none';

    const outside = newClient(computerOn(lab, 'internet'));
    const { result: location, received } = await watchMp(lab, evidence, 'content location on the internet', () =>
      requestContentLocation(outside, pkg),
    );
    evidence.sent(location.exchange);
    prerequisite(
      location.exchange.status === 200 && location.reply,
      `the internet MP did not answer the content location request: ${describeClientResult(location.exchange)}${siteReason(lab, location.exchange)}`,
    );
    const asked = received.find((entry) => entry.method === 'CCM_POST');
    ensure(
      asked && hostOf(asked) === lab.siteSystem('management-point').internetFqdn,
      `the MP journal does not show the content location request at the internet MP (${asked ? hostOf(asked) : 'nothing'})`,
    );
    ensure(
      location.records.length > 0,
      `the internet client was given no content location for ${pkg.contentId}.${pkg.version} (MP: ${siteNote(asked, 'content-location') ?? 'no note'})`,
    );
    const steered = location.records.filter(
      (record) => !internetDps.has(new URL(record.url).hostname) || ['LOCAL', 'SUBNET', 'ADSITE'].includes(record.locality),
    );
    ensure(
      steered.length === 0,
      `the internet client was steered by boundaries instead of to its site's internet DPs (${[...internetDps].join(', ')}): ${steered.map((record) => `${record.url} (${record.locality})`).join(', ')} (MP: ${siteNote(asked, 'content-location') ?? 'no note'})`,
      'steered-by-boundaries',
    );
    const mark = dpJournal.mark();
    const probe = await probeContent(outside, location.records[0]!.url);
    evidence.sent(probe);
    const dpSeen = dpJournal.since(mark);
    evidence.received(dp.name, dpSeen);
    ensure(
      probe.status === 207 && dpSeen.some((entry) => internetDps.has(hostOf(entry))),
      `the internet client could not open the content at the location it was given: ${describeClientResult(probe)}; DP journal ${dpSeen.map((entry) => `${hostOf(entry)} ${entry.response.status}`).join(', ') || 'empty'}`,
    );

    // Control: on the intranet the same computer is sent to the DP its boundary makes closest.
    const inside = newClient(computerOn(lab, 'intranet'));
    const { result: control } = await watchMp(lab, evidence, 'content location on the intranet', () => requestContentLocation(inside, pkg));
    evidence.sent(control.exchange);
    prerequisite(
      control.records.some((record) => record.locality === 'LOCAL' && !internetDps.has(new URL(record.url).hostname)),
      `control: on the intranet the client was not sent to the closest DP by its boundary: ${describeRecords(control)}`,
    );
    evidence.pass(
      `on the internet the MP (asked as ${hostOf(asked)}) named ${describeRecords(location)} — the internet DPs of the assigned site, boundaries not used — and the DP journal shows the client opening the content there (207); ` +
        `control: on the intranet the same computer was sent by its boundary to ${describeRecords(control)}`,
    );
  },
);
