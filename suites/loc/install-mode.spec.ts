// LOC-WORKGROUP and LOC-MODE-FIXED (seed 000; W:51): a workgroup computer installs only as an
// internet-only client; the mode set at install holds until a reinstall. What the installed client
// then does on the intranet — which MP name it asks, in the MP's journal — shows the mode in force.
import {
  CCM_USER_AGENT,
  ClientInstallation,
  detectNetworkLocation,
  managementPointAt,
  type ClientProfile,
  type IbcmClient,
} from '../../harness/client/index.js';
import type { Lab } from '../../harness/lab/index.js';
import { ensure } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { describeClientResult, nameReached } from '../verify.js';

const hostHeader = nameReached;

function onIntranet(lab: Lab, CCMALWAYSINF: 0 | 1, workgroup = false): ClientProfile {
  const base = lab.clientProfile(undefined, { segment: 'intranet' });
  const profile: ClientProfile = { ...base, install: { ...base.install, CCMALWAYSINF } };
  if (workgroup) delete profile.domainController;
  return profile;
}

/** Detect, ask the MP the client would use for its MP list; the MP journal's Host names the MP it used. */
async function mpNameUsed(lab: Lab, client: IbcmClient, evidence: CheckFixtures['evidence']): Promise<string> {
  const mp = lab.siteSystem('management-point');
  const journal = lab.journal(mp.name);
  const mark = journal.mark();
  const origin = managementPointAt(client, (await detectNetworkLocation(client)).location);
  const exchange = await client.send(
    { method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST1&${client.profile.install.SMSSITECODE}`, headers: [['User-Agent', CCM_USER_AGENT]] },
    origin,
  );
  evidence.sent(exchange);
  ensure(exchange.status === 200, `MP list from ${origin}: ${describeClientResult(exchange)}`, 'mp-list-unreachable');
  const received = journal.since(mark).filter((entry) => entry.target.includes('MPLIST'));
  evidence.received(mp.name, received);
  ensure(received.length === 1, `the MP journal shows ${received.length} MP-list requests, expected 1`);
  return hostHeader(received[0]!);
}

check('LOC-WORKGROUP', 'a workgroup computer can only be installed internet-only', async ({ lab, newClient, evidence }) => {
  const mp = lab.siteSystem('management-point');
  const refused = ClientInstallation.install(onIntranet(lab, 0, true), { domainJoined: false });
  ensure(!refused.installed, 'a workgroup computer was installed as an intranet-and-internet client');
  const accepted = ClientInstallation.install(onIntranet(lab, 1, true), { domainJoined: false });
  ensure(
    accepted.installed && accepted.installation.mode === 'internet-only',
    `a workgroup computer was not installed internet-only: ${accepted.installed ? accepted.installation.mode : accepted.reason}`,
  );
  const used = await mpNameUsed(lab, newClient(accepted.installation.profile()), evidence);
  ensure(used === mp.internetFqdn, `the internet-only workgroup client on the intranet asked the MP as ${used}, not ${mp.internetFqdn}`);
  // Negative control: a domain-joined computer may be installed intranet-and-internet, and uses the intranet MP there.
  const joined = ClientInstallation.install(onIntranet(lab, 0), { domainJoined: true });
  ensure(
    joined.installed && joined.installation.mode === 'intranet+internet',
    'negative control: a domain-joined intranet-and-internet install was refused',
  );
  const joinedUsed = await mpNameUsed(lab, newClient(joined.installation.profile()), evidence);
  ensure(joinedUsed === mp.intranetFqdn, `negative control: the domain-joined client used ${joinedUsed}`);
  evidence.pass(
    `intranet-and-internet install of a workgroup computer refused (${refused.reason}); installed internet-only it asks the MP as ${used} even on the intranet (MP journal); control: a domain-joined intranet-and-internet client asks ${joinedUsed}`,
  );
});

check('LOC-MODE-FIXED', 'the management mode is fixed at install; changing it needs a reinstall', async ({ lab, newClient, evidence }) => {
  const mp = lab.siteSystem('management-point');
  const first = ClientInstallation.install(onIntranet(lab, 1), { domainJoined: true });
  ensure(first.installed, 'the internet-only install failed');
  const change = first.installation.reconfigure(0);
  ensure(
    !change.changed && first.installation.mode === 'internet-only',
    `reconfiguring without a reinstall changed the mode to ${first.installation.mode}`,
  );
  const before = await mpNameUsed(lab, newClient(first.installation.profile()), evidence);
  ensure(
    before === mp.internetFqdn,
    `after the attempted change the client on the intranet asked the MP as ${before}, not ${mp.internetFqdn} (the mode changed without a reinstall)`,
  );
  // A reinstall with CCMALWAYSINF=0 does change it (and is the control: the same observation flips).
  const reinstalled = ClientInstallation.install(onIntranet(lab, 0), { domainJoined: true });
  ensure(reinstalled.installed && reinstalled.installation.mode === 'intranet+internet', 'the reinstall did not change the mode');
  const after = await mpNameUsed(lab, newClient(reinstalled.installation.profile()), evidence);
  ensure(after === mp.intranetFqdn, `after the reinstall the client on the intranet asked the MP as ${after}, not ${mp.intranetFqdn}`);
  evidence.pass(
    `the internet-only client refused a mode change without reinstall (${change.reason}) and kept asking ${before} on the intranet; after a reinstall as intranet-and-internet it asks ${after} (MP journal)`,
  );
});
