// Brings up a whole IBCM world on the embedded driver: PKI with CRL, the CDP, the site roles,
// split-horizon DNS per segment, the proxy under test (from its contract) and client profiles.
// Everything started is registered for teardown first, so a failure half-way leaves nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientProfile } from '../client/profile.js';
import { startDnsServer, type DnsRecord, type StartedDnsServer } from '../dns/index.js';
import { EmbeddedPlacement } from '../drivers/embedded/placement.js';
import { LabStartError } from '../errors.js';
import { Journal, startSiteServer } from '../http/index.js';
import { LabPki, type IssuedCertificate } from '../pki/index.js';
import { PROXY_CONTRACT_VERSION, type ProxyContract, type ProxyImplementation, type StartedProxy } from '../proxies/index.js';
import { crlDistributionPoint } from '../roles/crl-distribution-point/index.js';
import { managementPoint } from '../roles/management-point/index.js';
import { segmentNames, type ManagementPointRole, type ProxyMode, type Segment, type Topology } from '../topology/index.js';
import type { Lab, LabCertificateFacts, LabDnsView, LabProgress, PlacedHost } from './lab.js';

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
  if (mode === 'forward') throw new LabStartError('forward mode (client-side CONNECT proxy) is not available yet');
  if (options.proxy && mode !== 'direct' && !options.proxy.modes.includes(mode)) throw new LabStartError(`proxy "${options.proxy.name}" has no ${mode} mode (it offers ${options.proxy.modes.join(', ')})`);

  const placement = new EmbeddedPlacement({ labIndex: options.labIndex ?? 0, portOffset: topology.drivers.embedded.portOffset });
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
    const hosts: PlacedHost[] = [];
    const mps = topology.roles.filter((role): role is ManagementPointRole => role.kind === 'management-point');
    const cdpRole = topology.roles.find((role) => role.kind === 'crl-distribution-point')!;

    // Placement first: certificates and DNS need every address and port.
    const cdpHost: PlacedHost = { name: cdpRole.name, kind: cdpRole.kind, segment: cdpRole.segment, address: placement.allocate(cdpRole.segment), ports: { http: placement.port(cdpRole.httpPort) }, fqdns: [cdpRole.fqdn] };
    hosts.push(cdpHost);
    const mpHosts = mps.map((mp): PlacedHost => ({ name: mp.name, kind: mp.kind, segment: mp.segment, address: placement.allocate(mp.segment), ports: { https: placement.port(mp.httpsPort) }, fqdns: [mp.intranetFqdn, ...(mp.internetFqdn ? [mp.internetFqdn] : [])] }));
    hosts.push(...mpHosts);
    const published = mps.filter((mp) => mp.internetFqdn);
    const proxyHost: PlacedHost | undefined =
      mode === 'direct' ? undefined : { name: topology.proxy.name, kind: 'proxy', segment: 'dmz', address: placement.allocate('dmz'), ports: {}, fqdns: published.map((mp) => mp.internetFqdn!) };
    const proxyListeners = new Map<string, string>();
    if (proxyHost) {
      hosts.push(proxyHost);
      for (const mp of published) proxyListeners.set(mp.name, placement.allocate('internet'));
    }
    const clientAddresses = new Map(topology.clients.map((client) => [client.name, placement.allocate(client.segment)]));

    // PKI: every certificate the world needs, in parallel.
    const cdpBaseUrl = `http://${cdpRole.fqdn}:${cdpHost.ports.http}`;
    const pki = await step('pki', 'ca', () => LabPki.create({ dir: join(options.dir, 'pki'), cdpBaseUrl }));
    const certificates = await step('pki', 'certificates', async () => {
      const [mpCerts, clientCerts, proxyServer, proxyClient] = await Promise.all([
        Promise.all(mps.map((mp) => pki.issue('site-system-web-server', { name: mp.name, subjectCn: mp.internetFqdn ?? mp.intranetFqdn, dnsNames: [...(mp.internetFqdn ? [mp.internetFqdn] : []), mp.intranetFqdn] }))),
        Promise.all(topology.clients.map((client) => { const fqdn = `${client.computerName.toLowerCase()}.${topology.domains.intranet}`; return pki.issue('workstation-client', { name: client.name, subjectCn: fqdn, dnsNames: [fqdn] }); })),
        mode === 'bridge' ? pki.issue('bridging-proxy-server', { name: 'proxy-server', subjectCn: published[0]!.internetFqdn!, dnsNames: published.map((mp) => mp.internetFqdn!) }) : undefined,
        mode === 'bridge' ? pki.issue('bridging-proxy-client', { name: 'proxy-client', subjectCn: `${topology.proxy.name}.${topology.domains.internet}` }) : undefined,
      ]);
      return { mpCerts, clientCerts, proxyServer, proxyClient };
    });
    const crlPems = () => pki.crls().map((crl) => crl.pem);

    // CDP: plain HTTP on the internet segment.
    const journals = new Map<string, Journal>();
    const cdpJournal = new Journal();
    journals.set(cdpRole.name, cdpJournal);
    await step('start', cdpRole.name, async () => {
      const server = await startSiteServer({ name: 'crl-distribution-point', host: cdpHost.address, port: cdpHost.ports.http!, handler: crlDistributionPoint({ crls: () => pki.crls().map((crl) => ({ path: crl.path, der: crl.der })) }), journal: cdpJournal });
      stops.push(() => server.close());
    });

    // Management points: HTTPS, client certificate required and checked against CA + CRL (IIS).
    await Promise.all(
      mps.map((mp, index) =>
        step('start', mp.name, async () => {
          const journal = new Journal();
          journals.set(mp.name, journal);
          const certificate = certificates.mpCerts[index]!;
          const server = await startSiteServer({
            name: 'management-point',
            host: mpHosts[index]!.address,
            port: mpHosts[index]!.ports.https!,
            journal,
            tls: { key: certificate.keyPem, cert: certificate.chainPem, ca: pki.trustBundlePem, crl: crlPems(), clientCertificate: 'require' },
            handler: managementPoint({
              siteCode: topology.site.code,
              hostName: mp.name.toUpperCase(),
              internetManagementPoints: published.map((item) => ({ name: item.name.toUpperCase(), fqdn: item.internetFqdn! })),
              certificatePem: certificate.certPem,
            }),
          });
          stops.push(() => server.close());
        }),
      ),
    );

    // The proxy under test, started from its contract.
    let contract: ProxyContract | null = null;
    let proxy: StartedProxy | undefined;
    if (proxyHost && options.proxy) {
      contract = writeContract(options, topology, mode as 'bridge' | 'tunnel', { pki: { trustBundlePath: pki.trustBundlePath, crlPem: pki.crlPem(), crlUrls: pki.crls().map((crl) => crl.url) }, published, mpHosts, mps, proxyHost, proxyListeners, proxyServer: certificates.proxyServer, proxyClient: certificates.proxyClient });
      for (const listener of contract.listeners) proxyHost.ports[listener.name] = listener.bind.port;
      proxy = await step('start', `proxy (${options.proxy.name}, ${mode})`, () => options.proxy!.start(contract!));
      const running = proxy;
      stops.push(() => running.close());
    }

    // Split-horizon DNS: one view per segment.
    const dnsServers = new Map<Segment, StartedDnsServer>();
    await step('start', 'dns', async () => {
      for (const segment of segmentNames) {
        const server = await startDnsServer({ host: placement.dnsAddress(segment), port: placement.port(53), view: { name: segment, records: dnsRecords(segment, { topology, mode, cdpHost, mps, mpHosts, proxyListeners }) } });
        dnsServers.set(segment, server);
        stops.push(() => server.close());
      }
    });

    const certificateFacts: LabCertificateFacts[] = [...certificates.mpCerts, ...certificates.clientCerts, ...(certificates.proxyServer ? [certificates.proxyServer] : []), ...(certificates.proxyClient ? [certificates.proxyClient] : [])].map(facts);
    const clientCertificates = new Map(topology.clients.map((client, index) => [client.name, certificates.clientCerts[index]!]));
    const startupMs = Date.now() - started;

    const lab: Lab = {
      runId: options.runId,
      mode,
      proxyName: mode === 'direct' ? null : options.proxy?.name ?? null,
      topology,
      dir: options.dir,
      hosts,
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
      proxyLog: () => proxy?.log() ?? [],
      host(name: string): PlacedHost {
        const host = hosts.find((candidate) => candidate.name === name);
        if (!host) throw new Error(`no host "${name}" in this lab`);
        return host;
      },
      clientProfile(name?: string): ClientProfile {
        const client = name ? topology.clients.find((candidate) => candidate.name === name) : topology.clients[0];
        if (!client) throw new Error(`no client "${name}" in this topology`);
        const certificate = clientCertificates.get(client.name)!;
        const mp = mps.find((candidate) => candidate.internetFqdn === client.install.CCMHOSTNAME)!;
        return {
          name: client.name,
          computerName: client.computerName,
          fqdn: `${client.computerName.toLowerCase()}.${topology.domains.intranet}`,
          segment: client.segment,
          install: { ...client.install, CCMHTTPSPORT: placement.port(mp.httpsPort), CCMHTTPPORT: placement.port(80) },
          certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem, chainPem: certificate.chainPem },
          trustedRootsPem: pki.rootCaPem,
          dns: { host: placement.dnsAddress(client.segment), port: placement.port(53) },
          localAddress: clientAddresses.get(client.name),
        };
      },
      stop: stopAll,
    };
    writeFileSync(join(options.dir, 'lab.json'), JSON.stringify({ runId: options.runId, mode, proxy: lab.proxyName, hosts, certificates: certificateFacts, crlUrls: lab.crlUrls, startupMs }, null, 2));
    return lab;
  } catch (error) {
    await stopAll();
    if (error instanceof LabStartError) throw error;
    throw new LabStartError(`the lab could not start: ${(error as Error).message}`);
  }
}

function facts(certificate: IssuedCertificate): LabCertificateFacts {
  return { name: certificate.name, profile: certificate.profile, subject: certificate.subject, serialNumber: certificate.serialNumber, dnsNames: certificate.dnsNames, crlUrls: certificate.crlUrls, certPath: certificate.certPath };
}

interface DnsInputs {
  topology: Topology;
  mode: ProxyMode;
  cdpHost: PlacedHost;
  mps: ManagementPointRole[];
  mpHosts: PlacedHost[];
  proxyListeners: Map<string, string>;
}

/**
 * The internet view knows only internet names; there, a published name points at the proxy's
 * listener (or, in direct mode, at the site system itself). Inside (dmz, intranet) every name
 * points at the site system, and the intranet view adds the intranet names and the MP's SRV record.
 */
function dnsRecords(segment: Segment, input: DnsInputs): DnsRecord[] {
  const records: DnsRecord[] = [];
  for (const fqdn of input.cdpHost.fqdns) records.push({ name: fqdn, type: 'A', address: input.cdpHost.address });
  input.mps.forEach((mp, index) => {
    const address = input.mpHosts[index]!.address;
    if (mp.internetFqdn) {
      const published = segment === 'internet' && input.mode !== 'direct' ? input.proxyListeners.get(mp.name)! : address;
      records.push({ name: mp.internetFqdn, type: 'A', address: published });
    }
    if (segment !== 'internet') {
      records.push({ name: mp.intranetFqdn, type: 'A', address });
      if (segment === 'intranet') records.push({ name: `_mssms_mp_${input.topology.site.code.toLowerCase()}._tcp.${input.topology.domains.intranet}`, type: 'SRV', target: mp.intranetFqdn, port: input.mpHosts[index]!.ports.https! });
    }
  });
  return records;
}

interface ContractInputs {
  pki: { trustBundlePath: string; crlPem: string; crlUrls: string[] };
  published: ManagementPointRole[];
  mps: ManagementPointRole[];
  mpHosts: PlacedHost[];
  proxyHost: PlacedHost;
  proxyListeners: Map<string, string>;
  proxyServer?: IssuedCertificate;
  proxyClient?: IssuedCertificate;
}

function writeContract(options: StartLabOptions, topology: Topology, mode: 'bridge' | 'tunnel', input: ContractInputs): ProxyContract {
  const dir = join(options.dir, 'proxy');
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  const crlPath = join(dir, 'client-auth-crl.pem');
  writeFileSync(crlPath, input.pki.crlPem);
  const keyPair = (certificate: IssuedCertificate) => ({ certificate: certificate.certPath, key: certificate.keyPath, chain: certificate.chainPath });
  const contract: ProxyContract = {
    contractVersion: PROXY_CONTRACT_VERSION,
    runId: options.runId,
    mode,
    listeners: input.published.map((mp) => {
      const host = input.mpHosts[input.mps.indexOf(mp)]!;
      return {
        name: mp.name,
        publicName: mp.internetFqdn!,
        bind: { host: input.proxyListeners.get(mp.name)!, port: host.ports.https! },
        scheme: 'https' as const,
        tls: mode === 'bridge' && input.proxyServer ? keyPair(input.proxyServer) : undefined,
        upstream: { host: host.address, port: host.ports.https!, scheme: 'https' as const, serverName: mp.internetFqdn!, caBundle: input.pki.trustBundlePath, clientCertificate: mode === 'bridge' && input.proxyClient ? keyPair(input.proxyClient) : undefined },
      };
    }),
    egress: { host: input.proxyHost.address },
    clientAuthentication: mode === 'bridge' ? { required: true, caBundle: input.pki.trustBundlePath, crl: crlPath, crlUrls: input.pki.crlUrls } : undefined,
    logs: { dir: logs },
  };
  writeFileSync(join(dir, 'contract.json'), JSON.stringify(contract, null, 2));
  void topology;
  return contract;
}
