// Brings up a whole IBCM world on the embedded driver: PKI with CRL (and the certificate variants
// the topology's `pki:` section asks for), the CDP, the site roles, a CMG when the topology has one,
// split-horizon DNS per segment, the proxy under test (from its contract) and client profiles.
// Everything started is registered for teardown first, so a failure half-way leaves nothing.
import net from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientProfile, SiteSystemEndpoint } from '../client/profile.js';
import { startDnsServer, type StartedDnsServer } from '../dns/index.js';
import { LabStartError } from '../errors.js';
import { Journal, startSiteServer, type SiteServerOptions, type StartedSiteServer } from '../http/index.js';
import { LabPki, type CertificateVariant, type IssuedCertificate } from '../pki/index.js';
import type { ProxyContract, ProxyImplementation, StartedProxy } from '../proxies/index.js';
import { CMG_MUTUAL_AUTH_PREFIX, cloudManagementGateway } from '../roles/cloud-management-gateway/index.js';
import { crlDistributionPoint } from '../roles/crl-distribution-point/index.js';
import { microsoftUpdate, type MicrosoftUpdateBehaviour } from '../roles/microsoft-update/index.js';
import { segmentNames, type ProxyMode, type Segment, type Topology } from '../topology/index.js';
import { clientFqdnOf, issueLabCertificates, issueVariant, ldapCdpUrl } from './certificates.js';
import { contractCrlPathIn, writeContract } from './contract.js';
import { dnsRecords, hostsFile } from './dns-views.js';
import type { Lab, LabDomainController, LabMicrosoftUpdate, MicrosoftUpdateFault, LabCdpHandle, LabCertificateFacts, LabClientCertificate, LabCloudManagementGateway, LabCrlFacts, LabDnsView, LabPkiHandle, LabProgress, LabSiteSystem, PlacedHost } from './lab.js';
import { mpControlCheck } from './mp-control.js';
import { planLab, type PlannedSiteSystem } from './plan.js';
import { siteRoleHandler, softwareUpdateFiles } from './site-roles.js';

const HOUR = 3_600_000;

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
    const { placement, cdp, siteSystems, cloudManagementGateways } = plan;
    const hosts: PlacedHost[] = [cdp.host, ...(plan.microsoftUpdate ? [plan.microsoftUpdate.host] : []), ...(plan.domainController ? [plan.domainController.host] : []), ...siteSystems.map((system) => system.host), ...cloudManagementGateways.map((gateway) => gateway.host), ...(plan.proxy ? [plan.proxy] : [])];
    const clientFqdn = (computerName: string) => clientFqdnOf(topology, computerName);

    // PKI: every certificate the world needs, in parallel, in the variants the topology asks for.
    const pkiOptions = topology.pki;
    const pki = await step('pki', 'ca', () =>
      LabPki.create({ dir: join(options.dir, 'pki'), cdpBaseUrl: `http://${cdp.role.fqdn}:${cdp.host.ports.http}`, clock: new Date(Date.now() + pkiOptions.clockOffsetHours * HOUR), crlValidityHours: pkiOptions.crlValidityHours }),
    );
    const certificates = await step('pki', 'certificates', () => issueLabCertificates(pki, topology, mode, plan));
    const cloudRootPem = cloudManagementGateways.length > 0 ? (await pki.cloud()).rootCaPem : undefined;

    // CDP: plain HTTP on the internet segment; serves every hierarchy's CRLs as they are now (a
    // revocation or a re-signing shows at once). A check can take it down and bring it back.
    const journals = new Map<string, Journal>();
    const cdpJournal = new Journal();
    journals.set(cdp.role.name, cdpJournal);
    let cdpServer: StartedSiteServer | undefined;
    const startCdp = async () => {
      cdpServer ??= await startSiteServer({ name: 'crl-distribution-point', host: cdp.host.address, port: cdp.host.ports.http!, handler: crlDistributionPoint({ crls: () => pki.allCrls().map((crl) => ({ path: crl.path, der: crl.der })) }), journal: cdpJournal });
    };
    const stopCdp = async () => {
      const server = cdpServer;
      cdpServer = undefined;
      await server?.close();
    };
    await step('start', cdp.role.name, startCdp);
    stops.push(stopCdp);

    // Microsoft Update: plain HTTP on the internet; a check can make it fail in each documented way.
    let muBehaviour: MicrosoftUpdateBehaviour = { kind: 'normal' };
    let muFault: MicrosoftUpdateFault | null = null;
    let muServer: StartedSiteServer | undefined;
    let muBlackhole: net.Server | undefined;
    const mu = plan.microsoftUpdate;
    const startMu = async () => {
      if (!mu) return;
      const journal = journals.get(mu.role.name) ?? new Journal();
      journals.set(mu.role.name, journal);
      muServer ??= await startSiteServer({ name: 'microsoft-update', host: mu.host.address, port: mu.host.ports.http!, handler: microsoftUpdate({ files: softwareUpdateFiles(), behaviour: () => muBehaviour }), journal });
    };
    const stopMu = async () => {
      const server = muServer;
      muServer = undefined;
      await server?.close();
      const blackhole = muBlackhole;
      muBlackhole = undefined;
      if (blackhole) await new Promise<void>((resolve) => blackhole.close(() => resolve()));
    };
    if (mu) {
      await step('start', mu.role.name, startMu);
      stops.push(stopMu);
    }

    // The domain controller beacon: a TCP listener on the LDAP port that notes who connected.
    const dc = plan.domainController;
    const dcConnections: { at: string; remoteAddress: string }[] = [];
    if (dc) {
      const beacon = net.createServer((socket) => {
        dcConnections.push({ at: new Date().toISOString(), remoteAddress: socket.remoteAddress ?? '' });
        socket.on('error', () => undefined);
        socket.end();
      });
      await step('start', dc.role.name, () => new Promise<void>((resolve, reject) => {
        beacon.once('error', reject);
        beacon.listen(dc.host.ports.ldap!, dc.host.address, () => resolve());
      }));
      stops.push(() => new Promise<void>((resolve) => beacon.close(() => resolve())));
    }
    const domainControllerHandle: LabDomainController | undefined = dc && {
      name: dc.role.name,
      fqdn: dc.role.fqdn,
      address: dc.host.address,
      port: dc.host.ports.ldap!,
      mark: () => dcConnections.length,
      since: (mark) => dcConnections.slice(mark).map((entry) => ({ ...entry })),
    };

    // Site systems: HTTPS with the client certificate required and checked against CA + CRL (IIS
    // always checks the CRL for client certificates, W:50); HTTP where the role speaks HTTP. The
    // HTTPS servers are kept so a revocation while the lab runs reaches them (restarted with the new CRL).
    const httpsServers: { owner: string; options: SiteServerOptions; server: StartedSiteServer }[] = [];
    const allServers: { owner: string; options: SiteServerOptions; server: StartedSiteServer }[] = [];
    const startServer = async (owner: string, serverOptions: SiteServerOptions) => {
      const entry = { owner, options: serverOptions, server: await startSiteServer(serverOptions) };
      allServers.push(entry);
      if (serverOptions.tls) httpsServers.push(entry);
      stops.push(() => entry.server.close());
    };
    const handlers = new Map(siteSystems.map((system) => [system.role.name, siteRoleHandler(system, topology, siteSystems, certificates.site.get(system.role.name))]));
    await Promise.all(siteSystems.map((system) => step('start', system.role.name, () => startSiteSystem(system))));
    async function startSiteSystem(system: PlannedSiteSystem) {
      const journal = new Journal();
      journals.set(system.role.name, journal);
      const certificate = certificates.site.get(system.role.name);
      for (const service of system.services) {
        await startServer(system.role.name, {
          name: system.role.kind,
          host: system.host.address,
          port: service.port,
          journal,
          handler: handlers.get(system.role.name)!,
          tls: service.service === 'https' ? { key: certificate!.keyPem, cert: certificate!.chainPem, ca: pki.trustBundlePem, crl: pki.crlPems(), clientCertificate: clientCertificatePolicy(system) } : undefined,
        });
      }
    }

    // Cloud management gateways: on the internet with the cloud CA's certificate, mutual auth against
    // the lab's client PKI (and its CRL), forwarding to their MP's handler (its connection point).
    await Promise.all(
      cloudManagementGateways.map((gateway) =>
        step('start', gateway.role.name, async () => {
          const journal = new Journal();
          journals.set(gateway.role.name, journal);
          const certificate = certificates.cloudManagementGateways.get(gateway.role.name)!;
          const managementPoint = handlers.get(gateway.role.managementPoint);
          if (!managementPoint) throw new LabStartError(`cloud management gateway ${gateway.role.name}: no management point "${gateway.role.managementPoint}"`);
          await startServer(gateway.role.name, {
            name: gateway.role.kind,
            host: gateway.host.address,
            port: gateway.host.ports.https!,
            journal,
            handler: cloudManagementGateway({ mpRoleId: gateway.role.mpRoleId, managementPoint }),
            tls: { key: certificate.keyPem, cert: certificate.chainPem, ca: pki.trustBundlePem, crl: pki.crlPems(), clientCertificate: 'require' },
          });
        }),
      ),
    );

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
        pkcs12: certificates.pkcs12,
      });
      for (const listener of contract.listeners) plan.proxy.ports[listener.name] = listener.bind.port;
      proxy = await step('start', `proxy (${options.proxy.name}, ${mode})`, () => options.proxy!.start(contract!));
      const running = proxy;
      stops.push(() => running.close());
    }

    // A revocation while the lab runs: the site systems are restarted with the new CRL (IIS reads a
    // new CRL; a Node TLS server takes its `crl` at start), the contract's CRL file is rewritten (a
    // proxy that re-reads it sees the change; one that read it once at start does not).
    const restartHttps = async (owner: string | null, tls: Partial<NonNullable<SiteServerOptions['tls']>>) => {
      for (const entry of httpsServers.filter((candidate) => owner === null || candidate.owner === owner)) {
        await entry.server.close();
        entry.options = { ...entry.options, tls: { ...entry.options.tls!, ...tls } };
        entry.server = await startSiteServer(entry.options);
      }
    };
    const afterRevocation = async () => {
      if (contract) writeFileSync(contractCrlPathIn(options.dir), pki.crlPem());
      await restartHttps(null, { crl: pki.crlPems() });
    };
    const cdpUrls = pkiOptions.cdp === 'ldap-only' ? [ldapCdpUrl(topology, 'IBCM Lab Issuing CA', cdp.role.name)] : undefined;
    let issuedOnRequest = 0;
    const pkiHandle: LabPkiHandle = {
      options: pkiOptions,
      get clock() {
        return pki.clock;
      },
      async roots() {
        const [untrusted, cloud] = await Promise.all([pki.untrusted(), pki.cloud()]);
        return { lab: pki.rootCaPem, untrusted: untrusted.rootCaPem, cloud: cloud.rootCaPem };
      },
      async issueClientCertificate({ variant, client: clientName }) {
        const client = clientName ? topology.clients.find((candidate) => candidate.name === clientName) : topology.clients[0];
        if (!client) throw new Error(`no client "${clientName}" in this topology`);
        const fqdn = clientFqdn(client.computerName);
        const issued = await issueVariant(pki, 'workstation-client', { name: `${client.name}-${variant}-${++issuedOnRequest}`, subjectCn: fqdn, dnsNames: [fqdn] }, variant, { cdpUrls });
        if (variant === 'revoked') await afterRevocation();
        return clientCertificateOf(issued, variant);
      },
      revokedAtStart: clientCertificateOf(certificates.revokedClient, 'revoked'),
      async serveSiteCertificate(variant, serveOptions = {}) {
        const system = serveOptions.siteSystem ? siteSystems.find((candidate) => candidate.role.name === serveOptions.siteSystem) : siteSystems.find((candidate) => candidate.role.kind === 'management-point');
        const original = system && certificates.site.get(system.role.name);
        if (!system || !original) throw new Error(`no HTTPS site system "${serveOptions.siteSystem ?? 'management-point'}" in this lab`);
        const role = system.role;
        const issued = await issueVariant(pki, 'site-system-web-server', { name: `${role.name}-${variant}-${++issuedOnRequest}`, subjectCn: role.internetFqdn ?? role.intranetFqdn, dnsNames: [...(role.internetFqdn ? [role.internetFqdn] : []), role.intranetFqdn] }, variant, { intranetNames: [role.intranetFqdn], cdpUrls });
        if (variant === 'revoked') await afterRevocation();
        await restartHttps(role.name, { key: issued.keyPem, cert: issued.chainPem });
        return { certificate: facts(issued, variant), restore: () => restartHttps(role.name, { key: original.keyPem, cert: original.chainPem }) };
      },
      async revoke(serialNumber) {
        await pki.revoke(serialNumber, 'keyCompromise');
        await afterRevocation();
      },
      async publishCrls(publishOptions = {}) {
        const stale = publishOptions.staleByHours;
        if (stale !== undefined && !(stale > 0)) throw new Error(`staleByHours must be > 0, got ${stale}`);
        await pki.publishCrls({ at: stale ? new Date(pki.clock.getTime() - (pkiOptions.crlValidityHours + stale) * HOUR) : undefined });
        return crlFacts(pki);
      },
      crls: () => crlFacts(pki),
    };
    const cdpHandle: LabCdpHandle = {
      name: cdp.role.name,
      fqdn: cdp.role.fqdn,
      urls: pki.crls().map((crl) => crl.url),
      get running() {
        return cdpServer !== undefined;
      },
      stop: stopCdp,
      start: startCdp,
    };

    const microsoftUpdateHandle: LabMicrosoftUpdate | undefined = mu && {
      name: mu.role.name,
      fqdn: mu.role.fqdn,
      address: mu.host.address,
      port: mu.host.ports.http!,
      get fault() {
        return muFault;
      },
      async setFault(fault, faultOptions = {}) {
        // Back to normal first: the name resolves, the server listens, it answers.
        for (const [segment, server] of dnsServers) server.setRecords(dnsRecords(segment, topology, mode, plan));
        await stopMu();
        muBehaviour = { kind: 'normal' };
        muFault = fault;
        switch (fault) {
          case null:
            return startMu();
          case 'unresolvable':
            for (const [segment, server] of dnsServers) server.setRecords(dnsRecords(segment, topology, mode, plan, { withoutMicrosoftUpdate: true }));
            return startMu();
          case 'refused':
            return; // nothing listens
          case 'http-error':
            muBehaviour = { kind: 'http-error', status: faultOptions.status ?? 503 };
            return startMu();
          case 'timeout':
            muBehaviour = { kind: 'hold', holdMs: faultOptions.holdMs ?? 3000 };
            return startMu();
          case 'blocked': {
            // A filter in the path that drops the connection without a word: accepted, then reset.
            const blackhole = net.createServer((socket) => {
              socket.once('data', () => socket.resetAndDestroy());
              socket.on('error', () => undefined);
            });
            await new Promise<void>((resolve, reject) => {
              blackhole.once('error', reject);
              blackhole.listen(mu.host.ports.http!, mu.host.address, () => resolve());
            });
            muBlackhole = blackhole;
            return;
          }
        }
      },
    };
    const variantOf = (certificate: IssuedCertificate) => certificates.variants.get(certificate.name);
    const allCertificates = [
      ...certificates.site.values(),
      ...certificates.clients.values(),
      certificates.revokedClient,
      ...certificates.managementPointClients.values(),
      ...certificates.cloudManagementGateways.values(),
      ...(certificates.proxyServer ? [certificates.proxyServer] : []),
      ...(certificates.proxyClient ? [certificates.proxyClient] : []),
    ];
    const certificateFacts: LabCertificateFacts[] = allCertificates.map((certificate) => facts(certificate, variantOf(certificate)));
    const labSiteSystems: LabSiteSystem[] = siteSystems.map((system) => ({
      name: system.role.name,
      kind: system.role.kind,
      internetFqdn: system.role.internetFqdn,
      intranetFqdn: system.role.intranetFqdn,
      address: system.host.address,
      services: system.services,
      publishedAddress: system.publishedAddress,
    }));
    const labGateways: LabCloudManagementGateway[] = cloudManagementGateways.map((gateway) => ({
      name: gateway.role.name,
      fqdn: gateway.role.fqdn,
      address: gateway.host.address,
      port: gateway.host.ports.https!,
      mpRoleId: gateway.role.mpRoleId,
      managementPoint: gateway.role.managementPoint,
      pathPrefix: `${CMG_MUTUAL_AUTH_PREFIX}/${gateway.role.mpRoleId}`,
    }));
    const endpoints: SiteSystemEndpoint[] = siteSystems.flatMap((system) =>
      system.services.filter((service) => service.published).map((service) => ({ role: system.role.kind, name: system.role.name, fqdn: system.role.internetFqdn!, scheme: service.service, port: service.port })),
    );
    const intranetSiteSystems: SiteSystemEndpoint[] = siteSystems.flatMap((system) => system.services.map((service) => ({ role: system.role.kind, name: system.role.name, fqdn: system.role.intranetFqdn, scheme: service.service, port: service.port })));
    // A client moved to another segment gets an address there (once per client and segment).
    const movedAddresses = new Map<string, string>();
    const addressOn = (clientName: string, segment: Segment) => {
      const key = `${clientName}@${segment}`;
      if (!movedAddresses.has(key)) movedAddresses.set(key, placement.allocate(segment));
      return movedAddresses.get(key)!;
    };
    const startupMs = Date.now() - started;

    const lab: Lab = {
      runId: options.runId,
      mode,
      proxyName: mode === 'direct' ? null : options.proxy?.name ?? null,
      topology,
      dir: options.dir,
      hosts,
      siteSystems: labSiteSystems,
      cloudManagementGateways: labGateways,
      certificates: certificateFacts,
      trustBundlePem: pki.trustBundlePem,
      crlUrls: pki.crls().map((crl) => crl.url),
      proxyContract: contract,
      startupMs,
      pki: pkiHandle,
      cdp: cdpHandle,
      microsoftUpdate: microsoftUpdateHandle,
      domainController: domainControllerHandle,
      async takeDown(name: string) {
        const entries = allServers.filter((entry) => entry.owner === name);
        if (entries.length === 0) throw new Error(`no site system "${name}" in this lab`);
        for (const entry of entries) await entry.server.close();
        return {
          restore: async () => {
            for (const entry of entries) entry.server = await startSiteServer(entry.options);
          },
        };
      },
      mpControl(controlOptions = {}) {
        const system = siteSystems.find((candidate) => candidate.role.kind === 'management-point' && (!controlOptions.managementPoint || candidate.role.name === controlOptions.managementPoint));
        if (!system) throw new Error(`no management point "${controlOptions.managementPoint ?? ''}" in this lab`);
        const own = certificates.managementPointClients.get(system.role.name)!;
        return mpControlCheck(
          { managementPoint: system.role.name, fromAddress: system.host.address, host: system.host.address, port: system.host.ports.https!, serverName: system.role.intranetFqdn, siteCode: topology.site.code, caPem: pki.trustBundlePem },
          controlOptions.certificate === 'none' ? null : { keyPem: own.keyPem, chainPem: own.chainPem, subject: own.subject, serialNumber: own.serialNumber },
        );
      },
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
      clientProfile(name?: string, profileOptions: { segment?: Segment } = {}): ClientProfile {
        const client = name ? topology.clients.find((candidate) => candidate.name === name) : topology.clients[0];
        if (!client) throw new Error(`no client "${name}" in this topology`);
        const certificate = certificates.clients.get(client.name)!;
        const mp = siteSystems.find((system) => system.role.internetFqdn === client.install.CCMHOSTNAME)!;
        const gateway = labGateways.find((candidate) => candidate.managementPoint === mp.role.name);
        const account = client.account ? topology.domain.accounts.find((candidate) => candidate.user.toLowerCase() === client.account!.toLowerCase()) : undefined;
        return {
          name: client.name,
          computerName: client.computerName,
          fqdn: clientFqdn(client.computerName),
          segment: profileOptions.segment ?? client.segment,
          install: { ...client.install, CCMHTTPSPORT: mp.host.ports.https!, CCMHTTPPORT: placement.port(80) },
          certificate: { certPem: certificate.certPem, keyPem: certificate.keyPem, chainPem: certificate.chainPem },
          // The site's root, and — like any Windows client's store of public roots — the CMG's public CA.
          trustedRootsPem: cloudRootPem && gateway ? pki.rootCaPem + cloudRootPem : pki.rootCaPem,
          dns: { host: placement.dnsAddress(profileOptions.segment ?? client.segment), port: placement.port(53) },
          localAddress: profileOptions.segment && profileOptions.segment !== client.segment ? addressOn(client.name, profileOptions.segment) : plan.clientAddresses.get(client.name),
          // The web proxy is the internet connection's; on the intranet the client goes direct.
          webProxy: mode === 'forward' && plan.proxy && (profileOptions.segment ?? client.segment) === 'internet' ? { host: plan.proxy.address, port: plan.proxy.forwardPort! } : undefined,
          account: account ? { domain: topology.domain.netbiosName, user: account.user, password: account.password } : undefined,
          siteSystems: endpoints,
          intranetSiteSystems,
          // "Name does not resolve" must hold for any resolver in the path, also a proxy's static
          // hosts file (Squid): while that fault is set, clients get a name that exists nowhere.
          microsoftUpdate: mu ? { fqdn: muFault === 'unresolvable' ? `nxdomain.${mu.role.fqdn}` : mu.role.fqdn, port: mu.host.ports.http! } : undefined,
          // A domain-joined computer knows its domain's DC; a workgroup computer has none.
          domainController: dc && client.domainJoined ? { fqdn: dc.role.fqdn, port: dc.host.ports.ldap! } : undefined,
          cloudManagementGateway: gateway ? { fqdn: gateway.fqdn, port: gateway.port, pathPrefix: gateway.pathPrefix } : undefined,
        };
      },
      stop: stopAll,
    };
    writeFileSync(join(options.dir, 'lab.json'), JSON.stringify({ runId: options.runId, mode, proxy: lab.proxyName, pki: pkiOptions, hosts, siteSystems: labSiteSystems, cloudManagementGateways: labGateways, certificates: certificateFacts, crlUrls: lab.crlUrls, startupMs }, null, 2));
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

function facts(certificate: IssuedCertificate, variant?: CertificateVariant): LabCertificateFacts {
  return {
    name: certificate.name,
    profile: certificate.profile,
    subject: certificate.subject,
    serialNumber: certificate.serialNumber,
    dnsNames: certificate.dnsNames,
    crlUrls: certificate.crlUrls,
    certPath: certificate.certPath,
    issuedBy: certificate.issuedBy,
    ...(variant ? { variant } : {}),
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
  };
}

function clientCertificateOf(certificate: IssuedCertificate, variant: CertificateVariant): LabClientCertificate {
  return { ...facts(certificate, variant), variant, certPem: certificate.certPem, keyPem: certificate.keyPem, chainPem: certificate.chainPem };
}

function crlFacts(pki: LabPki): LabCrlFacts[] {
  return pki.crls().map((crl) => ({ issuer: crl.issuer, url: crl.url, thisUpdate: crl.thisUpdate.toISOString(), nextUpdate: crl.nextUpdate.toISOString(), crlNumber: crl.crlNumber, revokedSerials: crl.revokedSerials }));
}
