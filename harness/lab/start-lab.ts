// Brings up a whole IBCM world on the embedded driver: PKI with CRL (and the certificate variants
// the topology's `pki:` section asks for), the CDP, the site roles, a CMG when the topology has one,
// split-horizon DNS per segment, the proxy under test (from its contract) and client profiles.
// Everything started is registered for teardown first, so a failure half-way leaves nothing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ClientProfile, SiteSystemEndpoint } from '../client/profile.js';
import { LabStartError } from '../errors.js';
import { embeddedDriver } from '../drivers/embedded/driver.js';
import type { JournalReader } from '../http/index.js';
import { LabPki, type CertificateVariant, type IssuedCertificate } from '../pki/index.js';
import type { ProxyContract, ProxyImplementation, StartedProxy } from '../proxies/index.js';
import { CMG_MUTUAL_AUTH_PREFIX } from '../roles/cloud-management-gateway/index.js';
import { ENROLLED_DEVICE_LABEL } from '../roles/management-point/mobile-devices.js';
import { segmentNames, type ProxyMode, type Segment, type Topology } from '../topology/index.js';
import { asServed, clientFqdnOf, issueLabCertificates, issueVariant, ldapCdpUrl } from './certificates.js';
import { contractCrlPathIn, contractUpstreamCrlPathIn, writeContract } from './contract.js';
import { dnsRecords, hostsFile } from './dns-views.js';
import type { Lab, LabDomainController, LabMicrosoftUpdate, MicrosoftUpdateFault, LabCdpHandle, LabCertificateFacts, LabClientCertificate, LabCloudManagementGateway, LabCrlFacts, LabDnsView, LabPkiHandle, LabProgress, LabSiteSystem, PlacedHost } from './lab.js';
import type { MpControlResult } from './mp-control.js';
import type { ClientStation, LabDriver, LabHost } from './driver.js';
import { listLog } from './hosts/log.js';
import { runHost } from './hosts/run-host.js';
import type { Attachment, HostSpec, MicrosoftUpdateBehaviour } from './hosts/spec.js';
import { planLab, type PlannedSiteSystem } from './plan.js';

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
  /** Where the hosts run (default: the embedded driver, in this process on loopback). */
  driver?: LabDriver;
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
    const driver = options.driver ?? embeddedDriver;
    const place = await step('place', driver.name, () => driver.open({ topology, labIndex: options.labIndex ?? 0, runId: options.runId, dir: options.dir, labName: basename(options.dir) }));
    stops.push(() => place.stop());
    const plan = planLab(topology, mode, place.placement);
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

    // Every host is started from its spec by the driver (here, or in a container) and stopped with the lab.
    const labHosts = new Map<string, LabHost>();
    const startHost = (spec: HostSpec) =>
      step('start', spec.name, async () => {
        const host = await place.startHost(spec, runLocalHost);
        labHosts.set(spec.name, host);
        stops.push(() => host.stop());
        return host;
      });
    // A host stands on its segment, and on the intranet too where it has a leg there (plan.ts: intranetAddress).
    const attachedTo = (host: PlacedHost): Attachment[] => [{ segment: host.segment, address: host.address }, ...(host.intranetAddress ? [{ segment: 'intranet' as const, address: host.intranetAddress }] : [])];
    const listenAddresses = (host: PlacedHost): string[] => [host.address, ...(host.intranetAddress ? [host.intranetAddress] : [])];
    const crlFiles = () => pki.allCrls().map((crl) => ({ path: crl.path, derBase64: crl.der.toString('base64') }));

    // CDP: plain HTTP on the internet segment; serves every hierarchy's CRLs as they are now (a
    // revocation or a re-signing is handed to it at once). A check can take it down and bring it back.
    const cdpHost = await startHost({ kind: 'crl-distribution-point', name: cdp.role.name, attach: attachedTo(cdp.host), crls: crlFiles(), servers: listenAddresses(cdp.host).map((host) => ({ host, port: cdp.host.ports.http! })) });
    let cdpRunning = true;

    // Microsoft Update: plain HTTP on the internet; a check can make it fail in each documented way.
    let muFault: MicrosoftUpdateFault | null = null;
    const mu = plan.microsoftUpdate;
    const muHost = mu ? await startHost({ kind: 'microsoft-update', name: mu.role.name, attach: attachedTo(mu.host), servers: listenAddresses(mu.host).map((host) => ({ host, port: mu.host.ports.http! })) }) : undefined;

    // The domain controller beacon: a TCP listener on the LDAP port that notes who connected.
    const dc = plan.domainController;
    const dcHost = dc ? await startHost({ kind: 'domain-controller', name: dc.role.name, attach: attachedTo(dc.host), listen: { host: dc.host.address, port: dc.host.ports.ldap! } }) : undefined;
    const domainControllerHandle: LabDomainController | undefined = dc &&
      dcHost && {
        name: dc.role.name,
        fqdn: dc.role.fqdn,
        address: dc.host.address,
        port: dc.host.ports.ldap!,
        mark: () => dcHost.connections.mark(),
        since: (mark) => dcHost.connections.since(mark),
      };

    // Site systems: HTTPS with the client certificate required and checked against CA + CRL (IIS
    // always checks the CRL for client certificates, W:50); HTTP where the role speaks HTTP.
    const siteSpec = (system: PlannedSiteSystem) => ({ system, topology, siteSystems, certificatePem: certificates.site.get(system.role.name)?.certPem });
    const httpsOwners = new Set<string>();
    await Promise.all(
      siteSystems.map((system) => {
        const certificate = certificates.site.get(system.role.name);
        if (system.services.some((service) => service.service === 'https')) httpsOwners.add(system.role.name);
        return startHost({
          kind: 'site-system',
          name: system.role.name,
          // Where the segments are separate networks, a published site system in direct and forward mode
          // also stands on the internet, at its public address (plan.ts: internetAddress).
          attach: [...attachedTo(system.host), ...(system.internetAddress ? [{ segment: 'internet' as const, address: system.internetAddress }] : [])],
          ...siteSpec(system),
          servers: system.services.flatMap((service) =>
            [...listenAddresses(system.host), ...(system.internetAddress && service.published ? [system.internetAddress] : [])].map((host) => ({
              host,
              port: service.port,
              tls: service.service === 'https' ? { key: certificate!.keyPem, cert: certificate!.chainPem, ca: pki.trustBundlePem, crl: pki.crlPems(), clientCertificate: clientCertificatePolicy(system) } : undefined,
            })),
          ),
        });
      }),
    );

    // Cloud management gateways: on the internet with the cloud CA's certificate, mutual auth against
    // the lab's client PKI (and its CRL), forwarding to their MP's handler (its connection point).
    await Promise.all(
      cloudManagementGateways.map((gateway) => {
        const certificate = certificates.cloudManagementGateways.get(gateway.role.name)!;
        const managementPoint = siteSystems.find((system) => system.role.name === gateway.role.managementPoint);
        if (!managementPoint) throw new LabStartError(`cloud management gateway ${gateway.role.name}: no management point "${gateway.role.managementPoint}"`);
        httpsOwners.add(gateway.role.name);
        return startHost({
          kind: 'cloud-management-gateway',
          name: gateway.role.name,
          attach: attachedTo(gateway.host),
          mpRoleId: gateway.role.mpRoleId,
          managementPoint: siteSpec(managementPoint),
          servers: listenAddresses(gateway.host).map((host) => ({ host, port: gateway.host.ports.https!, tls: { key: certificate.keyPem, cert: certificate.chainPem, ca: pki.trustBundlePem, crl: pki.crlPems(), clientCertificate: 'require' as const } })),
        });
      }),
    );

    // MPs the site makes internet-capable only while the lab runs (LOC-MP-REFRESH): until then their
    // internet names are in no DNS view and in no MP list (the proxy's publishing rule is ready).
    const internetMps = siteSystems.filter((system) => system.role.kind === 'management-point' && system.role.internetFqdn);
    const announcedMps = new Set(internetMps.filter((system) => system.role.kind !== 'management-point' || system.role.internetFromStart !== false).map((system) => system.role.name));
    const unannouncedInternetNames = () => internetMps.filter((system) => !announcedMps.has(system.role.name)).map((system) => system.role.internetFqdn!);

    // Split-horizon DNS: one view per segment, one host standing on all three.
    const dnsHost = await startHost({
      kind: 'dns',
      name: 'dns',
      attach: segmentNames.map((segment) => ({ segment, address: placement.dnsAddress(segment) })),
      views: segmentNames.map((segment) => ({ segment, host: placement.dnsAddress(segment), port: placement.port(53), records: dnsRecords(segment, topology, mode, plan, { unannouncedInternetNames: unannouncedInternetNames() }) })),
    });
    const setDnsRecords = async (dnsOptions: { withoutMicrosoftUpdate?: boolean } = {}) => {
      for (const segment of segmentNames) await dnsHost.control({ op: 'set-records', segment, records: dnsRecords(segment, topology, mode, plan, { ...dnsOptions, unannouncedInternetNames: unannouncedInternetNames() }) });
    };

    // The proxy under test, started from its contract exactly as a vendor's would be.
    let contract: ProxyContract | null = null;
    let proxy: StartedProxy | undefined;
    if (plan.proxy && options.proxy && mode !== 'direct') {
      // Quirk `internet-only-through-web-proxy`: only the web proxy resolves internet names (it stands where the dmz view answers).
      const resolverSegment: Segment = mode === 'forward' && !topology.quirks.includes('internet-only-through-web-proxy') ? 'internet' : 'dmz';
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
      const proxyHost = plan.proxy;
      // Bridge/tunnel: on the dmz, and on the internet at every published address; forward: on the internet.
      const attach: Attachment[] = [{ segment: proxyHost.segment, address: proxyHost.address }, ...siteSystems.flatMap((system) => (system.publishedAddress ? [{ segment: 'internet' as const, address: system.publishedAddress }] : []))];
      proxy = await step('start', `proxy (${options.proxy.name}, ${mode})`, () => place.startProxy(options.proxy!, contract!, attach));
      const running = proxy;
      stops.push(() => running.close());
    }

    // A revocation while the lab runs: the site systems are restarted with the new CRL (IIS reads a
    // new CRL; a Node TLS server takes its `crl` at start), the CDP serves it, the contract's CRL file
    // is rewritten (a proxy that re-reads it sees the change; one that read it once at start does not).
    const afterRevocation = async () => {
      if (contract) writeFileSync(contractCrlPathIn(options.dir), pki.crlPem());
      if (contract?.mode === 'bridge') writeFileSync(contractUpstreamCrlPathIn(options.dir), pki.crlPem());
      await cdpHost.control({ op: 'set-crl-files', crls: crlFiles() });
      for (const owner of httpsOwners) await labHosts.get(owner)!.control({ op: 'set-crls', crl: pki.crlPems() });
    };
    const publishCrlFiles = () => cdpHost.control({ op: 'set-crl-files', crls: crlFiles() });
    const cdpUrls = pkiOptions.cdp === 'ldap-only' ? [ldapCdpUrl(topology, 'IBCM Lab Issuing CA', cdp.role.name)] : undefined;
    let issuedOnRequest = 0;
    const pkiHandle: LabPkiHandle = {
      options: pkiOptions,
      get clock() {
        return pki.clock;
      },
      async roots() {
        const [untrusted, cloud] = await Promise.all([pki.untrusted(), pki.cloud()]);
        await publishCrlFiles();
        return { lab: pki.rootCaPem, untrusted: untrusted.rootCaPem, cloud: cloud.rootCaPem };
      },
      async issueClientCertificate({ variant, client: clientName, subject }) {
        const client = clientName ? topology.clients.find((candidate) => candidate.name === clientName) : topology.clients[0];
        if (!client) throw new Error(`no client "${clientName}" in this topology`);
        const fqdn = clientFqdn(client.computerName);
        // A mobile device's or a user's certificate is named for it, not for a computer.
        const named = subject?.kind === 'device' ? { subjectCn: `${subject.name}.${ENROLLED_DEVICE_LABEL}.${topology.domains.intranet}`, dnsNames: [`${subject.name}.${ENROLLED_DEVICE_LABEL}.${topology.domains.intranet}`] } : subject?.kind === 'user' ? { subjectCn: subject.name, dnsNames: [] } : { subjectCn: fqdn, dnsNames: [fqdn] };
        const issued = await issueVariant(pki, 'workstation-client', { name: `${subject?.name.replace(/[^A-Za-z0-9-]/g, '-') ?? client.name}-${variant}-${++issuedOnRequest}`, ...named }, variant, { cdpUrls });
        if (variant === 'revoked') await afterRevocation();
        else await publishCrlFiles();
        return clientCertificateOf(issued, variant);
      },
      revokedAtStart: clientCertificateOf(certificates.revokedClient, 'revoked'),
      async serveSiteCertificate(variant, serveOptions = {}) {
        const system = serveOptions.siteSystem ? siteSystems.find((candidate) => candidate.role.name === serveOptions.siteSystem) : siteSystems.find((candidate) => candidate.role.kind === 'management-point');
        const original = system && certificates.site.get(system.role.name);
        if (!system || !original) throw new Error(`no HTTPS site system "${serveOptions.siteSystem ?? 'management-point'}" in this lab`);
        const role = system.role;
        const issued = await asServed(pki, topology, await issueVariant(pki, 'site-system-web-server', { name: `${role.name}-${variant}-${++issuedOnRequest}`, subjectCn: role.internetFqdn ?? role.intranetFqdn, dnsNames: [...(role.internetFqdn ? [role.internetFqdn] : []), role.intranetFqdn] }, variant, { intranetNames: [role.intranetFqdn], cdpUrls }));
        if (variant === 'revoked') await afterRevocation();
        else await publishCrlFiles();
        const host = labHosts.get(role.name)!;
        await host.control({ op: 'set-tls', key: issued.keyPem, cert: issued.chainPem });
        return { certificate: facts(issued, variant), restore: async () => void (await host.control({ op: 'set-tls', key: original.keyPem, cert: original.chainPem })) };
      },
      async revoke(serialNumber) {
        await pki.revoke(serialNumber, 'keyCompromise');
        await afterRevocation();
      },
      async publishCrls(publishOptions = {}) {
        const stale = publishOptions.staleByHours;
        if (stale !== undefined && !(stale > 0)) throw new Error(`staleByHours must be > 0, got ${stale}`);
        await pki.publishCrls({ at: stale ? new Date(pki.clock.getTime() - (pkiOptions.crlValidityHours + stale) * HOUR) : undefined });
        await publishCrlFiles();
        return crlFacts(pki);
      },
      crls: () => crlFacts(pki),
    };
    const cdpHandle: LabCdpHandle = {
      name: cdp.role.name,
      fqdn: cdp.role.fqdn,
      urls: pki.crls().map((crl) => crl.url),
      get running() {
        return cdpRunning;
      },
      async stop() {
        await cdpHost.control({ op: 'stop-listening' });
        cdpRunning = false;
      },
      async start() {
        await cdpHost.control({ op: 'listen' });
        cdpRunning = true;
      },
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
        await setDnsRecords();
        muFault = fault;
        const set = async (behaviour: MicrosoftUpdateBehaviour, listen: 'normal' | 'none' | 'blackhole' = 'normal') => void (await muHost!.control({ op: 'set-microsoft-update', behaviour, listen }));
        switch (fault) {
          case null:
            return set({ kind: 'normal' });
          case 'unresolvable':
            await setDnsRecords({ withoutMicrosoftUpdate: true });
            return set({ kind: 'normal' });
          case 'refused':
            return set({ kind: 'normal' }, 'none'); // nothing listens
          case 'http-error':
            return set({ kind: 'http-error', status: faultOptions.status ?? 503 });
          case 'timeout':
            return set({ kind: 'hold', holdMs: faultOptions.holdMs ?? 3000 });
          case 'block-page':
            return set({ kind: 'block-page' });
          case 'blocked':
            // A filter in the path that drops the connection without a word: accepted, then reset.
            return set({ kind: 'normal' }, 'blackhole');
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
      ...(system.internetAddress ? { internetAddress: system.internetAddress } : {}),
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
    // A client's address on a segment, made once per client and segment by `make`.
    const oncePerClientAndSegment = (make: (segment: Segment) => string) => {
      const made = new Map<string, string>();
      return (clientName: string, segment: Segment): string => {
        const key = `${clientName}@${segment}`;
        if (!made.has(key)) made.set(key, make(segment));
        return made.get(key)!;
      };
    };
    // A client moved to another segment gets an address there; its station (docker) one of its own.
    const addressOn = oncePerClientAndSegment((segment) => place.clientAddress(segment));
    const stationAddressOn = oncePerClientAndSegment((segment) => placement.allocate(segment));
    // Client stations (docker): one per client, started at its first move, then moved between networks.
    const stations = new Map<string, ClientStation>();
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
      async addInternetManagementPoint(name: string) {
        const system = internetMps.find((candidate) => candidate.role.name === name);
        if (!system) throw new Error(`no internet-capable management point "${name}" in this lab`);
        if (announcedMps.has(name)) throw new Error(`management point "${name}" is already internet-capable`);
        const announce = async () => {
          for (const mp of siteSystems.filter((candidate) => candidate.role.kind === 'management-point')) await labHosts.get(mp.role.name)!.control({ op: 'set-internet-management-points', names: [...announcedMps] });
          await setDnsRecords();
        };
        announcedMps.add(name);
        await announce();
        return {
          remove: async () => {
            announcedMps.delete(name);
            await announce();
          },
        };
      },
      async takeDown(name: string) {
        const host = labHosts.get(name);
        if (!host || host === dnsHost || host === dcHost) throw new Error(`no site system "${name}" in this lab`);
        await host.control({ op: 'stop-listening' });
        return { restore: async () => void (await host.control({ op: 'listen' })) };
      },
      mpControl(controlOptions = {}) {
        const system = siteSystems.find((candidate) => candidate.role.kind === 'management-point' && (!controlOptions.managementPoint || candidate.role.name === controlOptions.managementPoint));
        if (!system) throw new Error(`no management point "${controlOptions.managementPoint ?? ''}" in this lab`);
        const own = certificates.managementPointClients.get(system.role.name)!;
        // On the MP's own host (in its container on the docker driver), never through the proxy.
        return labHosts.get(system.role.name)!.control({
          op: 'mp-control',
          target: { managementPoint: system.role.name, fromAddress: system.host.address, host: system.host.address, port: system.host.ports.https!, serverName: system.role.intranetFqdn, siteCode: topology.site.code, caPem: pki.trustBundlePem },
          // Quirk `site-system-lacks-client-certificate`: issued, but not in the site system's store.
          certificate: controlOptions.certificate === 'none' || topology.quirks.includes('site-system-lacks-client-certificate') ? null : { keyPem: own.keyPem, chainPem: own.chainPem, subject: own.subject, serialNumber: own.serialNumber },
        }) as Promise<MpControlResult>;
      },
      dns(segment: Segment): LabDnsView {
        const log = dnsHost.dnsLog(segment);
        return { segment, host: placement.dnsAddress(segment), port: placement.port(53), queries: () => log.entries(), mark: () => log.mark(), since: (mark) => log.since(mark) };
      },
      journal(host: string): JournalReader {
        const found = labHosts.get(host);
        if (!found || found === dnsHost || found === dcHost) throw new Error(`no site system "${host}" in this lab (have ${[...labHosts.keys()].filter((name) => name !== 'dns' && name !== dc?.role.name).join(', ')})`);
        return found.journal;
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
          // Quirk `clients-installed-without-crl-check`: every client installed with /NoCRLCheck.
          install: { ...client.install, ...(topology.quirks.includes('clients-installed-without-crl-check') ? { NoCRLCheck: true } : {}), CCMHTTPSPORT: mp.host.ports.https!, CCMHTTPPORT: placement.port(80) },
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
      async moveClient(name: string | undefined, segment: Segment): Promise<ClientProfile> {
        const profile = lab.clientProfile(name, { segment });
        if (!place.startClientStation) return profile;
        const address = stationAddressOn(profile.name, segment);
        let station = stations.get(profile.name);
        if (station) await station.move(segment, address);
        else {
          station = await place.startClientStation(profile.name, segment, address);
          stations.set(profile.name, station);
        }
        return { ...profile, localAddress: address, station: { socketPath: station.socketPath } };
      },
      stop: stopAll,
    };
    writeFileSync(join(options.dir, 'lab.json'), JSON.stringify({ runId: options.runId, driver: driver.name, mode, proxy: lab.proxyName, pki: pkiOptions, hosts, siteSystems: labSiteSystems, cloudManagementGateways: labGateways, certificates: certificateFacts, crlUrls: lab.crlUrls, startupMs }, null, 2));
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

/** The embedded way to run a host: right here; also what `ibcm-lab host` does inside a container. */
async function runLocalHost(spec: HostSpec): Promise<LabHost> {
  const host = await runHost(spec);
  return {
    name: host.name,
    journal: host.journal,
    dnsLog(segment) {
      const server = host.dns.get(segment);
      if (!server) throw new Error(`host ${spec.name} has no DNS view for ${segment}`);
      return { entries: () => server.queries(), mark: () => server.mark(), since: (mark) => server.since(mark) };
    },
    connections: listLog(host.connections),
    control: (command) => host.control(command),
    stop: () => host.stop(),
  };
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
    issuer: { ...certificate.issuer },
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
