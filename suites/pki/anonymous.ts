// A client without a certificate, tried on every published HTTPS listener (issue 11, finding 5): a
// bridge whose DP or Application Catalog listener only *requests* a client certificate serves
// anyone, which a probe of the MP alone never sees. The listeners come from the proxy contract
// (bridge, tunnel); without one (direct, forward) from the site systems' published HTTPS services.
import type { Exchange, IbcmClient, TransportOptions } from '../../harness/client/index.js';
import type { JournalEntry } from '../../harness/http/index.js';
import type { Lab } from '../../harness/lab/index.js';
import type { Evidence } from '../evidence.js';

export interface PublishedHttpsEndpoint {
  /** The contract's listener name (or `<site system>-https`). */
  listener: string;
  role: string;
  /** The site system behind it: its journal's name. */
  siteSystem: string;
  origin: string;
}

export interface AnonymousProbe {
  endpoint: PublishedHttpsEndpoint;
  exchange: Exchange;
  /** What the site system received meanwhile. */
  received: JournalEntry[];
}

export function publishedHttpsEndpoints(lab: Lab): PublishedHttpsEndpoint[] {
  const listeners = lab.proxyContract?.listeners ?? [];
  if (listeners.length > 0) {
    return listeners
      .filter((listener) => listener.scheme === 'https')
      .map((listener) => {
        const system = lab.siteSystems.find((candidate) => candidate.internetFqdn?.toLowerCase() === listener.publicName.toLowerCase());
        if (!system) throw new Error(`no site system of the lab has the contract listener ${listener.name}'s name ${listener.publicName}`);
        return {
          listener: listener.name,
          role: listener.role,
          siteSystem: system.name,
          origin: `https://${listener.publicName}:${listener.bind.port}`,
        };
      });
  }
  return lab.siteSystems.flatMap((system) =>
    system.internetFqdn
      ? system.services
          .filter((service) => service.service === 'https' && service.published)
          .map((service) => ({
            listener: `${system.name}-https`,
            role: system.kind,
            siteSystem: system.name,
            origin: `https://${system.internetFqdn}:${service.port}`,
          }))
      : [],
  );
}

/** One GET of `/` per endpoint by a client that presents no certificate; both sides go into the evidence. */
export async function probeAnonymously(
  lab: Lab,
  newClient: (client?: undefined, options?: TransportOptions) => IbcmClient,
  evidence: Evidence,
  endpoints: PublishedHttpsEndpoint[],
): Promise<AnonymousProbe[]> {
  return probeEndpoints(lab, newClient(undefined, { presentCertificate: false }), evidence, endpoints);
}

/** One GET of `/` per endpoint by `client`, with what each site system received; both sides go into the evidence. */
export async function probeEndpoints(
  lab: Lab,
  client: IbcmClient,
  evidence: Evidence,
  endpoints: PublishedHttpsEndpoint[],
): Promise<AnonymousProbe[]> {
  const probes: AnonymousProbe[] = [];
  for (const endpoint of endpoints) {
    const journal = lab.journal(endpoint.siteSystem);
    const mark = journal.mark();
    const exchange = await client.send({ method: 'GET', target: '/' }, endpoint.origin);
    const received = journal.since(mark);
    evidence.sent(exchange);
    evidence.received(endpoint.siteSystem, received);
    probes.push({ endpoint, exchange, received });
  }
  return probes;
}

/** How one probe ended, for a reason. */
export function probeOutcome(probe: AnonymousProbe): string {
  const site =
    probe.received.length === 0
      ? 'nothing reached the site system'
      : `the site system received ${probe.received.length} request(s)${probe.received[0]!.error ? ` and refused them (${probe.received[0]!.error})` : ` and answered ${probe.received[0]!.response.status}`}`;
  return `${probe.endpoint.listener} (${probe.endpoint.origin}): ${probe.exchange.error ? probe.exchange.error.code : probe.exchange.status}, ${site}`;
}
