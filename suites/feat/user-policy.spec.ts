// FEAT-USER-POLICY (seed 000, prerequisites and "untrusted forest"): on the internet, user policy only
// when the internet MP authenticates the user with Windows authentication (Kerberos, then NTLM — the
// lab has NTLM, on /ccm_system_windowsauth, W:10, W:60) and both Client Policy client settings are
// true ("Enable user policy polling on clients", "Enable user policy requests from Internet
// clients"); otherwise computer policy only. Each case is read at the client (the settings it got,
// the assignments it got) and in the MP journal (the legs, the 401 challenge, what the MP answered).
import {
  machinePolicyRound,
  requestUserPolicy,
  userPolicyCycle,
  type IbcmClient,
  type UserAccount,
  type UserPolicyRequest,
} from '../../harness/client/index.js';
import { ensure, prerequisite } from '../evidence.js';
import { check } from '../fixtures.js';
import { authenticatedAs, describeClientResult, siteReason } from '../verify.js';
import { computerOn, ensureRound, hostOf, watchMp } from './support.js';

// What the MP answered, from the client's own exchange (status and how many user policies it was handed).
const userPolicyHeader = (request: UserPolicyRequest) =>
  `HTTP ${request.exchange.status ?? request.exchange.error?.code}, ${request.policies.length} user polic${request.policies.length === 1 ? 'y' : 'ies'}`;

check(
  'FEAT-USER-POLICY',
  'user policy only with Windows authentication of the user and both client settings on; otherwise computer policy only',
  async ({ lab, newClient, evidence }) => {
    const mp = lab.siteSystem('management-point');
    const domain = lab.topology.domain;
    const account = domain.accounts.find((candidate) => !candidate.user.endsWith('$'));
    ensure(
      account,
      `the topology's domain has no user account (only computer accounts: ${domain.accounts.map((candidate) => candidate.user).join(', ')}); add one under domain.accounts`,
    );
    const user: UserAccount = { domain: domain.netbiosName, user: account.user, password: account.password };
    const outcomes: string[] = [];

    // Each computer of the topology on the internet: its machine policy carries its client settings.
    const computers: { client: IbcmClient; round: Awaited<ReturnType<typeof machinePolicyRound>> }[] = [];
    for (const computer of lab.topology.clients) {
      const client = newClient(computerOn(lab, 'internet', computer.name));
      const { result: round } = await watchMp(lab, evidence, `${computer.computerName} machine policy`, () =>
        machinePolicyRound(client, { fetch: (policy) => policy.category === 'ClientSettings' }),
      );
      evidence.sent(round.exchange, ...round.fetched.map((fetched) => fetched.exchange));
      ensureRound(lab, round, computer.computerName);
      computers.push({ client, round });
    }

    // 1. Both settings on, the user authenticated by the internet MP: user policy is delivered.
    const allowed = [];
    for (const computer of computers) {
      const { result: cycle, received } = await watchMp(lab, evidence, `${computer.client.profile.computerName} user policy cycle`, () =>
        userPolicyCycle(computer.client, user, computer.round),
      );
      if (cycle.request) evidence.sent(...cycle.request.legs);
      allowed.push({ ...computer, cycle, received });
    }
    const positive = allowed.find(
      (candidate) => candidate.cycle.settings?.userPolicyPolling && candidate.cycle.settings.userPolicyOnInternet,
    );
    // The client settings come with machine policy: a path that loses them blocks the check.
    prerequisite(
      positive,
      `no computer of the topology got client settings with both user policy settings on (${allowed.map((candidate) => `${candidate.client.profile.computerName}: ${candidate.cycle.reason}`).join('; ')})`,
    );
    const delivered = positive.cycle.request;
    ensure(
      delivered && delivered.policies.length > 0,
      `${positive.client.profile.computerName} with both settings on and ${user.domain}\\${user.user} authenticated got no user policy: ${positive.cycle.reason}${delivered ? siteReason(lab, delivered.exchange) : ''}`,
      'user-policy-not-delivered',
    );
    const legs = positive.received.filter((entry) => entry.target.toLowerCase().startsWith('/ccm_system_windowsauth/'));
    ensure(
      legs.length === 2 &&
        legs[0]!.response.status === 401 &&
        legs[1]!.response.status === 200 &&
        legs.every((entry) => hostOf(entry) === mp.internetFqdn),
      `the MP journal does not show the NTLM handshake at ${mp.internetFqdn} (401 then 200): ${legs.map((entry) => `${hostOf(entry)} ${entry.response.status}`).join(', ') || 'no request'}`,
    );
    // Whom the MP authenticated is what it journaled for the Authenticate leg (the reply's lab header crossed the proxy).
    const mpAuthenticated = authenticatedAs(legs[1]);
    ensure(
      mpAuthenticated?.toLowerCase() === `${user.domain}\\${user.user}`.toLowerCase(),
      `the MP authenticated ${mpAuthenticated ?? 'nobody'} (MP journal #${legs[1]!.seq}), not the user ${user.domain}\\${user.user}`,
    );
    outcomes.push(
      `${positive.client.profile.computerName} (client settings "${positive.cycle.settings!.name}": both on), ${mpAuthenticated} authenticated by NTLM at ${mp.internetFqdn} (MP journal: 401, 200): ${delivered.policies.length} user policy assignment(s)`,
    );

    // 2. No Windows authentication of the user (a request without it): computer policy only.
    const client = positive.client;
    const { result: anonymous } = await watchMp(lab, evidence, 'user policy without Windows authentication', () =>
      requestUserPolicy(client, user, { auth: 'none' }),
    );
    evidence.sent(...anonymous.legs);
    ensure(
      anonymous.policies.length === 0,
      `user policy was handed to ${client.profile.computerName} without Windows authentication of the user: ${anonymous.policies.map((policy) => policy.policyId).join(', ')} (MP: ${userPolicyHeader(anonymous)})`,
      'user-policy-without-windows-auth',
    );
    outcomes.push(`without Windows authentication the MP answered with no user policy (${userPolicyHeader(anonymous)})`);

    // 3. Windows authentication fails (the MP cannot authenticate the user): computer policy only.
    const { result: failed } = await watchMp(lab, evidence, 'user policy with a failed Windows authentication', () =>
      requestUserPolicy(client, { ...user, password: `${user.password}-wrong` }, { auth: 'windows' }),
    );
    evidence.sent(...failed.legs);
    ensure(
      failed.policies.length === 0,
      `user policy was handed over although Windows authentication of the user failed: ${describeClientResult(failed.exchange)}`,
    );
    const machineStill = await client.requestAssignments();
    evidence.sent(machineStill.exchange);
    ensure(
      machineStill.assignments.length > 0,
      `after the failed user authentication the computer lost its computer policy: ${describeClientResult(machineStill.exchange)}${siteReason(lab, machineStill.exchange)}`,
    );
    outcomes.push(
      `with a failed NTLM logon (${failed.failure}) no user policy, computer policy still ${machineStill.assignments.length} assignment(s)`,
    );

    // 4. "Enable user policy requests from Internet clients" off: the client does not ask, and the MP withholds it anyway.
    const settingOff = allowed.find((candidate) => candidate.cycle.settings && !candidate.cycle.settings.userPolicyOnInternet);
    if (settingOff) {
      ensure(
        !settingOff.cycle.asked,
        `${settingOff.client.profile.computerName} asked for user policy on the internet although its client settings turn that off`,
      );
      const { result: forced } = await watchMp(lab, evidence, 'user policy with the internet setting off', () =>
        requestUserPolicy(settingOff.client, user, { auth: 'windows' }),
      );
      evidence.sent(...forced.legs);
      ensure(
        forced.policies.length === 0,
        `${settingOff.client.profile.computerName}'s client settings turn internet user policy off, but the MP handed it user policy (${userPolicyHeader(forced)})`,
      );
      outcomes.push(
        `${settingOff.client.profile.computerName} (client settings "${settingOff.cycle.settings!.name}": internet user policy off) did not ask (${settingOff.cycle.reason}); asked anyway with NTLM, the MP withheld it (${userPolicyHeader(forced)})`,
      );
    } else {
      evidence.note('no computer of this topology has "Enable user policy requests from Internet clients" off: that case was not run');
    }
    evidence.pass(outcomes.join('; '));
  },
);
