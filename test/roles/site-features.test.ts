// The site's feature rules as the MP applies them (harness/roles/management-point/site-features.ts),
// driven in-process by the simulated client's own FEAT behaviour (harness/client/features.ts): the
// client reaches the MP by its internet or its intranet name (Host), and the answer differs — and
// each fault (a topology quirk) turns exactly one rule off.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  IbcmClient,
  isIntranetOnly,
  machinePolicyRound,
  requestContentLocation,
  requestUserPolicy,
  userPolicyCycle,
  type ClientProfile,
  type Exchange,
  type RequestSpec,
} from '../../harness/client/index.js';
import { createSigningIdentity, type SigningIdentity } from '../../harness/client/signing-identity.js';
import type { SiteHandler } from '../../harness/http/index.js';
import { managementPoint } from '../../harness/roles/management-point/index.js';
import { connectedVia, inRange, type SiteFeatureFaults } from '../../harness/roles/management-point/site-features.js';
import { inProcessExchange, replyOf, siteRequest } from './request.js';

const INTERNET = 'mp.ibcm-lab.example';
const INTRANET = 'mp1.corp.ibcm-lab.test';
const PACKAGE = { contentId: 'Content_5b8f2c1e-7a4d-4e0b-9c3a-2f6d8e1b4a70', version: 1 };

/** The client with its transport replaced by a call into the MP handler; Host is the origin's name. */
class InProcessClient extends IbcmClient {
  private readonly connection = {
    id: Math.floor(Math.random() * 1e6),
    remoteAddress: '127.0.0.1',
    remotePort: 49152,
    tls: null,
    state: new Map<string, unknown>(),
  };

  constructor(
    profile: ClientProfile,
    private readonly handler: SiteHandler,
    identity: Promise<SigningIdentity>,
  ) {
    super(profile, { identity });
  }

  override async send(spec: RequestSpec, origin = this.managementPointOrigin): Promise<Exchange> {
    const body = spec.body === undefined ? Buffer.alloc(0) : Buffer.from(spec.body);
    const request = siteRequest(spec.method, spec.target, [['Host', new URL(origin).host], ...(spec.headers ?? [])], body);
    // One keep-alive connection per client: NTLM's handshake is bound to it (W:60).
    request.connection = this.connection;
    return inProcessExchange(spec, origin, body, replyOf(await this.handler(request)));
  }
}

function profile(computerName: string, where: 'internet' | 'intranet'): ClientProfile {
  return {
    name: computerName.toLowerCase(),
    computerName,
    fqdn: `${computerName.toLowerCase()}.corp.ibcm-lab.test`,
    segment: where,
    install: {
      CCMHOSTNAME: INTERNET,
      SMSSITECODE: 'LAB',
      CCMALWAYSINF: where === 'internet' ? 1 : 0,
      CCMHTTPSPORT: 443,
      CCMHTTPPORT: 80,
      UsePKICert: true,
      NoCRLCheck: false,
    },
    siteSystems: [],
    intranetSiteSystems: [{ role: 'management-point', name: 'mp1', fqdn: INTRANET, scheme: 'https', port: 443 }],
    certificate: null,
    trustedRootsPem: '',
    dns: { host: '127.0.0.1', port: 53 },
    localAddress: where === 'internet' ? '127.16.1.20' : '127.16.3.20',
  };
}

let certificatePem: string;
const identities = new Map<string, Promise<SigningIdentity>>();
const identity = (name: string) => identities.get(name) ?? identities.set(name, createSigningIdentity(name)).get(name)!;

function mp(faults: SiteFeatureFaults = {}, secondarySite?: string): SiteHandler {
  return managementPoint({
    siteCode: 'LAB',
    hostName: 'MP1',
    internetManagementPoints: [{ name: 'MP1', fqdn: INTERNET }],
    certificatePem,
    windowsAuth: { domain: 'CORP', accounts: [{ domain: 'CORP', user: 'labuser', password: 'pw' }] },
    features: {
      siteCode: 'LAB',
      names: { intranet: INTRANET, internet: INTERNET },
      secondarySite,
      clientSettings: (name) =>
        name === 'WS02'
          ? { name: 'custom', userPolicyPolling: true, userPolicyOnInternet: false }
          : { name: 'default', userPolicyPolling: true, userPolicyOnInternet: true },
      distributionPoints: [
        { name: 'dp1', intranetFqdn: 'dp1.corp.ibcm-lab.test', internetFqdn: 'dp.ibcm-lab.example', httpsPort: 443, packages: [PACKAGE] },
      ],
      boundaries: [['127.0.0.0', '127.255.255.255']],
      faults,
    },
  });
}

beforeAll(async () => {
  certificatePem = new X509Certificate((await identity('MP')).certificateDer).toString();
});

describe('site features at the MP', () => {
  it('withholds IntranetOnly policy and OS deployment from internet clients, and serves them on the intranet', async () => {
    const handler = mp();
    const inside = await machinePolicyRound(new InProcessClient(profile('WS01', 'intranet'), handler, identity('WS01')), {
      location: 'intranet',
    });
    const outside = await machinePolicyRound(new InProcessClient(profile('WS01', 'internet'), handler, identity('WS01')), {
      location: 'internet',
    });
    expect(inside.policies.filter(isIntranetOnly)).toHaveLength(1);
    expect(outside.policies.filter(isIntranetOnly)).toHaveLength(0);
    const osd = (round: typeof inside) =>
      round.fetched.filter((fetched) => /OperatingSystemImage/.test(fetched.exchange.responseBody?.toString() ?? ''));
    expect(osd(inside)).toHaveLength(1);
    expect(osd(outside)).toHaveLength(0);
    expect(outside.fetched.every((fetched) => fetched.exchange.status === 200)).toBe(true);
    expect(outside.policies.some((policy) => policy.category === 'TaskSequence')).toBe(true);
  });

  it('hands them over when the quirk says so', async () => {
    const round = await machinePolicyRound(
      new InProcessClient(profile('WS01', 'internet'), mp({ intranetOnlyPolicyToInternet: true, osdToInternet: true }), identity('WS01')),
      { location: 'internet' },
    );
    expect(round.policies.filter(isIntranetOnly)).toHaveLength(1);
    expect(round.skipped.map((skipped) => skipped.reason)).toEqual(['flagged IntranetOnly and the client is on the internet']);
  });

  it('delivers user policy only with Windows authentication and the client settings on', async () => {
    const handler = mp();
    const user = { domain: 'CORP', user: 'labuser', password: 'pw' };
    const ws01 = new InProcessClient(profile('WS01', 'internet'), handler, identity('WS01'));
    const round = await machinePolicyRound(ws01, { location: 'internet' });
    const cycle = await userPolicyCycle(ws01, user, round);
    expect(cycle.asked).toBe(true);
    expect(cycle.request?.policies).toHaveLength(1);
    expect(cycle.request?.exchange.responseHeaders).toContainEqual(['x-ibcm-lab-authenticated-as', 'CORP\\labuser']);
    expect((await requestUserPolicy(ws01, user, { auth: 'none' })).policies).toHaveLength(0);
    expect((await requestUserPolicy(ws01, { ...user, password: 'wrong' }, { auth: 'windows' })).policies).toHaveLength(0);
    const ws02 = new InProcessClient(profile('WS02', 'internet'), handler, identity('WS02'));
    const ws02Cycle = await userPolicyCycle(ws02, user, await machinePolicyRound(ws02, { location: 'internet' }));
    expect(ws02Cycle.asked).toBe(false);
    expect((await requestUserPolicy(ws02, user, { auth: 'windows' })).policies).toHaveLength(0);
    // The quirk: no Windows authentication needed.
    const faulty = new InProcessClient(profile('WS01', 'internet'), mp({ userPolicyWithoutWindowsAuth: true }), identity('WS01'));
    await faulty.register();
    expect((await requestUserPolicy(faulty, user, { auth: 'none' })).policies).toHaveLength(1);
  });

  it('assigns a site automatically and roams by boundaries only on the intranet', async () => {
    const handler = mp();
    const outside = new InProcessClient(profile('WS01', 'internet'), handler, identity('WS01'));
    const content = await requestContentLocation(outside, PACKAGE, { location: 'internet' });
    expect(content.records.map((record) => [new URL(record.url).hostname, record.locality])).toEqual([['dp.ibcm-lab.example', 'REMOTE']]);
    const inside = new InProcessClient(profile('WS01', 'intranet'), handler, identity('WS01'));
    const control = await requestContentLocation(inside, PACKAGE, { location: 'intranet' });
    expect(control.records.map((record) => [new URL(record.url).hostname, record.locality])).toEqual([['dp1.corp.ibcm-lab.test', 'LOCAL']]);
    const roaming = await requestContentLocation(
      new InProcessClient(profile('WS01', 'internet'), mp({ roamingOnInternet: true }), identity('WS01')),
      PACKAGE,
      { location: 'internet' },
    );
    expect(roaming.records[0]?.locality).toBe('LOCAL');
    expect(inRange('127.16.1.20', '127.0.0.0', '127.255.255.255')).toBe(true);
    expect(inRange('128.0.0.1', '127.0.0.0', '127.255.255.255')).toBe(false);
  });

  it('refuses internet clients at a secondary-site MP, not intranet ones', async () => {
    const handler = mp({}, 'S01');
    const list = (host: string) => replyOf(handler(siteRequest('GET', '/SMS_MP/.sms_aut?MPLIST1&LAB', [['Host', host]])) as never);
    expect(list(INTERNET).status).toBe(403);
    expect(list(INTRANET).status).toBe(200);
    expect(
      replyOf(
        mp({ secondaryAcceptsInternet: true }, 'S01')(siteRequest('GET', '/SMS_MP/.sms_aut?MPLIST1&LAB', [['Host', INTERNET]])) as never,
      ).status,
    ).toBe(200);
  });

  it('refuses site-server actions for clients managed on the internet', async () => {
    for (const faults of [{}, { clientPushToInternet: true }] as SiteFeatureFaults[]) {
      const handler = mp(faults);
      const client = new InProcessClient(profile('WS01', 'internet'), handler, identity('WS01'));
      await machinePolicyRound(client, { location: 'internet', fetch: () => false });
      const reply = replyOf(
        await handler(
          siteRequest(
            'POST',
            '/AdminService/v1.0/SiteActions',
            [['Host', INTRANET]],
            JSON.stringify({ Action: 'ClientPush', ClientID: client.smsId }),
          ),
        ),
      );
      expect(JSON.parse(reply.text).Result).toBe(faults.clientPushToInternet ? 'Initiated' : 'Refused');
    }
  });
});

// Research W:67: nothing documented asks a bridge to keep Host, so the name the TLS connection was made
// for decides; Host only for plain HTTP.
describe('connectedVia', () => {
  const names = { intranet: 'mp1.corp.example', internet: 'mp.example' };
  const overTls = (servername: string | null, host: string) => {
    const request = siteRequest('GET', '/', [['Host', host]]);
    return { ...request, connection: { ...request.connection, tls: { servername } as never } };
  };

  it('takes the TLS server name before a Host a bridge rewrote to the intranet name', () => {
    expect(connectedVia(overTls('mp.example', 'mp1.corp.example:443'), names)).toBe('internet');
    expect(connectedVia(overTls('mp1.corp.example', 'mp1.corp.example'), names)).toBe('intranet');
  });

  it('falls back to Host without a server name (plain HTTP, or a TLS client that sent none)', () => {
    expect(connectedVia(siteRequest('GET', '/', [['Host', 'mp1.corp.example:80']]), names)).toBe('intranet');
    expect(connectedVia(overTls(null, 'mp.example'), names)).toBe('internet');
  });
});
