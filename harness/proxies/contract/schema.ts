// The proxy contract (DESIGN.md): what the lab hands any proxy — ours, nginx, HAProxy, a vendor's
// appliance. A versioned JSON document; the TypeScript type and the published JSON Schema are
// both generated from this one zod schema. Paths are absolute files in the run directory.
import { z } from 'zod';

export const PROXY_CONTRACT_VERSION = '1.0';

const endpoint = z.object({ host: z.string().describe('IPv4 address'), port: z.number().int().min(1).max(65535) }).strict();
const keyPair = z
  .object({
    certificate: z.string().describe('PEM file: the leaf certificate'),
    key: z.string().describe('PEM file: its private key (PKCS#8, mode 0600)'),
    chain: z.string().describe('PEM file: leaf followed by the issuing CA'),
  })
  .strict();

export const ProxyListener = z
  .object({
    name: z.string().describe('the site-system host this listener publishes, e.g. mp1'),
    publicName: z.string().describe('the internet FQDN clients use and (bridge) the proxy\'s server certificate carries'),
    bind: endpoint.describe('where to listen (the address the internet DNS view gives for publicName)'),
    scheme: z.enum(['https', 'http']),
    tls: keyPair.optional().describe('bridge: the server certificate to present to clients'),
    upstream: z
      .object({
        host: z.string(),
        port: z.number().int().min(1).max(65535),
        scheme: z.enum(['https', 'http']),
        serverName: z.string().describe('TLS server name (SNI) and the name the site system\'s certificate carries'),
        caBundle: z.string().describe('PEM file: roots to verify the site system\'s certificate'),
        clientCertificate: keyPair.optional().describe('bridge: the client certificate to present to the site system'),
      })
      .strict(),
  })
  .strict();

export const ProxyContract = z
  .object({
    contractVersion: z.literal(PROXY_CONTRACT_VERSION),
    runId: z.string(),
    mode: z.enum(['bridge', 'tunnel', 'forward']),
    listeners: z.array(ProxyListener).min(1),
    egress: z.object({ host: z.string().describe('source address for upstream connections (the proxy\'s DMZ side)') }).strict().optional(),
    clientAuthentication: z
      .object({
        required: z.boolean(),
        caBundle: z.string().describe('PEM file: roots a client certificate must chain to'),
        crl: z.string().describe('PEM file: current CRLs of the lab CA (root and issuing)'),
        crlUrls: z.array(z.string()).describe('where the CRLs are published (HTTP CDP)'),
      })
      .strict()
      .optional()
      .describe('bridge: how to authenticate clients'),
    logs: z.object({ dir: z.string().describe('a directory the proxy may write its logs to; kept as evidence') }).strict(),
  })
  .strict();

export type ProxyContract = z.infer<typeof ProxyContract>;
export type ProxyListener = z.infer<typeof ProxyListener>;
