// The proxy under test, started from its contract exactly as a vendor's would be: the contract is
// written from the plan and the lab PKI (contract.ts), and the driver starts the proxy where its
// holder stands (harness/hosts/proxy-holder).
import type { DriverLab } from '../hosts/driver.js';
import { proxyHolderSpec } from '../hosts/proxy-holder/spec.js';
import { startProxyHolder } from '../hosts/proxy-holder/start.js';
import type { LabPki } from '../pki/index.js';
import type { ProxyContract, ProxyImplementation, StartedProxy } from '../proxies/index.js';
import type { ProxyMode, Segment, Topology } from '../topology/index.js';
import type { LabCertificates } from './certificates.js';
import { writeApplianceWorksheet, type ApplianceWorksheet } from './appliance-worksheet.js';
import { proxyFacingOf, writeContract } from './contract.js';
import { dnsRecords, hostsFile } from './dns-views.js';
import type { LabPlan } from './plan.js';
import type { StartSteps } from './steps.js';

export interface ProxyUnderTest {
  contract: ProxyContract;
  proxy: StartedProxy;
  /** Appliance mode: the publishing worksheet written from the contract. */
  worksheet?: ApplianceWorksheet;
}

export interface ProxyStartInputs {
  topology: Topology;
  mode: Exclude<ProxyMode, 'direct'>;
  runId: string;
  dir: string;
  plan: LabPlan;
  pki: LabPki;
  certificates: LabCertificates;
  /** Appliance mode: the CA bundle the appliance was configured with (kept between runs); default this run's. */
  caBundlePath?: string;
  /** Appliance mode: when its lasting material was made, and whether just now (the worksheet shows the password once). */
  applianceMaterial?: { madeAt: Date; made: boolean };
}

export async function startProxyUnderTest(
  place: DriverLab,
  implementation: ProxyImplementation,
  inputs: ProxyStartInputs,
  steps: StartSteps,
): Promise<ProxyUnderTest> {
  const { topology, mode, plan, pki, certificates } = inputs;
  const proxyHost = plan.proxy!;
  // Quirk `internet-only-through-web-proxy`: only the web proxy resolves internet names (it stands where the dmz view answers).
  const resolverSegment: Segment = mode === 'forward' && !topology.quirks.includes('internet-only-through-web-proxy') ? 'internet' : 'dmz';
  const contract = writeContract({
    runId: inputs.runId,
    mode,
    dir: inputs.dir,
    facing: proxyFacingOf(plan, mode),
    trustBundlePath: inputs.caBundlePath ?? pki.trustBundlePath,
    crlPem: pki.crlPem(),
    crlUrls: pki.crls().map((crl) => crl.url),
    resolver: {
      host: plan.placement.dnsAddress(resolverSegment),
      port: plan.placement.port(53),
      hostsFileText: hostsFile(dnsRecords(resolverSegment, topology, mode, plan)),
    },
    proxyServer: certificates.proxyServer,
    proxyClient: certificates.proxyClient,
    pkcs12: certificates.pkcs12,
  });
  for (const listener of contract.listeners) proxyHost.ports[listener.name] = listener.bind.port;
  const appliance = implementation.appliance;
  const worksheet =
    appliance &&
    writeApplianceWorksheet(inputs.dir, contract, appliance, {
      topologyName: topology.name,
      ...(inputs.applianceMaterial ?? { madeAt: new Date(), made: false }),
    });
  const spec = proxyHolderSpec(proxyHost, plan.siteSystems);
  const proxy = await steps.step('start', `proxy (${implementation.name}, ${mode})`, () =>
    startProxyHolder(place, implementation, contract, spec),
  );
  steps.onStop(() => proxy.close());
  return { contract, proxy, worksheet };
}
