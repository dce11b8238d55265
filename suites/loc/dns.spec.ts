// LOC-DNS: internet FQDNs resolve from the internet DNS view; intranet-only names and the MP's
// SRV record do not (seed 000 "Plan for internet-based client management"; seed 001; W:64).
import { promises as dns } from 'node:dns';
import { resolveA } from '../../harness/dns/index.js';
import { ensure } from '../evidence.js';
import { check } from '../fixtures.js';

async function lookup(server: { host: string; port: number }, name: string): Promise<string> {
  try {
    return (await resolveA(server, name)).join(', ');
  } catch (error) {
    return `error ${(error as NodeJS.ErrnoException).code}`;
  }
}

async function srv(server: { host: string; port: number }, name: string): Promise<string> {
  const resolver = new dns.Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`${server.host}:${server.port}`]);
  try {
    return (await resolver.resolveSrv(name)).map((record) => `${record.name}:${record.port}`).join(', ');
  } catch (error) {
    return `error ${(error as NodeJS.ErrnoException).code}`;
  }
}

check('LOC-DNS', 'internet names resolve on the internet, intranet names only inside', async ({ lab, mode, evidence }) => {
  const internet = lab.dns('internet');
  const intranet = lab.dns('intranet');
  const mp = lab.topology.roles.find((role) => role.kind === 'management-point')!;
  if (mp.kind !== 'management-point') throw new Error('unreachable');
  const srvName = `_mssms_mp_${lab.topology.site.code.toLowerCase()}._tcp.${lab.topology.domains.intranet}`;
  const mark = internet.mark();
  const seen = {
    internetFqdnOnInternet: await lookup(internet, mp.internetFqdn!),
    intranetFqdnOnInternet: await lookup(internet, mp.intranetFqdn),
    srvOnInternet: await srv(internet, srvName),
    intranetFqdnOnIntranet: await lookup(intranet, mp.intranetFqdn),
  };
  evidence.note(JSON.stringify(seen));
  evidence.note(
    `internet view query log: ${JSON.stringify(internet.since(mark).map((q) => `${q.transport} ${q.name} ${q.type} ${q.rcode}`))}`,
  );
  const system = lab.siteSystem('management-point');
  const published = system.publishedAddress ?? system.internetAddress ?? system.address;
  ensure(
    seen.internetFqdnOnInternet === published,
    `${mp.internetFqdn} resolved on the internet view to ${seen.internetFqdnOnInternet}, expected ${published} (${system.publishedAddress ? 'the proxy listener' : `the MP itself in ${mode} mode`})`,
    'internet-name-not-published',
  );
  ensure(
    seen.intranetFqdnOnInternet.startsWith('error ENOTFOUND'),
    `the intranet name ${mp.intranetFqdn} leaks to the internet view: ${seen.intranetFqdnOnInternet}`,
    'intranet-name-leaks',
  );
  ensure(
    seen.srvOnInternet.startsWith('error'),
    `the intranet MP's SRV record ${srvName} leaks to the internet view: ${seen.srvOnInternet}`,
    'intranet-srv-leaks',
  );
  // The MP's address as the intranet reaches it: its own, or its intranet leg where segments are separate networks (docker).
  const inside = lab.host(mp.name).intranetAddress ?? lab.host(mp.name).address;
  ensure(
    seen.intranetFqdnOnIntranet === inside,
    `${mp.intranetFqdn} does not resolve on the intranet view to ${inside} (${seen.intranetFqdnOnIntranet})`,
  );
  evidence.pass(
    `${mp.internetFqdn} → ${published} on the internet view; ${mp.intranetFqdn} and ${srvName} unknown there; ${mp.intranetFqdn} → ${seen.intranetFqdnOnIntranet} on the intranet view`,
  );
});
