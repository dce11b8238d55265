// The proxy contract (DESIGN.md): what the lab hands any proxy — ours, nginx, HAProxy, Squid, a
// vendor's appliance. A versioned JSON document (`contract.json`, found through the environment
// variable IBCM_PROXY_CONTRACT); the TypeScript type and the published JSON Schema are both
// generated from this one zod schema. Every path is an absolute file in the run directory.
import { z } from 'zod';

export const PROXY_CONTRACT_VERSION = '1.1';
export const PROXY_CONTRACT_ENV = 'IBCM_PROXY_CONTRACT';

const port = z.number().int().min(1).max(65535);
const endpoint = z.object({ host: z.string().describe('IPv4 address'), port }).strict();
const keyPair = z
  .object({
    certificate: z.string().describe('PEM file: the leaf certificate'),
    key: z.string().describe('PEM file: its private key (PKCS#8, mode 0600)'),
    chain: z.string().describe('PEM file: the leaf followed by the issuing CA'),
    pkcs12: z
      .string()
      .optional()
      .describe('PKCS#12 file with key, leaf and chain (password in pkcs12Password), for appliances that import only PKCS#12'),
    pkcs12Password: z.string().optional(),
  })
  .strict();

export const ProxyListener = z
  .object({
    name: z.string().describe('a unique name for this listener, e.g. mp1-https'),
    role: z
      .string()
      .describe(
        'the site-system role behind it: management-point, distribution-point, fallback-status-point, application-catalog, software-update-point, enrollment-proxy-point, policy-module',
      ),
    publicName: z.string().describe('the internet FQDN clients use for this site system'),
    bind: endpoint.describe('where to listen: the address the internet DNS view gives for publicName, and the published port'),
    scheme: z.enum(['https', 'http']).describe('what clients speak to this listener'),
    tls: keyPair
      .optional()
      .describe('bridge mode, https listeners: the server certificate to present (its SAN carries every published name)'),
    upstream: z
      .object({
        host: z.string().describe("the site system's address (DMZ)"),
        port,
        scheme: z
          .enum(['https', 'http'])
          .describe("always the same as the listener's: bridging HTTPS to HTTP or back is not supported by Configuration Manager"),
        serverName: z.string().describe("TLS server name (SNI) to send, and a name the site system's certificate carries"),
        caBundle: z.string().describe("PEM file: roots that verify the site system's certificate"),
        clientCertificate: keyPair.optional().describe('bridge mode, https: the client certificate to present to the site system'),
        // 1.1: the upstream leg's revocation material (a bridge checks the site system's chain as it checks a client's).
        crl: z
          .string()
          .optional()
          .describe(
            "bridge mode, https (since 1.1): PEM file with the current CRLs of every CA in the site system's chain — the root's (which lists revoked issuing CAs) and each issuing CA's — concatenated. Check the site system's whole chain against it and refuse to connect when any certificate in it is revoked",
          ),
        crlUrls: z
          .array(z.string())
          .optional()
          .describe(
            'bridge mode, https (since 1.1): where those CRLs are published over HTTP (the CDP), for proxies that fetch CRLs themselves',
          ),
      })
      .strict(),
  })
  .strict();

export const ProxyContract = z
  .object({
    contractVersion: z.literal(PROXY_CONTRACT_VERSION),
    runId: z.string(),
    mode: z
      .enum(['bridge', 'tunnel', 'forward'])
      .describe(
        'bridge: terminate TLS, authenticate the client, open a new authenticated TLS connection upstream; tunnel: pass TLS through untouched; forward: a client-side HTTP CONNECT proxy',
      ),
    listeners: z.array(ProxyListener).describe('reverse-proxy listeners (bridge, tunnel); empty in forward mode'),
    forwardProxy: z
      .object({
        bind: endpoint.describe('where clients send CONNECT (and plain-HTTP) requests'),
        allowedPorts: z.array(port).describe('destination ports CONNECT must allow'),
      })
      .strict()
      .optional()
      .describe('forward mode only'),
    egress: z
      .object({
        host: z.string().describe('source address for connections the proxy opens (its DMZ-side address; internet side in forward mode)'),
      })
      .strict(),
    resolver: z
      .object({
        host: z.string(),
        port,
        hostsFile: z
          .string()
          .describe('the same names as an /etc/hosts-format file, for proxies that cannot query a DNS server on a non-standard port'),
      })
      .strict()
      .describe('the lab DNS view of the segment the proxy resolves names in'),
    clientAuthentication: z
      .object({
        required: z.boolean(),
        caBundle: z.string().describe('PEM file: roots a client certificate must chain to'),
        crl: z.string().describe('PEM file: the current CRLs of the lab CA (root and every issuing CA), concatenated'),
        crlUrls: z.array(z.string()).describe('where those CRLs are published over HTTP (the CDP)'),
      })
      .strict()
      .optional()
      .describe('bridge mode: how to authenticate clients'),
    logs: z
      .object({ dir: z.string().describe('a directory the proxy may write its logs to; everything in it is kept as evidence') })
      .strict(),
  })
  .strict();

export type ProxyContract = z.infer<typeof ProxyContract>;
export type ProxyListener = z.infer<typeof ProxyListener>;
