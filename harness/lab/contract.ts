// Writes the proxy contract for the proxy under test: one listener per published service of every
// internet-facing site system (bridge, tunnel), or a forward proxy (forward), plus everything the
// proxy needs to do it: certificates, CA bundle, CRLs, a resolver and a hosts file, a log dir.
// What the proxy faces comes from the lab's plan (proxyFacingOf) or, in the proxy adapter tests'
// small world, from that world's own servers: both write the contract the same way, here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IssuedCertificate, Pkcs12Export } from '../pki/index.js';
import { PROXY_CONTRACT_VERSION, type ProxyContract } from '../proxies/index.js';
import type { LabPlan } from './plan.js';

/** One service the proxy publishes: where it listens, and the site system behind it. */
export interface PublishedService {
  /** The listener's name (`<site system>-<scheme>`). */
  name: string;
  role: string;
  publicName: string;
  scheme: 'https' | 'http';
  bind: { host: string; port: number };
  upstream: { host: string; port: number };
}

/** What the proxy faces: the services it publishes (bridge, tunnel), or what it forwards to (forward), and where it leaves from. */
export interface ProxyFacing {
  published: PublishedService[];
  forward?: { bind: { host: string; port: number }; allowedPorts: number[] };
  egress: string;
}

export interface ContractInputs {
  runId: string;
  mode: 'bridge' | 'tunnel' | 'forward';
  dir: string;
  facing: ProxyFacing;
  trustBundlePath: string;
  crlPem: string;
  crlUrls: string[];
  resolver: { host: string; port: number; hostsFileText: string };
  proxyServer?: IssuedCertificate;
  proxyClient?: IssuedCertificate;
  /** PKCS#12 of the proxy's certificates (key + leaf + chain), for appliances that import only PKCS#12. */
  pkcs12?: { proxyServer: Pkcs12Export; proxyClient: Pkcs12Export };
}

/** What the planned proxy faces: one listener per published service of every internet-facing site system, or the forward proxy. */
export function proxyFacingOf(plan: LabPlan, mode: ContractInputs['mode']): ProxyFacing {
  const proxy = plan.proxy!;
  const published = plan.siteSystems.flatMap((system) =>
    (system.withoutPublishingRule ? [] : system.services)
      .filter((service) => service.published)
      .map((service) => ({
        name: `${system.role.name}-${service.service}`,
        role: system.role.kind,
        publicName: system.role.internetFqdn!,
        scheme: service.service,
        bind: { host: system.publishedAddress!, port: service.port },
        // Appliance mode: the upstream is the site system's leg on the lab's listen address (appliance-plan.ts).
        upstream: system.host.applianceLeg
          ? { host: system.host.applianceLeg.address, port: system.host.applianceLeg.ports[service.service]! }
          : { host: system.host.address, port: service.port },
      })),
  );
  // The published site systems, the CDP (clients fetch CRLs through their web proxy, W:50), Microsoft Update (W:42) and any CMG.
  const allowedPorts = [
    ...plan.siteSystems.flatMap((system) => system.services.filter((service) => service.published).map((service) => service.port)),
    plan.cdp.host.ports.http!,
    ...(plan.microsoftUpdate ? [plan.microsoftUpdate.host.ports.http!] : []),
    ...plan.cloudManagementGateways.map((gateway) => gateway.host.ports.https!),
  ];
  return {
    published: mode === 'forward' ? [] : published,
    forward:
      mode === 'forward'
        ? { bind: { host: proxy.address, port: proxy.forwardPort! }, allowedPorts: [...new Set(allowedPorts)] }
        : undefined,
    egress: proxy.address,
  };
}

/** Where the contract's CRL file is: the lab rewrites it when it revokes a certificate while running. */
export function contractCrlPathIn(dir: string): string {
  return join(dir, 'proxy', 'client-auth-crl.pem');
}

/** Where the contract's upstream CRL file is (bridge mode): rewritten with the client-auth one. */
export function contractUpstreamCrlPathIn(dir: string): string {
  return join(dir, 'proxy', 'upstream-crl.pem');
}

export function contractPathIn(dir: string): string {
  return join(dir, 'proxy', 'contract.json');
}

export function writeContract(input: ContractInputs): ProxyContract {
  const dir = join(input.dir, 'proxy');
  const logs = join(dir, 'logs');
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  const crlPath = contractCrlPathIn(input.dir);
  writeFileSync(crlPath, input.crlPem);
  const bridge = input.mode === 'bridge';
  // The site systems' certificates come from the same lab CA as the clients': the same CRLs, in a file
  // of its own so the upstream leg's revocation material is named where the upstream is.
  const upstreamCrlPath = contractUpstreamCrlPathIn(input.dir);
  if (bridge) writeFileSync(upstreamCrlPath, input.crlPem);
  const hostsPath = join(dir, 'hosts');
  writeFileSync(hostsPath, input.resolver.hostsFileText);
  const keyPair = (certificate: IssuedCertificate, pkcs12?: Pkcs12Export) => ({
    certificate: certificate.certPath,
    key: certificate.keyPath,
    chain: certificate.chainPath,
    ...(pkcs12 ? { pkcs12: pkcs12.path, pkcs12Password: pkcs12.password } : {}),
  });
  const { facing } = input;
  const contract: ProxyContract = {
    contractVersion: PROXY_CONTRACT_VERSION,
    runId: input.runId,
    mode: input.mode,
    listeners: facing.published.map((service) => ({
      name: service.name,
      role: service.role,
      publicName: service.publicName,
      bind: service.bind,
      scheme: service.scheme,
      tls: bridge && service.scheme === 'https' && input.proxyServer ? keyPair(input.proxyServer, input.pkcs12?.proxyServer) : undefined,
      upstream: {
        ...service.upstream,
        scheme: service.scheme,
        serverName: service.publicName,
        caBundle: input.trustBundlePath,
        clientCertificate:
          bridge && service.scheme === 'https' && input.proxyClient ? keyPair(input.proxyClient, input.pkcs12?.proxyClient) : undefined,
        ...(bridge && service.scheme === 'https' ? { crl: upstreamCrlPath, crlUrls: input.crlUrls } : {}),
      },
    })),
    forwardProxy: facing.forward,
    egress: { host: facing.egress },
    resolver: { host: input.resolver.host, port: input.resolver.port, hostsFile: hostsPath },
    clientAuthentication: bridge ? { required: true, caBundle: input.trustBundlePath, crl: crlPath, crlUrls: input.crlUrls } : undefined,
    logs: { dir: logs },
  };
  writeFileSync(contractPathIn(input.dir), JSON.stringify(contract, null, 2));
  return contract;
}
