// LOC-WORKGROUP and LOC-MODE-FIXED (seed 000; W:51): a workgroup computer installs only as an
// internet-only client; the mode set at install holds until a reinstall.
//
// Both are `model` requirements (harness/catalog/requirements.ts says why per ID): only the client's
// own logic decides them, no proxy, DNS record, CRL, route or site setting can change the outcome.
// These checks therefore exercise the lab's client simulator and nothing else — they send nothing —
// and their verdicts are reported apart from the world's, never counted as a pass for the proxy.
// What the installed mode needs from the world (an internet-only client on the intranet reaching its
// internet MP by the internet name) is LOC-INTERNET-ONLY (suites/loc/location.spec.ts), judged on the wire.
import { ClientInstallation, managementPointAt, type ClientProfile, type IbcmClient } from '../../harness/client/index.js';
import type { Lab } from '../../harness/lab/index.js';
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';

function onIntranet(lab: Lab, CCMALWAYSINF: 0 | 1, workgroup = false): ClientProfile {
  const base = lab.clientProfile(undefined, { segment: 'intranet' });
  const profile: ClientProfile = { ...base, install: { ...base.install, CCMALWAYSINF } };
  if (workgroup) delete profile.domainController;
  return profile;
}

/** The MP host the installed client would ask on the intranet: its own choice, made without the network. */
const mpHostOnIntranet = (client: IbcmClient) => new URL(managementPointAt(client, 'intranet')).hostname;

check('LOC-WORKGROUP', 'a workgroup computer can only be installed internet-only (client model)', async ({ lab, newClient, evidence }) => {
  const mp = lab.siteSystem('management-point');
  const refused = ClientInstallation.install(onIntranet(lab, 0, true), { domainJoined: false });
  ensure(!refused.installed, 'a workgroup computer was installed as an intranet-and-internet client');
  const accepted = ClientInstallation.install(onIntranet(lab, 1, true), { domainJoined: false });
  ensure(
    accepted.installed && accepted.installation.mode === 'internet-only',
    `a workgroup computer was not installed internet-only: ${accepted.installed ? accepted.installation.mode : accepted.reason}`,
  );
  const used = mpHostOnIntranet(newClient(accepted.installation.profile()));
  ensure(
    used === mp.internetFqdn,
    `the internet-only workgroup client would ask the MP on the intranet as ${used}, not ${mp.internetFqdn}`,
  );
  // Control: a domain-joined computer may be installed intranet-and-internet, and chooses the intranet MP there.
  const joined = ClientInstallation.install(onIntranet(lab, 0), { domainJoined: true });
  ensure(
    joined.installed && joined.installation.mode === 'intranet+internet',
    'control: a domain-joined intranet-and-internet install was refused',
  );
  const joinedUsed = mpHostOnIntranet(newClient(joined.installation.profile()));
  ensure(joinedUsed === mp.intranetFqdn, `control: the domain-joined client would use ${joinedUsed}`);
  evidence.pass(
    `client model: intranet-and-internet install of a workgroup computer refused (${refused.reason}); installed internet-only it chooses the MP ${used} even on the intranet; control: a domain-joined intranet-and-internet client chooses ${joinedUsed}`,
  );
});

check(
  'LOC-MODE-FIXED',
  'the management mode is fixed at install; changing it needs a reinstall (client model)',
  async ({ lab, newClient, evidence }) => {
    const mp = lab.siteSystem('management-point');
    const first = ClientInstallation.install(onIntranet(lab, 1), { domainJoined: true });
    ensure(first.installed, 'the internet-only install failed');
    const change = first.installation.reconfigure(0);
    ensure(
      !change.changed && first.installation.mode === 'internet-only',
      `reconfiguring without a reinstall changed the mode to ${first.installation.mode}`,
    );
    const before = mpHostOnIntranet(newClient(first.installation.profile()));
    ensure(
      before === mp.internetFqdn,
      `after the attempted change the client would ask the MP on the intranet as ${before}, not ${mp.internetFqdn} (the mode changed without a reinstall)`,
    );
    // A reinstall with CCMALWAYSINF=0 does change it (and is the control: the same observation flips).
    const reinstalled = ClientInstallation.install(onIntranet(lab, 0), { domainJoined: true });
    ensure(reinstalled.installed && reinstalled.installation.mode === 'intranet+internet', 'the reinstall did not change the mode');
    const after = mpHostOnIntranet(newClient(reinstalled.installation.profile()));
    ensure(
      after === mp.intranetFqdn,
      `after the reinstall the client would ask the MP on the intranet as ${after}, not ${mp.intranetFqdn}`,
    );
    evidence.pass(
      `client model: the internet-only client refused a mode change without reinstall (${change.reason}) and still chooses ${before} on the intranet; after a reinstall as intranet-and-internet it chooses ${after}`,
    );
  },
);
