// Split-horizon DNS (seed 000, seed 001; W:64): the internet view knows only internet names; a
// published name points at the proxy's listener in bridge and tunnel mode, at the site system
// itself in direct and forward mode. Inside (dmz, intranet) every name points at the site system,
// and the intranet view adds the intranet names and the MP's SRV record. The CDP and a CMG stand on
// the internet and resolve the same in every view.
import type { DnsRecord } from '../dns/index.js';
import type { ProxyMode, Segment, Topology } from '../topology/index.js';
import { laterInternetManagementPoints, type LabPlan, type PlacedHost } from './plan.js';

export interface DnsViewOptions {
  /** Leave the Microsoft Update name out (a check's "name does not resolve" case). */
  withoutMicrosoftUpdate?: boolean;
  /** Internet names of MPs the site has not made internet-capable yet: not registered anywhere (LOC-MP-REFRESH). */
  unannouncedInternetNames?: string[];
}

export function dnsRecords(
  segment: Segment,
  topology: Topology,
  mode: ProxyMode,
  plan: LabPlan,
  options: DnsViewOptions = {},
): DnsRecord[] {
  // Quirk `internet-only-through-web-proxy`: the client network resolves no internet name but its web proxy's.
  if (mode === 'forward' && plan.proxy && segment === 'internet' && topology.quirks.includes('internet-only-through-web-proxy'))
    return [{ name: `${plan.proxy.name}.${topology.domains.internet}`, type: 'A', address: plan.proxy.address }];
  // The intranet view answers with a host's intranet leg where it has one (docker: plan.ts, intranetAddress).
  const on = (host: PlacedHost) => (segment === 'intranet' ? (host.intranetAddress ?? host.address) : host.address);
  // Quirk `cdp-not-published-on-internet`: the CDP's name is in the inside zones only.
  const cdpHidden = segment === 'internet' && topology.quirks.includes('cdp-not-published-on-internet');
  const records: DnsRecord[] = cdpHidden ? [] : plan.cdp.host.fqdns.map((name) => ({ name, type: 'A', address: on(plan.cdp.host) }));
  // Microsoft Update is a public name: it resolves in every view, to the mock host itself.
  if (plan.microsoftUpdate && !options.withoutMicrosoftUpdate)
    records.push({ name: plan.microsoftUpdate.role.fqdn, type: 'A', address: on(plan.microsoftUpdate.host) });
  // A CMG is a cloud service: its public name resolves everywhere, to the gateway itself.
  // Quirk `cmg-not-in-public-dns`: the cloud service name was never registered.
  if (!topology.quirks.includes('cmg-not-in-public-dns'))
    for (const gateway of plan.cloudManagementGateways) records.push({ name: gateway.role.fqdn, type: 'A', address: on(gateway.host) });
  // Quirk `internet-dns-lacks-second-mp`: the public zone has the later internet MPs under other names than the site lists.
  const missingOnInternet =
    segment === 'internet' && topology.quirks.includes('internet-dns-lacks-second-mp') ? laterInternetManagementPoints(topology) : [];
  // The DC is an intranet name only: from the internet it does not resolve (W:43).
  if (plan.domainController && (segment === 'intranet' || (segment === 'internet' && topology.quirks.includes('dns-leaks-intranet-names'))))
    records.push({ name: plan.domainController.role.fqdn, type: 'A', address: plan.domainController.host.address });
  for (const system of plan.siteSystems) {
    const role = system.role;
    // Quirk `intranet-dns-lacks-internet-names`: a split-brain intranet zone without the internet names.
    const missingInside = segment === 'intranet' && topology.quirks.includes('intranet-dns-lacks-internet-names');
    if (role.internetFqdn && !missingInside && !options.unannouncedInternetNames?.includes(role.internetFqdn)) {
      const address = segment === 'internet' ? (system.publishedAddress ?? system.internetAddress ?? system.host.address) : on(system.host);
      const registeredAs = missingOnInternet.includes(role.name) ? `${role.name}-public.${topology.domains.internet}` : role.internetFqdn;
      records.push({ name: registeredAs, type: 'A', address });
    }
    // Quirk `dns-leaks-intranet-names`: the internet view answers the intranet names too.
    if (segment === 'internet' && !topology.quirks.includes('dns-leaks-intranet-names')) continue;
    records.push({ name: role.intranetFqdn, type: 'A', address: on(system.host) });
    if (
      segment !== 'dmz' &&
      role.kind === 'management-point' &&
      (segment === 'intranet' || topology.quirks.includes('dns-leaks-intranet-names'))
    )
      records.push({
        name: `_mssms_mp_${topology.site.code.toLowerCase()}._tcp.${topology.domains.intranet}`,
        type: 'SRV',
        target: role.intranetFqdn,
        port: system.host.ports.https!,
      });
  }
  if (mode === 'forward' && plan.proxy && segment === 'internet')
    records.push({ name: `${plan.proxy.name}.${topology.domains.internet}`, type: 'A', address: plan.proxy.address });
  return records;
}

/** The same A records in /etc/hosts format, for proxies that cannot query a DNS server on a non-standard port. */
export function hostsFile(records: DnsRecord[]): string {
  return records.flatMap((record) => (record.type === 'A' ? [`${record.address}\t${record.name}`] : [])).join('\n') + '\n';
}
