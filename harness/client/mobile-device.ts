// Mobile device clients (seed 000): what sets them apart from computer clients on the internet.
//   - "Mobile device clients are automatically configured as Internet-only when they are configured
//     to use an Internet-based management point" (MOB-INTERNET-ONLY): no network-location detection,
//     no intranet site systems, whatever CCMALWAYSINF says.
//   - "Client mobile devices must have a direct Internet connection, but client computers can have
//     either a direct Internet connection or connect by using a proxy web server" (MOB-DIRECT): the
//     device never uses the machine's web proxy; where there is no direct path it fails, and says so.
//   - Two kinds: devices enrolled by ConfigMgr, known to the MP by the certificate they were given at
//     enrollment (MOB-ENROLLED-NO-BRIDGE, see roles/management-point/mobile-devices.ts for why a bridge
//     breaks them), and legacy mobile clients, which a bridging proxy authenticates by user
//     authentication — here the user's certificate [INFER] (MOB-LEGACY-USER-AUTH).
// Like every client it knows the lab only through its profile and the network.
import { createAuthenticate, createNegotiate } from '../ntlm/index.js';
import type { Exchange } from './exchange.js';
import { IbcmClient } from './ibcm-client.js';
import type { ClientProfile } from './profile.js';
import type { TransportOptions } from './transport.js';

/** The endpoint an enrolled device synchronises with on its MP (the lab's; the real protocol is not public). */
export const MOBILE_DEVICE_SYNC_PATH = '/DeviceManagement/Sync';
export const MOBILE_DEVICE_USER_AGENT = 'ConfigMgr Mobile Device Client';

export type MobileDeviceKind = 'enrolled' | 'legacy';

export interface MobileDeviceResult {
  exchange: Exchange;
  /** The device could not talk to its MP, and why (a missing direct connection is named as such). */
  failure?: string;
}

export class MobileDeviceClient {
  private readonly client: IbcmClient;
  /** The machine's web proxy setting the device did not use (evidence). */
  readonly ignoredWebProxy?: { host: string; port: number };

  /**
   * `profile.certificate` is the device's enrollment certificate (enrolled) or its user's
   * certificate (legacy), presented as it is: the Windows selection rules (W:49) are a computer's.
   */
  constructor(
    readonly kind: MobileDeviceKind,
    profile: ClientProfile,
    options: TransportOptions = {},
  ) {
    this.ignoredWebProxy = profile.webProxy;
    this.client = new IbcmClient({ ...profile, webProxy: undefined }, { ...options, certificateSelection: 'present-as-is' });
  }

  get profile(): ClientProfile {
    return this.client.profile;
  }

  /** Configured with an internet MP, the device is internet-only — CCMALWAYSINF does not enter into it. */
  get managementMode(): 'internet-only' | 'not configured for the internet' {
    return this.client.profile.install.CCMHOSTNAME ? 'internet-only' : 'not configured for the internet';
  }

  /** Its MP: the internet MP it was configured with, wherever it stands (no location detection). */
  get managementPointOrigin(): string {
    if (this.managementMode !== 'internet-only')
      throw new Error(`${this.client.profile.computerName} is configured with no internet management point`);
    return this.client.managementPointOrigin;
  }

  /** The MP list from its internet MP, over its direct connection. */
  getMpList(): Promise<MobileDeviceResult> {
    return this.request({
      method: 'GET',
      target: `/SMS_MP/.sms_aut?MPLIST1&${this.client.profile.install.SMSSITECODE}`,
      headers: [['User-Agent', MOBILE_DEVICE_USER_AGENT]],
    });
  }

  /** An enrolled device's synchronisation with its MP, which knows it by its enrollment certificate. */
  sync(): Promise<MobileDeviceResult> {
    return this.request({
      method: 'GET',
      target: MOBILE_DEVICE_SYNC_PATH,
      headers: [
        ['User-Agent', MOBILE_DEVICE_USER_AGENT],
        ['Accept', 'text/xml'],
      ],
    });
  }

  /**
   * A legacy mobile client's user authentication (seed 000: a bridge authenticates legacy mobile
   * clients "by using user authentication"): Windows authentication (NTLM) of its user's account at
   * the MP's Windows-authenticated endpoint, on one connection, through whatever publishes the MP.
   * Returns every leg; `failure` says why the user was not authenticated.
   */
  async authenticateUser(): Promise<MobileDeviceResult & { legs: Exchange[] }> {
    const account = this.client.profile.account;
    const target = '/CCM_System_WindowsAuth/request';
    const headers = (authorization: string): [string, string][] => [
      ['User-Agent', MOBILE_DEVICE_USER_AGENT],
      ['Authorization', authorization],
    ];
    const first = await this.request({ method: 'GET', target, headers: headers(createNegotiate()) });
    const legs = [first.exchange];
    if (!account) return { ...first, legs, failure: `${this.client.profile.computerName} has no user account to authenticate with` };
    const challenge = first.exchange.responseHeaders?.filter(([name]) => name === 'www-authenticate').map(([, value]) => value) ?? [];
    if (first.exchange.status !== 401 || challenge.length === 0)
      return { ...first, legs, failure: first.failure ?? `no NTLM challenge (HTTP ${first.exchange.status})` };
    let authorization: string;
    try {
      authorization = createAuthenticate(challenge, account, { workstation: this.client.profile.computerName });
    } catch (error) {
      return { ...first, legs, failure: `no usable NTLM challenge: ${(error as Error).message}` };
    }
    const second = await this.request({ method: 'GET', target, headers: headers(authorization) });
    legs.push(second.exchange);
    return { ...second, legs };
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async request(spec: { method: string; target: string; headers: [string, string][] }): Promise<MobileDeviceResult> {
    const exchange = await this.client.transport.exchange(this.managementPointOrigin, spec);
    if (exchange.error) {
      const noPath = /ENOTFOUND|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|CONNECT_TIMEOUT/.test(exchange.error.code);
      return {
        exchange,
        failure: noPath
          ? `no direct internet connection to ${this.managementPointOrigin} (${exchange.error.code}: ${exchange.error.message}); a mobile device does not use a web proxy`
          : `${exchange.error.code}: ${exchange.error.message}`,
      };
    }
    if (exchange.status !== 200)
      return { exchange, failure: `HTTP ${exchange.status}: ${exchange.responseBody?.toString('latin1').trim().slice(0, 160) ?? ''}` };
    return { exchange };
  }
}
