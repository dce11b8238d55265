// Writes the proxy contract for the proxy under test: one listener per published service of every
// internet-facing site system (bridge, tunnel), or a forward proxy (forward), plus everything the
// proxy needs to do it: certificates, CA bundle, CRLs, a resolver and a hosts file, a log dir.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IssuedCertificate, Pkcs12Export } from '../pki/index.js';
import { PROXY_CONTRACT_VERSION, type ProxyContract } from '../proxies/index.js';
import type { LabPlan } from './plan.js';

export interface ContractInputs {
  runId: string;
  mode: 'bridge' | 'tunnel' | 'forward';
  dir: string;
  plan: LabPlan;
  trustBundlePath: string;
  crlPem: string;
  crlUrls: string[];
  resolver: { host: string; port: number; hostsFileText: string };
  proxyServer?: IssuedCertificate;
  proxyClient?: IssuedCertificate;
  /** PKCS#12 of the proxy's certificates (key + leaf + chain), for appliances that import only PKCS#12. */
  pkcs12?: { proxyServer: Pkcs12Export; proxyClient: Pkcs12Export };
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
  const proxy = input.plan.proxy!;
  const contract: ProxyContract = {
    contractVersion: PROXY_CONTRACT_VERSION,
    runId: input.runId,
    mode: input.mode,
    listeners:
      input.mode === 'forward'
        ? []
        : input.plan.siteSystems.flatMap((system) =>
            (system.withoutPublishingRule ? [] : system.services)
              .filter((service) => service.published)
              .map((service) => ({
                name: `${system.role.name}-${service.service}`,
                role: system.role.kind,
                publicName: system.role.internetFqdn!,
                bind: { host: system.publishedAddress!, port: service.port },
                scheme: service.service,
                tls: bridge && service.service === 'https' && input.proxyServer ? keyPair(input.proxyServer, input.pkcs12?.proxyServer) : undefined,
                upstream: {
                  host: system.host.address,
                  port: service.port,
                  scheme: service.service,
                  serverName: system.role.internetFqdn!,
                  caBundle: input.trustBundlePath,
                  clientCertificate: bridge && service.service === 'https' && input.proxyClient ? keyPair(input.proxyClient, input.pkcs12?.proxyClient) : undefined,
                  ...(bridge && service.service === 'https' ? { crl: upstreamCrlPath, crlUrls: input.crlUrls } : {}),
                },
              })),
          ),
    forwardProxy:
      input.mode === 'forward'
        ? {
            bind: { host: proxy.address, port: proxy.forwardPort! },
            // The published site systems, the CDP (clients fetch CRLs through their web proxy, W:50), Microsoft Update (W:42) and any CMG.
            allowedPorts: [
              ...new Set([
                ...input.plan.siteSystems.flatMap((system) => system.services.filter((service) => service.published).map((service) => service.port)),
                input.plan.cdp.host.ports.http!,
                ...(input.plan.microsoftUpdate ? [input.plan.microsoftUpdate.host.ports.http!] : []),
                ...input.plan.cloudManagementGateways.map((gateway) => gateway.host.ports.https!),
              ]),
            ],
          }
        : undefined,
    egress: { host: proxy.address },
    resolver: { host: input.resolver.host, port: input.resolver.port, hostsFile: hostsPath },
    clientAuthentication: bridge ? { required: true, caBundle: input.trustBundlePath, crl: crlPath, crlUrls: input.crlUrls } : undefined,
    logs: { dir: logs },
  };
  writeFileSync(contractPathIn(input.dir), JSON.stringify(contract, null, 2));
  return contract;
}
