// Brings up a whole IBCM world on the embedded driver: PKI with CRL, the CDP, the site roles,
// split-horizon DNS per segment, the proxy under test (from its contract) and client profiles.
// Everything started is registered for teardown first, so a failure half-way leaves nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientProfile, SiteSystemEndpoint } from '../client/profile.js';
import { startDnsServer, type StartedDnsServer } from '../dns/index.js';
import { LabStartError } from '../errors.js';
import { Journal, startSiteServer } from '../http/index.js';
import { LabPki, type IssuedCertificate } from '../pki/index.js';
import type { ProxyContract, ProxyImplementation, StartedProxy } from '../proxies/index.js';
import { crlDistributionPoint } from '../roles/crl-distribution-point/index.js';
import { segmentNames, type ProxyMode, type Segment, type Topology } from '../topology/index.js';
import { writeContract } from './contract.js';
import { dnsRecords, hostsFile } from './dns-views.js';
import type { Lab, LabCertificateFacts, LabDnsView, LabProgress, LabSiteSystem, PlacedHost } from './lab.js';
import { planLab, type PlannedSiteSystem } from './plan.js';
import { siteRoleHandler } from './site-roles.js';

export interface StartLabOptions {
  topology: Topology;
  mode: ProxyMode;
  /** The proxy under test; ignored (and may be absent) in direct mode. */
  proxy?: ProxyImplementation;
  runId: string;
  /** Per-run directory for certificates, keys, the proxy contract and logs (never in the repo). */
  dir: string;
  labIndex?: number;
  onProgress?: LabProgress;
}

export async function startLab(options: StartLabOptions): Promise<Lab> {
  const started = Date.now();
  const { topology, mode } = options;
  const progress: LabProgress = options.onProgress ?? (() => undefined);
  if (mode !== 'direct' && !options.proxy) throw new LabStartError(`mode ${mode} needs a proxy`);
  if (options.proxy && mode !== 'direct' && !options.proxy.modes.includes(mode)) throw new LabStartError(`proxy "${options.proxy.name}" has no ${mode} mode (it offers ${options.proxy.modes.join(', ')})`);

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  const step = async <T>(name: string, host: string | undefined, work: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    progress({ step: name, host, state: 'start' });
    try {
      const result = await work();
      progress({ step: name, host, state: 'done', ms: Date.now() - t0 });
      return result;
    } catch (error) {
      progress({ step: name, host, state: 'failed', ms: Date.now() - t0, detail: (error as Error).message });
      throw error;
    }
  };

  try {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const plan = planLab(topology, mode, options.labIndex ?? 0);
    const { placement, cdp, siteSystems } = plan;
    const hosts: PlacedHost[] = [cdp.host, ...siteSystems.map((system) => system.host), ...(plan.proxy ? [plan.proxy] : [])];
    const publishedNames = siteSystems.filter((system) => system.services.some((service) => service.published)).map((system) => system.role.internetFqdn!);
    const clientFqdn = (computerName: string) => `${computerName.toLowerCase()}.${topology.domains.intranet}`;

    // PKI: every certificate the world needs, in parallel.
    const pki = await step('pki', 'ca', () => LabPki.create({ dir: join(options.dir, 'pki'), cdpBaseUrl: `http://${cdp.role.fqdn}:${cdp.host.ports.http}` }));
    const certificates = await step('pki', 'certificates', async () => {
      const httpsSystems = siteSystems.filter((system) => system.services.some((service) => service.service === 'https'));
      const [siteCerts, clientCerts, proxyServer, proxyClient] = await Promise.all([
        Promise.all(httpsSystems.map((system) => pki.issue('site-system-web-server', { name: system.role.name, subjectCn: system.role.internetFqdn ?? system.role.intranetFqdn, dnsNames: [...(system.role.internetFqdn ? [system.role.internetFqdn] : []), system.role.intranetFqdn] }))),
        Promise.all(topology.clients.map((client) => pki.issue('workstation-client', { name: client.name, subjectCn: clientFqdn(client.computerName), dnsNames: [clientFqdn(client.computerName)] }))),
        mode === 'bridge' ? pki.issue('bridging-proxy-server', { name: 'proxy-server', subjectCn: publishedNames[0]!, dnsNames: publishedNames }) : undefined,
        mode === 'bridge' ? pki.issue('bridging-proxy-client', { name: 'proxy-client', subjectCn: `${topology.proxy.name}.${topology.domains.internet}` }) : undefined,
      ]);
      return { site: new Map(httpsSystems.map((system, index) => [system.role.name, siteCerts[index]!])), clients: new Map(topology.clients.map((client, index) => [client.name, clientCerts[index]!])), proxyServer, proxyClient };
    });

    // CDP: plain HTTP on the internet segment; reads the CRLs on every request.
    const journals = new Map<string, Journal>();
    const cdpJournal = new Journal();
    journals.set(cdp.role.name, cdpJournal);
    await step('start', cdp.role.name, async () => {
      const server = await startSiteServer({ name: 'crl-distribution-point', host: cdp.host.address, port: cdp.host.ports.http!, handler: crlDistributionPoint({ crls: () => pki.crls().map((crl) => ({ path: crl.path, der: crl.der })) }), journal: cdpJournal });
      stops.push(() => server.close());
    });

    // Site systems: HTTPS with the client certificate required and checked against CA + CRL (IIS
    // always checks the CRL for client certificates, W:50); HTTP where the role speaks HTTP.
    await Promise.all(siteSystems.map((system) => step('start', system.role.name, () => startSiteSystem(system))));
    async function startSiteSystem(system: PlannedSiteSystem) {
      const journal = new Journal();
      journals.set(system.role.name, journal);
      const certificate = certificates.site.get(system.role.name);
      const handler = siteRoleHandler(system, topology, siteSystems, certificate);
      for (const service of system.services) {
        const server = await startSiteServer({
          name: system.role.kind,
          host: system.host.address,
          port: service.port,
          journal,
          handler,
          tls: service.service === 'https' ? { key: certificate!.keyPem, cert: certificate!.chainPem, ca: pki.trustBundlePem, crl: pki.crlPems(), clientCertificate: clientCertificatePolicy(system) } : undefined,
        });
        stops.push(() => server.close());
      }
    }

    // Split-horizon DNS: one view per segment.
    const dnsServers = new Map<Segment, StartedDnsServer>();
    await step('start', 'dns', async () => {
      for (const segment of segmentNames) {
        const server = await startDnsServer({ host: placement.dnsAddress(segment), port: placement.port(53), view: { name: segment, records: dnsRecords(segment, topology, mode, plan) } });
        dnsServers.set(segment, server);
        stops.push(() => server.close());
      }
    });

    // The proxy under test, started from its contract exactly as a vendor's would be.
    let contract: ProxyContract | null = null;
    let proxy: StartedProxy | undefined;
    if (plan.proxy && options.proxy && mode !== 'direct') {
      const resolverSegment: Segment = mode === 'forward' ? 'internet' : 'dmz';
      contract = writeContract({
        runId: options.runId,
        mode,
        dir: options.dir,
        plan,
        trustBundlePath: pki.trustBundlePath,
        crlPem: pki.crlPem(),
        crlUrls: pki.crls().map((crl) => crl.url),
        resolver: { host: placement.dnsAddress(resolverSegment), port: placement.port(53), hostsFileText: hostsFile(dnsRecords(resolverSegment, topology, mode, plan)) },
        proxyServer: certificates.proxyServer,
        proxyClient: certificates.proxyClient,
      });
      for (const listener of contract.listeners) plan.proxy.ports[listener.name] = listener.bind.port;
      proxy = await step('start', `proxy (${options.proxy.name}, ${mode})`, () => options.proxy!.start(contract!));
      const running = proxy;
      stops.push(() => running.close());
    }

    const allCertificates = [...certificates.site.values(), ...certificates.clients.values(), ...(certificates.proxyServer ? [certificates.proxyServer] : []), ...(certificates.proxyClient ? [certificates.proxyClient] : [])];
    const certificateFacts: LabCertificateFacts[] = allCertificates.map(facts);
    const labSiteSystems: LabSiteSystem[] = siteSystems.map((system) => ({
      name: system.role.name,
      kind: system.role.kind,
      internetFqdn: system.role.internetFqdn,
      intranetFqdn: system.role.intranetFqdn,
      address: system.host.address,
      services: system.services,
      publishedAddress: system.publishedAddress,
    }));
    const endpoints: SiteSystemEndpoint[] = siteSystems.flatMap((system) =>
      system.services.filter((service) => service.published).map((service) => ({ role: system.role.kind, name: system.role.name, fqdn: system.role.internetFqdn!, scheme: service.service, port: service.port })),
    );
    const startupMs = Date.now() - started;

    const lab: Lab = {
      runId: options.runId,
      mode,
      proxyName: mode === 'direct' ? null : options.proxy?.name ?? null,
      topology,
      dir: options.dir,
      hosts,
      siteSystems: labSiteSystems,
      certificates: certificateFacts,
      trustBundlePem: pki.trustBundlePem,
      crlUrls: pki.crls().map((crl) => crl.url),
      proxyContract: contract,
      startupMs,
      dns(segment: Segment): LabDnsView {
        const server = dnsServers.get(segment)!;
        return { segment, host: server.host, port: server.port, queries: () => server.queries(), mark: () => server.mark(), since: (mark) => server.since(mark) };
      },
      journal(host: string): Journal {
        const journal = journals.get(host);
        if (!journal) throw new Error(`no site system "${host}" in this lab (have ${[...journals.keys()].join(', ')})`);
        return journal;
      },
      siteSystem(kind: string): LabSiteSystem {
        const found = labSiteSystems.find((system) => system.kind === kind);
        if (!found) throw new Error(`this lab's topology has no ${kind}`);
        return found;
      },
      proxyLog: () => proxy?.log() ?? [],
      host(name: string): PlacedHost {
        const host = hosts.find((candidate) => candidate.name === name);
        if (!host) throw new Error(`no host "${name}" in this lab`);
        return host;
      },
      clientProfile(name?: string): ClientProfile {
        const client = name ? topology.clients.find((candidate) => candidate.name === name) : topology.clients[0];
        if (!client) throw new Error(`no client "${name}" in this topology`);
        const certificate = certificates.clients.get(client.name)!;
        const mp = siteSystems.find((system) => system.role.internetFqdn === client.install.CCMHOSTNAME)!;
        const account = client.account ? topology.domain.accounts.find((candidate) => candidate.user.toLowerCase() === client.account!.toLowerCase()) : undefined;
        return {
          name: client.name,
          computerName: client.computerName,
          fqdn: clientFqdn(client.computerName),
          segment: client.segment,
          install: { ...client.install, CCMHTTPSPORT: mp.host.ports.https!, CCMHTTPPORT: placement.port(80) },
          certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem, chainPem: certificate.chainPem },
          trustedRootsPem: pki.rootCaPem,
          dns: { host: placement.dnsAddress(client.segment), port: placement.port(53) },
          localAddress: plan.clientAddresses.get(client.name),
          webProxy: mode === 'forward' && plan.proxy ? { host: plan.proxy.address, port: plan.proxy.forwardPort! } : undefined,
          account: account ? { domain: topology.domain.netbiosName, user: account.user, password: account.password } : undefined,
          siteSystems: endpoints,
        };
      },
      stop: stopAll,
    };
    writeFileSync(join(options.dir, 'lab.json'), JSON.stringify({ runId: options.runId, mode, proxy: lab.proxyName, hosts, siteSystems: labSiteSystems, certificates: certificateFacts, crlUrls: lab.crlUrls, startupMs }, null, 2));
    return lab;
  } catch (error) {
    await stopAll();
    if (error instanceof LabStartError) throw error;
    throw new LabStartError(`the lab could not start: ${(error as Error).message}`);
  }
}

/** The SUP does not authenticate clients by certificate (PKI-REQ: "except for the software update point"). */
function clientCertificatePolicy(system: PlannedSiteSystem): 'require' | 'request' {
  return system.role.kind === 'software-update-point' ? 'request' : 'require';
}

function facts(certificate: IssuedCertificate): LabCertificateFacts {
  return { name: certificate.name, profile: certificate.profile, subject: certificate.subject, serialNumber: certificate.serialNumber, dnsNames: certificate.dnsNames, crlUrls: certificate.crlUrls, certPath: certificate.certPath };
}
