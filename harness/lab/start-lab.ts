// Brings up a whole IBCM world: PKI with CRL (and the certificate variants the topology's `pki:`
// section asks for), every host of the plan started through the driver (the CDP, Microsoft Update,
// the DC beacon, the site systems, CMGs, split-horizon DNS), the proxy under test from its contract,
// and the Lab handle over them. Each piece lives in a file of its own; this only orders them.
// Everything started is registered for teardown first, so a failure half-way leaves nothing.
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { embeddedDriver } from '../drivers/embedded/driver.js';
import { LabStartError } from '../errors.js';
import type { LabDriver, LabHost } from '../hosts/driver.js';
import { runLocalHost } from '../hosts/local.js';
import type { HostSpec } from '../hosts/spec.js';
import { caKeysDirOf, lastingApplianceCertificates } from '../appliance/state.js';
import { LabPki } from '../pki/index.js';
import type { ProxyImplementation } from '../proxies/index.js';
import type { ProxyMode, Topology } from '../topology/index.js';
import { issueLabCertificates } from './certificates.js';
import { clientProfiles } from './client-profiles.js';
import {
  factLookups,
  labCertificateFacts,
  labGatewaysOf,
  labSiteSystemsOf,
  placedHostsOf,
  placementFactsOf,
  writeLabFacts,
} from './facts.js';
import type { Lab, LabProgress } from './lab.js';
import { startLabHosts } from './lab-hosts.js';
import { labPkiHandle } from './pki-handle.js';
import { planLab } from './plan.js';
import { startProxyUnderTest, type ProxyUnderTest } from './proxy-start.js';
import { siteControl } from './site-control.js';
import { SiteDns } from './site-dns.js';
import { startSteps } from './steps.js';

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
  const { mode, runId, dir } = options;
  const implementation = proxyUnderTestFor(mode, options.proxy);
  const appliance = implementation?.appliance;
  const topology = appliance ? forAppliance(options.topology) : options.topology;
  const steps = startSteps(options.onProgress ?? (() => undefined));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const driver = options.driver ?? embeddedDriver;
    const place = await steps.step('place', driver.name, () =>
      driver.open({ topology, labIndex: options.labIndex ?? 0, runId, dir, labName: basename(dir) }),
    );
    steps.onStop(() => place.stop());
    const plan = planLab(topology, mode, place.placement, appliance);
    const hosts = placedHostsOf(plan);

    // PKI: every certificate the world needs, in parallel, in the variants the topology asks for.
    const pkiOptions = topology.pki;
    const cdpBaseUrl = `http://${plan.cdp.role.fqdn}:${plan.cdp.host.ports.http}`;
    const clock = new Date(Date.now() + pkiOptions.clockOffsetHours * HOUR);
    const pki = await steps.step('pki', 'ca', () =>
      LabPki.create({
        dir: join(dir, 'pki'),
        cdpBaseUrl,
        clock,
        crlValidityHours: pkiOptions.crlValidityHours,
        caKeysDir: appliance && caKeysDirOf(appliance.stateDir),
      }),
    );
    // PKCS#12 (slow: node-forge's PBE) only for a proxy the lab did not write, which may import nothing else.
    const pkcs12 = implementation?.kind === 'external' || implementation?.kind === 'appliance';
    let certificates = await steps.step('pki', 'certificates', () => issueLabCertificates(pki, topology, mode, plan, { pkcs12 }));
    // An appliance keeps what it was configured with: its certificates and CA bundle last between runs.
    const lasting =
      appliance && lastingApplianceCertificates(appliance.stateDir, { caBundlePath: pki.trustBundlePath, ...certificates }, clock);
    if (lasting)
      certificates = { ...certificates, proxyServer: lasting.proxyServer, proxyClient: lasting.proxyClient, pkcs12: lasting.pkcs12 };
    const cloudRootPem = plan.cloudManagementGateways.length > 0 ? (await pki.cloud()).rootCaPem : undefined;

    // Every host is started from its spec by the driver (here, or in a container) and stopped with the lab.
    const startHost = (spec: HostSpec) =>
      steps.step('start', spec.name, async (): Promise<LabHost> => {
        const host = await place.startHost(spec, runLocalHost);
        steps.onStop(() => host.stop());
        return host;
      });
    const siteDns = new SiteDns(topology, mode, plan);
    const labHosts = await startLabHosts(startHost, { topology, plan, pki, certificates, siteDns });
    let underTest: ProxyUnderTest | undefined;
    if (plan.proxy && implementation && mode !== 'direct') {
      underTest = await startProxyUnderTest(
        place,
        implementation,
        { topology, mode, runId, dir, plan, pki, certificates, caBundlePath: lasting?.caBundlePath, applianceMaterial: lasting },
        steps,
      );
    }

    const siteSystems = labSiteSystemsOf(plan);
    const cloudManagementGateways = labGatewaysOf(plan);
    const lab: Lab = {
      runId,
      mode,
      proxyName: mode === 'direct' ? null : (implementation?.name ?? null),
      topology,
      dir,
      hosts,
      siteSystems,
      cloudManagementGateways,
      certificates: labCertificateFacts(certificates),
      trustBundlePem: pki.trustBundlePem,
      crlUrls: pki.crls().map((crl) => crl.url),
      proxyContract: underTest?.contract ?? null,
      worksheet: underTest?.worksheet,
      startupMs: Date.now() - started,
      pki: labPkiHandle({ topology, plan, dir, pki, certificates, hosts: labHosts, contract: underTest?.contract ?? null }),
      cdp: labHosts.cdp,
      microsoftUpdate: labHosts.microsoftUpdate,
      domainController: labHosts.domainController,
      ...siteControl({ topology, plan, pki, certificates, hosts: labHosts, siteDns }),
      ...clientProfiles({
        topology,
        mode,
        plan,
        place,
        pki,
        certificates,
        gateways: cloudManagementGateways,
        microsoftUpdate: labHosts.microsoftUpdate,
        cloudRootPem,
      }),
      dns: (segment) => labHosts.dns.view(segment),
      ...factLookups(hosts, siteSystems),
      proxyLog: () => underTest?.proxy.log() ?? [],
      stop: () => steps.stopAll(),
    };
    writeLabFacts(lab, driver.name, placementFactsOf(plan));
    return lab;
  } catch (error) {
    await steps.stopAll();
    if (error instanceof LabStartError) throw error;
    throw new LabStartError(`the lab could not start: ${(error as Error).message}`);
  }
}

/**
 * Appliance mode binds the appliance's upstreams on the real ports (443, 80…) when it may (as root),
 * so the worksheet reads as a real site's; otherwise at the topology's documented offset (20000).
 */
function forAppliance(topology: Topology): Topology {
  if (process.getuid?.() !== 0) return topology;
  return { ...topology, drivers: { ...topology.drivers, embedded: { ...topology.drivers.embedded, portOffset: 0 } } };
}

/** The proxy under test for a mode: none in direct mode; otherwise one that offers the mode. */
function proxyUnderTestFor(mode: ProxyMode, proxy: ProxyImplementation | undefined): ProxyImplementation | undefined {
  if (mode === 'direct') return undefined;
  if (!proxy) throw new LabStartError(`mode ${mode} needs a proxy`);
  if (!proxy.modes.includes(mode))
    throw new LabStartError(`proxy "${proxy.name}" has no ${mode} mode (it offers ${proxy.modes.join(', ')})`);
  return proxy;
}
