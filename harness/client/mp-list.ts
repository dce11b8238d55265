// The client's MP list (seed 000 note; W:7, W:28, W:44): the client asks an MP it can reach for the
// site's MP list — at install, every 25 hours, on a network change, on demand — and keeps the
// internet-capable MPs it names. A client whose list names none is not internet-capable: on the
// internet it has no MP to talk to. "If you configure an Internet capable management point, clients
// that connect to the management point will become Internet-capable when they next refresh their
// list of available management points."
import { CCM_USER_AGENT, IbcmClient } from './ibcm-client.js';
import type { Exchange } from './exchange.js';
import { detectNetworkLocation, siteSystemsFor, type LocationDetection } from './location.js';
import type { ClientProfile } from './profile.js';

export interface MpListRefresh {
  /** Where the client stood when it refreshed, and the MP it asked. */
  detection: LocationDetection;
  origin?: string;
  exchange?: Exchange;
  /** Internet FQDNs of the internet-capable MPs the list names. */
  internetManagementPoints: string[];
  failure?: string;
}

/**
 * The MP the client can reach where it stands: on the intranet its intranet MP, on the internet
 * (or internet-only) the internet MP it knows — none when it knows no internet MP yet.
 */
export function reachableManagementPoint(client: IbcmClient, detection: LocationDetection): string | undefined {
  const { scope, endpoints } = siteSystemsFor(client, detection.location);
  if (scope === 'internet') return client.profile.install.CCMHOSTNAME ? client.managementPointOrigin : undefined;
  const mp = endpoints.find((endpoint) => endpoint.role === 'management-point' && endpoint.scheme === 'https');
  return mp && `https://${mp.fqdn}:${mp.port}`;
}

/** Detects where the client stands, asks the MP it can reach there for `MPLIST1&<site>`, keeps the internet MPs it names. */
export async function refreshManagementPointList(client: IbcmClient): Promise<MpListRefresh> {
  const detection = await detectNetworkLocation(client);
  const origin = reachableManagementPoint(client, detection);
  if (!origin)
    return {
      detection,
      internetManagementPoints: [],
      failure: `currently ${detection.location}, and the client knows no management point it can reach there`,
    };
  const exchange = await client.send(
    { method: 'GET', target: `/SMS_MP/.sms_aut?MPLIST1&${client.profile.install.SMSSITECODE}`, headers: [['User-Agent', CCM_USER_AGENT]] },
    origin,
  );
  if (exchange.error || exchange.status !== 200)
    return {
      detection,
      origin,
      exchange,
      internetManagementPoints: [],
      failure: `MP list from ${origin}: ${exchange.error ? `${exchange.error.code}: ${exchange.error.message}` : `HTTP ${exchange.status}`}`,
    };
  return { detection, origin, exchange, internetManagementPoints: IbcmClient.mpListFqdns(exchange) };
}

/** Is the client internet-capable after this refresh (its list names an internet MP)? */
export function internetCapable(refresh: MpListRefresh): boolean {
  return refresh.internetManagementPoints.length > 0;
}

/** The profile the client runs with after the refresh: the internet MP it learned is the one it uses on the internet. */
export function afterRefresh(profile: ClientProfile, refresh: MpListRefresh): ClientProfile {
  const learned = refresh.internetManagementPoints[0];
  return learned ? { ...profile, install: { ...profile.install, CCMHOSTNAME: learned } } : profile;
}
