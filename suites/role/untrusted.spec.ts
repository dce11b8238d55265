// ROLE-UNTRUSTED (seed 000, "Considerations for client communications from the Internet or untrusted
// forest"): at a primary site the Application Catalog website point, Policy Module, DP, enrollment
// proxy point, FSP, MP and SUP accept clients from the internet; site systems of a secondary site
// do not. The internet client talks to every primary-site role of the lab in its own protocol (the
// role's journal shows the request by the role's internet FQDN and what it answered); then, in a lab
// variant with an MP of a secondary site published on the internet (as a customer might do), the
// same client is refused there — while an intranet client is served by that same MP (the control:
// the secondary MP works, it only refuses the internet). The enrollment proxy point and the
// Configuration Manager Policy Module (on NDES) stand in that same variant (`enrollmentRoles`), as far as
// their internet-facing behaviour is public (harness/roles/enrollment-proxy-point, harness/roles/
// policy-module cite the sources): the internet client's MDE2 discovery request reaches the enrollment
// proxy point, and its SCEP GetCACaps the Policy Module, each by the role's internet FQDN in its journal.
import { CCM_USER_AGENT, scanForUpdates, type Exchange, type IbcmClient } from '../../harness/client/index.js';
import { ENROLLMENT_DISCOVERY_PATH, SCEP_PATH } from '../../harness/http/enrollment.js';
import type { JournalEntry } from '../../harness/http/index.js';
import type { Lab } from '../../harness/lab/index.js';
import { createAuthenticate, createNegotiate } from '../../harness/ntlm/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { describeClientResult, nameReached, siteReason, siteNote } from '../verify.js';

const hostOf = nameReached;

/** Runs one exchange (or several) against a role and returns them with what the role's journal saw. */
async function atRole(
  lab: Pick<Lab, 'siteSystem' | 'journal'>,
  evidence: CheckFixtures['evidence'],
  kind: string,
  talk: () => Promise<Exchange[]>,
): Promise<{ exchanges: Exchange[]; seen: JournalEntry[]; name: string; internetFqdn?: string }> {
  const role = lab.siteSystem(kind);
  const journal = lab.journal(role.name);
  const mark = journal.mark();
  const exchanges = await talk();
  const seen = journal.since(mark);
  evidence.sent(...exchanges);
  evidence.received(role.name, seen);
  return { exchanges, seen, name: role.name, internetFqdn: role.internetFqdn };
}

/** GET the Application Catalog with NTLM (the internet catalog needs Windows authentication, seed 000). */
async function openCatalog(client: IbcmClient): Promise<Exchange[]> {
  const origin = client.originOf('application-catalog');
  const first = await client.send(
    {
      method: 'GET',
      target: '/CMApplicationCatalog',
      headers: [
        ['User-Agent', CCM_USER_AGENT],
        ['Authorization', createNegotiate()],
      ],
    },
    origin,
  );
  const challenge = first.responseHeaders?.filter(([name]) => name === 'www-authenticate').map(([, value]) => value) ?? [];
  if (first.status !== 401 || !client.profile.account || challenge.length === 0) return [first];
  const second = await client.send(
    {
      method: 'GET',
      target: '/CMApplicationCatalog',
      headers: [
        ['User-Agent', CCM_USER_AGENT],
        ['Authorization', createAuthenticate(challenge, client.profile.account, { workstation: client.profile.computerName })],
      ],
    },
    origin,
  );
  return [first, second];
}

check(
  'ROLE-UNTRUSTED',
  'primary-site roles accept internet clients; a secondary-site system refuses them',
  async ({ lab, client, newClient, variantLab, evidence }) => {
    const accepted: string[] = [];
    // The journal must show the role's internet FQDN (TLS server name, or Host for plain HTTP — RFC 9112 §3.2.2: also
    // after a web proxy forwarded the FSP's plain HTTP in absolute form). A bridge may rewrite a plain-HTTP Host (W:67):
    // then the request arriving from the proxy is what shows it came from the internet.
    const fromProxy = (entry: JournalEntry) => !entry.tls && entry.remoteAddress.replace(/^::ffff:/, '') === lab.proxyContract?.egress.host;
    const accept = (result: Awaited<ReturnType<typeof atRole>>, ok: (exchange: Exchange) => boolean, what: string) => {
      const last = result.exchanges.at(-1)!;
      ensure(
        ok(last),
        `the primary-site ${result.name} refused the internet client's ${what}: ${describeClientResult(last)}${siteReason(lab, last)}`,
        'primary-role-refused',
      );
      ensure(
        result.seen.length > 0 &&
          result.seen.every((entry) => !result.internetFqdn || hostOf(entry) === result.internetFqdn || fromProxy(entry)),
        `the ${result.name} journal does not show the ${what} by its internet FQDN ${result.internetFqdn} (${result.seen.map(hostOf).join(', ') || 'nothing'})`,
      );
      accepted.push(`${result.name} (${what}: ${last.status}, Host ${result.seen.map(hostOf).at(-1)})`);
    };

    // Primary site: MP, DP, FSP, Application Catalog, SUP — each in its own protocol.
    const mp = await atRole(lab, evidence, 'management-point', async () => [(await client.register()).exchange]);
    accept(mp, () => Boolean(client.smsId), 'registration');
    const dpRole = lab.topology.roles.find((role) => role.kind === 'distribution-point');
    if (dpRole?.kind === 'distribution-point') {
      const pkg = dpRole.packages[0]!;
      const dp = await atRole(lab, evidence, 'distribution-point', async () => [
        await client.send(
          {
            method: 'PROPFIND',
            target: `/SMS_DP_SMSPKG$/${pkg.contentId}.${pkg.version}`,
            headers: [
              ['User-Agent', CCM_USER_AGENT],
              ['Depth', '1'],
            ],
          },
          client.originOf('distribution-point'),
        ),
      ]);
      accept(dp, (exchange) => exchange.status === 207, 'PROPFIND of a package');
    }
    if (lab.siteSystems.some((system) => system.kind === 'fallback-status-point') && client.profile.install.FSP) {
      const fsp = await atRole(lab, evidence, 'fallback-status-point', async () => {
        const report = await client.reportToFallbackStatusPoint(
          9999,
          'ROLE-UNTRUSTED: an internet client reports to the FSP',
          `role-untrusted ${Date.now()}`,
        );
        return report ? [report.exchange] : [];
      });
      accept(fsp, (exchange) => exchange.status === 200, 'state message');
    }
    if (lab.siteSystems.some((system) => system.kind === 'application-catalog')) {
      const catalog = await atRole(lab, evidence, 'application-catalog', () => openCatalog(client));
      accept(catalog, (exchange) => exchange.status === 200, 'catalog page with Windows authentication');
    }
    if (lab.siteSystems.some((system) => system.kind === 'software-update-point')) {
      const sup = await atRole(lab, evidence, 'software-update-point', async () => [(await scanForUpdates(client)).exchange]);
      accept(sup, (exchange) => exchange.status === 200, 'SyncUpdates scan');
    }

    // The enrollment proxy point and the Policy Module, in a variant that also holds a secondary-site MP.
    const variant = await variantLab({ secondarySiteManagementPoint: true, enrollmentRoles: true });
    const enrolling = newClient(variant.clientProfile());
    const variantProxy = (entry: JournalEntry) =>
      !entry.tls && entry.remoteAddress.replace(/^::ffff:/, '') === variant.proxyContract?.egress.host;
    const acceptIn = (result: Awaited<ReturnType<typeof atRole>>, ok: (exchange: Exchange) => boolean, what: string) => {
      const last = result.exchanges.at(-1)!;
      ensure(
        result.exchanges.length > 0 && ok(last),
        `the primary-site ${result.name} refused the internet client's ${what}: ${last ? describeClientResult(last) : 'nothing was sent'}${last ? siteReason(variant, last) : ''}`,
        'primary-role-refused',
      );
      ensure(
        result.seen.length > 0 &&
          result.seen.every((entry) => !result.internetFqdn || hostOf(entry) === result.internetFqdn || variantProxy(entry)),
        `the ${result.name} journal does not show the ${what} by its internet FQDN ${result.internetFqdn} (${result.seen.map(hostOf).join(', ') || 'nothing'})`,
      );
      accepted.push(`${result.name} (${what}: ${last.status}, Host ${result.seen.map(hostOf).at(-1)})`);
    };
    const epp = await atRole(variant, evidence, 'enrollment-proxy-point', async () => [
      await enrolling.send(
        { method: 'GET', target: ENROLLMENT_DISCOVERY_PATH, headers: [['User-Agent', 'Windows Enrollment Client']] },
        enrolling.originOf('enrollment-proxy-point'),
      ),
    ]);
    acceptIn(epp, (exchange) => exchange.status === 200, 'enrollment discovery (MDE2)');
    const ndes = await atRole(variant, evidence, 'policy-module', async () => [
      await enrolling.send(
        {
          method: 'GET',
          target: `${SCEP_PATH}?operation=GetCACaps&message=ibcm-lab`,
          headers: [['User-Agent', 'Mozilla/4.0 (compatible; SCEP client)']],
        },
        enrolling.originOf('policy-module'),
      ),
    ]);
    acceptIn(ndes, (exchange) => exchange.status === 200, 'SCEP GetCACaps');

    // Secondary site: an MP of a secondary site, published on the internet by mistake.
    const secondary = variant.siteSystems.find((system) => system.kind === 'management-point' && system.name.startsWith('smp'));
    prerequisite(secondary?.internetFqdn, 'the lab variant has no secondary-site MP');
    const port = secondary.services.find((service) => service.service === 'https')!.port;
    const journal = variant.journal(secondary.name);
    const outside = newClient(variant.clientProfile());
    const mark = journal.mark();
    const list = await outside.send(
      {
        method: 'GET',
        target: `/SMS_MP/.sms_aut?MPLIST1&${outside.profile.install.SMSSITECODE}`,
        headers: [['User-Agent', CCM_USER_AGENT]],
      },
      `https://${secondary.internetFqdn}:${port}`,
    );
    const registration = await outside.register(`https://${secondary.internetFqdn}:${port}`);
    evidence.sent(list, registration.exchange);
    const seen = journal.since(mark);
    evidence.received(`${secondary.name} (secondary site, internet client)`, seen);
    evidence.proxyLines('secondary-site variant', variant.proxyLog());
    prerequisite(
      seen.length >= 2 && seen.every((entry) => hostOf(entry) === secondary.internetFqdn),
      `the secondary-site MP's journal does not show the internet client's requests by ${secondary.internetFqdn} (${seen.map(hostOf).join(', ') || 'nothing'}; client: ${describeClientResult(list)})`,
    );
    const served = seen.filter((entry) => entry.response.status < 400);
    ensure(
      served.length === 0 && !outside.smsId,
      `the secondary-site MP ${secondary.name} accepted the internet client: ${served.map((entry) => `${entry.method} ${entry.target} → ${entry.response.status}`).join(', ')}${outside.smsId ? ` (registered as ${outside.smsId})` : ''}`,
      'secondary-site-accepted',
    );
    const refusal = siteNote(seen[0], 'reason') ?? `HTTP ${seen[0]!.response.status}`;

    // Control: the same secondary-site MP serves an intranet client.
    const insideProfile = variant.clientProfile(undefined, { segment: 'intranet' });
    const inside = newClient({ ...insideProfile, install: { ...insideProfile.install, CCMALWAYSINF: 0 } });
    const controlMark = journal.mark();
    const controlList = await inside.send(
      {
        method: 'GET',
        target: `/SMS_MP/.sms_aut?MPLIST1&${inside.profile.install.SMSSITECODE}`,
        headers: [['User-Agent', CCM_USER_AGENT]],
      },
      `https://${secondary.intranetFqdn}:${port}`,
    );
    evidence.sent(controlList);
    const controlSeen = journal.since(controlMark);
    evidence.received(`${secondary.name} (secondary site, intranet client)`, controlSeen);
    prerequisite(
      controlList.status === 200 && controlSeen.some((entry) => hostOf(entry) === secondary.intranetFqdn && entry.response.status === 200),
      `control: the secondary-site MP did not serve an intranet client either: ${describeClientResult(controlList)}${siteReason(lab, controlList)}`,
    );
    evidence.pass(
      `primary-site roles accepted the internet client: ${accepted.join('; ')}; the secondary-site MP ${secondary.name} refused it by ${secondary.internetFqdn} (journal: ${seen.map((entry) => `${entry.method} → ${entry.response.status}`).join(', ')}; ${refusal}); ` +
        `control: it served an intranet client by ${secondary.intranetFqdn} (200).`,
    );
  },
);
