// FEAT-NO-CLIENT-PUSH, FEAT-NO-WOL, FEAT-NO-REMOTE-CONTROL (seed 000, "Features that Are Not Supported
// on the Internet"): client push, Wake-on-LAN and remote control are started by the site towards a
// client, never by the client. Why the model is faithful: a real site decides from what it knows of
// the client — whether the client is managed on the internet, which it learns from the MP the client
// talks to — and then acts on the network (an SMB connection to ADMIN$, a magic packet, a TCP 2701
// session) that the lab cannot point at a simulated client. So the check drives what decides: the
// computer talks to its MP (on the internet by the internet FQDN; moved onto the intranet by the
// intranet name — the MP journal shows which), then an administrator asks the site to start the
// action for it, and the site's answer (Initiated, naming what it would send where, or Refused) is
// read both at the administrator's end and in the MP journal. The same computer is the control: once
// managed on the intranet, the same request is initiated.
import { machinePolicyRound } from '../../harness/client/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check, type CheckFixtures } from '../fixtures.js';
import { siteNote } from '../verify.js';
import { adminWorkstation, askSite, computerOn, ensureRound, hostOf, watchMp } from './support.js';

type Action = 'ClientPush' | 'WakeOnLan' | 'RemoteControl';

async function siteActionCheck(action: Action, what: string, { lab, newClient, evidence }: CheckFixtures): Promise<void> {
  const mp = lab.siteSystem('management-point');
  const admin = adminWorkstation(lab, newClient);

  // The computer managed on the internet: it reaches the MP by its internet FQDN.
  const outside = newClient(computerOn(lab, 'internet'));
  const { result: round, received } = await watchMp(lab, evidence, 'the computer on the internet', () =>
    machinePolicyRound(outside, { fetch: () => false }),
  );
  evidence.sent(round.exchange);
  ensureRound(lab, round, 'on the internet');
  const contact = received.filter((entry) => entry.method === 'CCM_POST');
  ensure(
    contact.length > 0 && contact.every((entry) => hostOf(entry) === mp.internetFqdn),
    `the MP journal does not show the computer reaching it by the internet FQDN ${mp.internetFqdn} (Host ${contact.map(hostOf).join(', ') || 'nothing'})`,
  );
  const refused = await askSite(lab, admin, action, outside.smsId!, evidence);
  ensure(
    refused.result === 'Refused',
    `the site ${refused.result === 'Initiated' ? `started ${what} to ${outside.profile.computerName}, a client managed on the ${refused.managedFrom}: ${refused.target}` : `answered ${refused.result}`} (MP journal: ${siteNote(refused.entry, 'site-action')})`,
    'site-action-started',
  );

  // Control: the same computer moved onto the intranet is managed there, and the site does start it.
  const inside = newClient(computerOn(lab, 'intranet'));
  const { result: insideRound, received: insideReceived } = await watchMp(lab, evidence, 'the computer on the intranet', () =>
    machinePolicyRound(inside, { fetch: () => false }),
  );
  evidence.sent(insideRound.exchange);
  ensureRound(lab, insideRound, 'control on the intranet');
  prerequisite(
    insideReceived.some((entry) => entry.method === 'CCM_POST' && hostOf(entry) === mp.intranetFqdn),
    `control: the MP journal does not show the computer reaching it by the intranet name ${mp.intranetFqdn}`,
  );
  prerequisite(
    inside.smsId === outside.smsId,
    `control: the computer registered as ${inside.smsId} on the intranet but ${outside.smsId} on the internet`,
  );
  const initiated = await askSite(lab, admin, action, inside.smsId!, evidence);
  prerequisite(
    initiated.result === 'Initiated',
    `control: the site did not start ${what} to ${inside.profile.computerName} managed on the intranet: ${initiated.result} (${initiated.reason})`,
  );
  evidence.pass(
    `${outside.profile.computerName} managed on the internet (MP journal: Host ${mp.internetFqdn}): the site refused ${what} — "${refused.reason}" (MP journal: ${siteNote(refused.entry, 'site-action')}); ` +
      `control: the same computer managed on the intranet (Host ${mp.intranetFqdn}): ${what} initiated — ${initiated.target}`,
  );
}

check('FEAT-NO-CLIENT-PUSH', 'the site does not push a client installation to a computer managed on the internet', (fixtures) =>
  siteActionCheck('ClientPush', 'a client push installation', fixtures),
);

check('FEAT-NO-WOL', 'the site does not wake a computer managed on the internet (Wake-on-LAN)', (fixtures) =>
  siteActionCheck('WakeOnLan', 'Wake-on-LAN', fixtures),
);

check('FEAT-NO-REMOTE-CONTROL', 'the site does not start remote control of a computer managed on the internet', (fixtures) =>
  siteActionCheck('RemoteControl', 'remote control', fixtures),
);
