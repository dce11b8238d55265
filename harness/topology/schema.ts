// The one schema of a lab topology. Types are inferred from it (z.infer), the JSON Schema for
// editors is generated from it (`ibcm-lab topology --schema`), and the loader validates with it,
// so the three can never drift apart.
import { z } from 'zod';
import { CERTIFICATE_VARIANTS } from '../pki/variants.js';
import { QUIRKS, quirkNames } from './quirks.js';

export const segmentNames = ['internet', 'dmz', 'intranet'] as const;
export const Segment = z.enum(segmentNames);
export type Segment = z.infer<typeof Segment>;

export const proxyModes = ['bridge', 'tunnel', 'forward', 'direct'] as const;
export const ProxyMode = z.enum(proxyModes);
export type ProxyMode = z.infer<typeof ProxyMode>;

// RFC 1123 host name, at least two labels (site systems are always named by FQDN).
const fqdn = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i,
    'must be a fully qualified domain name such as mp.contoso.example',
  );
const hostLabel = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'must be a short lower-case host name such as mp1');
const port = z.number().int().min(1).max(65535);

const roleBase = {
  name: hostLabel.describe('host name of the site system; unique in the topology'),
  segment: Segment.default('dmz').describe('where the host stands'),
  intranetFqdn: fqdn.describe('the name intranet clients use'),
  internetFqdn: fqdn.optional().describe('the name internet clients use; absent = not internet-facing'),
};

export const ManagementPoint = z
  .object({
    kind: z.literal('management-point'),
    ...roleBase,
    httpsPort: port.default(443),
    // MPs also serve intranet clients over HTTP when the site allows it; never published.
    httpPort: port.default(80),
    // false: the site lists it as internet-capable (MP lists, public DNS) only once a check adds it while the lab runs (LOC-MP-REFRESH).
    internetFromStart: z.boolean().default(true),
    // A site system of a secondary site (its site code): it does not support client connections from
    // the internet (seed 000), even when a customer publishes it under an internet FQDN.
    secondarySite: z
      .string()
      .regex(/^[A-Z0-9]{3}$/, 'must be a three-character site code')
      .optional()
      .describe('the secondary site this MP belongs to; absent = the primary site'),
    // How the MP's HTTP parser frames a request whose Content-Length and Transfer-Encoding disagree
    // (harness/http RequestFraming): a customer's lenient web server, or PX-SMUGGLE's differential back end.
    requestFraming: z
      .enum(['strict', 'transfer-encoding-wins'])
      .optional()
      .describe(
        "how the MP frames a request with both Transfer-Encoding and Content-Length, or repeated Content-Length: 'strict' (refused with 400, the default) or 'transfer-encoding-wins' (Transfer-Encoding wins, the last Content-Length counts, the connection stays open)",
      ),
  })
  .strict();

const ContentPackage = z
  .object({
    contentId: z
      .string()
      .regex(/^Content_[0-9a-fA-F-]{36}$|^[A-Z0-9]{3}[0-9A-F]{5}$/, 'must be Content_<guid> or a package ID such as LAB00001'),
    version: z.number().int().min(1).default(1),
    files: z
      .array(
        z
          .object({
            name: z.string().min(1),
            size: z
              .number()
              .int()
              .min(1)
              .max(256 * 1024 * 1024),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export const DistributionPoint = z
  .object({
    kind: z.literal('distribution-point'),
    ...roleBase,
    httpsPort: port.default(443),
    packages: z.array(ContentPackage).min(1),
  })
  .strict();

export const FallbackStatusPoint = z
  .object({
    kind: z.literal('fallback-status-point'),
    ...roleBase,
    // The FSP is always plain HTTP (seed 000; research W:38).
    httpPort: port.default(80),
  })
  .strict();

export const ApplicationCatalog = z
  .object({
    kind: z.literal('application-catalog'),
    ...roleBase,
    httpsPort: port.default(443),
  })
  .strict();

export const SoftwareUpdatePoint = z
  .object({
    kind: z.literal('software-update-point'),
    ...roleBase,
    // WSUS's custom site uses 8531 for HTTPS; 443 when WSUS uses the default web site.
    httpsPort: port.default(8531),
  })
  .strict();

// ROLE-UNTRUSTED's remaining primary-site roles (seed 000): the enrollment proxy point (mobile device
// enrollment) and the Configuration Manager Policy Module (on the NDES server, certificate profiles).
// Both HTTPS; clients that come to enroll have no certificate yet, so neither requires one.
export const EnrollmentProxyPoint = z
  .object({
    kind: z.literal('enrollment-proxy-point'),
    ...roleBase,
    httpsPort: port.default(443),
  })
  .strict();

export const PolicyModule = z
  .object({
    kind: z.literal('policy-module'),
    ...roleBase,
    httpsPort: port.default(443),
  })
  .strict();

export const CrlDistributionPoint = z
  .object({
    kind: z.literal('crl-distribution-point'),
    name: hostLabel,
    segment: Segment.default('internet'),
    fqdn: fqdn.describe("the host in every certificate's CRL distribution point URL"),
    httpPort: port.default(80),
  })
  .strict();

// A cloud management gateway (seed 003; research W:52): a cloud service on the internet with a server
// certificate from its own (public) CA, forwarding `/CCM_Proxy_MutualAuth/<MP role id>/…` to an MP.
// Not a site system behind the proxy under test: clients reach it directly.
export const CloudManagementGateway = z
  .object({
    kind: z.literal('cloud-management-gateway'),
    name: hostLabel,
    segment: Segment.default('internet'),
    fqdn: fqdn.describe('the CMG service name clients use (e.g. contoso-cmg.cloudapp.example); its certificate chains to the cloud CA'),
    httpsPort: port.default(443),
    managementPoint: hostLabel.describe('host name of the management point this CMG forwards to (through its connection point)'),
    mpRoleId: z
      .string()
      .regex(/^\d{1,20}$/, 'must be the MP role ID, a decimal number such as 72057594037927939')
      .default('72057594037927939'),
  })
  .strict();

// A mock Microsoft Update host (W:41–42): a public download service on the internet, plain HTTP,
// serving update files with Range. Not a site system: internet clients reach it directly (or
// through their web proxy) and try it first for update content; clients without IBCM never do.
export const MicrosoftUpdate = z
  .object({
    kind: z.literal('microsoft-update'),
    name: hostLabel,
    segment: Segment.default('internet'),
    fqdn: fqdn.default('download.windowsupdate.com').describe('the Microsoft Update download host (W:42)'),
    httpPort: port.default(80),
  })
  .strict();

// A domain controller beacon on the intranet (seed 004; W:43): a client that can reach a DC (or an
// intranet MP) is "currently intranet". Only the LDAP port listens; its name is in the intranet view.
export const DomainController = z
  .object({
    kind: z.literal('domain-controller'),
    name: hostLabel,
    segment: Segment.default('intranet'),
    fqdn: fqdn.describe('the DC name domain-joined clients locate (e.g. dc1.corp.contoso.example)'),
    ldapPort: port.default(389),
  })
  .strict();

export const Role = z.discriminatedUnion('kind', [
  ManagementPoint,
  DistributionPoint,
  FallbackStatusPoint,
  ApplicationCatalog,
  SoftwareUpdatePoint,
  EnrollmentProxyPoint,
  PolicyModule,
  CrlDistributionPoint,
  CloudManagementGateway,
  MicrosoftUpdate,
  DomainController,
]);
export type Role = z.infer<typeof Role>;
export type SiteSystemRole = Exclude<
  Role,
  { kind: 'crl-distribution-point' | 'cloud-management-gateway' | 'microsoft-update' | 'domain-controller' }
>;
export type DomainControllerRole = z.infer<typeof DomainController>;
export type MicrosoftUpdateRole = z.infer<typeof MicrosoftUpdate>;
export type CloudManagementGatewayRole = z.infer<typeof CloudManagementGateway>;
export type DistributionPointRole = z.infer<typeof DistributionPoint>;
export type FallbackStatusPointRole = z.infer<typeof FallbackStatusPoint>;
export type ApplicationCatalogRole = z.infer<typeof ApplicationCatalog>;
export type SoftwareUpdatePointRole = z.infer<typeof SoftwareUpdatePoint>;
export type ManagementPointRole = z.infer<typeof ManagementPoint>;
export type CrlDistributionPointRole = z.infer<typeof CrlDistributionPoint>;

// Client install properties, named as CCMSetup names them (about-client-installation-properties).
export const InstallProperties = z
  .object({
    CCMHOSTNAME: fqdn.describe('internet MP FQDN'),
    SMSSITECODE: z.string().regex(/^[A-Z0-9]{3}$/, 'must be a three-character site code (not AUTO for internet clients)'),
    CCMALWAYSINF: z.union([z.literal(0), z.literal(1)]).default(0),
    UsePKICert: z.boolean().default(true),
    // CCMSetup /NoCRLCheck: the client does not check site systems' certificates against the CRL (W:50).
    NoCRLCheck: z.boolean().default(false),
    FSP: fqdn.optional(),
    // CCMSetup CCMCERTISSUERS: the root CAs a client certificate must chain to, e.g.
    // "CN=IBCM Lab Root CA, O=IBCM Lab"; several separated by "|" (W:49, selection rule 1).
    CCMCERTISSUERS: z.string().min(1).optional(),
  })
  .strict();
export type InstallProperties = z.infer<typeof InstallProperties>;

export const Client = z
  .object({
    name: hostLabel,
    segment: Segment.default('internet'),
    computerName: z.string().regex(/^[A-Z0-9-]{1,15}$/, 'must be a NetBIOS computer name (upper case, up to 15 characters)'),
    domainJoined: z.boolean().default(true),
    /** The domain account the client uses for Windows authentication (NTLM), by user name. */
    account: z.string().optional(),
    install: InstallProperties,
  })
  .strict();
export type Client = z.infer<typeof Client>;

// What can go wrong with a certificate (research W:46–50, W:61): the lab issues it that way.
export const CertificateVariant = z.enum(CERTIFICATE_VARIANTS);
export type CertificateVariant = z.infer<typeof CertificateVariant>;

const defaultPkiCertificates = { site: 'valid', proxyServer: 'valid', proxyClient: 'valid' } as const;

// The lab PKI's options: the lab clock, the CRLs and where certificates say they are published, and
// a variant per certificate of the published path (a support engineer's "their MP certificate has
// no internet FQDN" is `certificates: { site: missing-internet-fqdn }`).
export const Pki = z
  .object({
    clockOffsetHours: z
      .number()
      .min(-24 * 3650)
      .max(24 * 3650)
      .default(0)
      .describe(
        'the lab clock is now + this offset: certificate validity and CRL dates count from it, while every TLS peer checks against the machine clock (a clock behind by more than the CRL validity publishes stale CRLs — clock skew, W:62)',
      ),
    crlValidityHours: z
      .number()
      .positive()
      .max(24 * 3650)
      .default(24)
      .describe('CRL nextUpdate − thisUpdate'),
    cdp: z
      .enum(['http', 'ldap-only'])
      .default('http')
      .describe(
        'http: certificates name the CDP host over HTTP (reachable from the internet); ldap-only: they name only an ldap:// URL in the intranet directory, which internet clients cannot reach (seed 001; W:50)',
      ),
    certificates: z
      .object({
        site: CertificateVariant.default('valid').describe(
          'the server certificates of the HTTPS site systems (MP, DP, Application Catalog, SUP)',
        ),
        proxyServer: CertificateVariant.default('valid').describe(
          'bridge mode: the server certificate the bridging proxy presents to clients',
        ),
        proxyClient: CertificateVariant.default('valid').describe(
          'bridge mode: the client certificate the bridging proxy presents to site systems',
        ),
      })
      .strict()
      .default(defaultPkiCertificates),
  })
  .strict();
export type Pki = z.infer<typeof Pki>;

export const Proxy = z
  .object({
    name: hostLabel.default('proxy'),
    // The mode a run uses unless `--mode` says otherwise.
    mode: ProxyMode.default('bridge'),
  })
  .strict();

export const Topology = z
  .object({
    name: z.string().min(1).default('custom'),
    description: z.string().optional(),
    site: z
      .object({ code: z.string().regex(/^[A-Z0-9]{3}$/, 'must be a three-character site code'), name: z.string().default('Primary site') })
      .strict(),
    // The Active Directory domain behind Windows authentication: accounts the site systems accept.
    domain: z
      .object({
        netbiosName: z
          .string()
          .regex(/^[A-Z0-9-]{1,15}$/, 'must be a NetBIOS domain name such as CORP')
          .default('CORP'),
        accounts: z.array(z.object({ user: z.string().min(1), password: z.string().min(1) }).strict()).default([]),
      })
      .strict()
      .default({ netbiosName: 'CORP', accounts: [] }),
    domains: z.object({ intranet: fqdn, internet: fqdn }).strict(),
    roles: z.array(Role).min(1),
    pki: Pki.default({ clockOffsetHours: 0, crlValidityHours: 24, cdp: 'http', certificates: defaultPkiCertificates }),
    proxy: Proxy.default({ name: 'proxy', mode: 'bridge' }),
    clients: z.array(Client).min(1),
    // Known faults of the customer's world to reproduce (quirks.ts); none in a healthy lab.
    quirks: z
      .array(z.enum(quirkNames))
      .default([])
      .describe(`known faults of the world to reproduce: ${quirkNames.map((name) => `${name} (${QUIRKS[name].description})`).join('; ')}`),
    drivers: z
      .object({
        embedded: z
          .object({
            // Loopback only. Ports are shifted so the lab needs no privileges and does not collide
            // with services on the well-known ports: 443 -> 20443, 80 -> 20080, 53 -> 20053.
            portOffset: z.number().int().min(0).max(60000).default(20000),
          })
          .strict()
          .default({ portOffset: 20000 }),
      })
      .strict()
      .default({ embedded: { portOffset: 20000 } }),
  })
  .strict()
  .superRefine((topology, ctx) => {
    const seen = new Map<string, number>();
    topology.roles.forEach((role, index) => {
      if (seen.has(role.name))
        ctx.addIssue({
          code: 'custom',
          path: ['roles', index, 'name'],
          message: `duplicate host name "${role.name}" (also roles[${seen.get(role.name)}])`,
        });
      seen.set(role.name, index);
    });
    if (!topology.roles.some((role) => role.kind === 'management-point' && role.internetFqdn))
      ctx.addIssue({ code: 'custom', path: ['roles'], message: 'needs at least one management-point with an internetFqdn' });
    if (!topology.roles.some((role) => role.kind === 'crl-distribution-point'))
      ctx.addIssue({ code: 'custom', path: ['roles'], message: 'needs a crl-distribution-point (every certificate names it)' });
    topology.roles.forEach((role, index) => {
      if (role.kind !== 'cloud-management-gateway') return;
      if (!topology.roles.some((other) => other.kind === 'management-point' && other.name === role.managementPoint))
        ctx.addIssue({
          code: 'custom',
          path: ['roles', index, 'managementPoint'],
          message: `no management-point named "${role.managementPoint}"`,
        });
    });
    for (const certificate of ['proxyClient'] as const)
      if (topology.pki.certificates[certificate] === 'missing-internet-fqdn')
        ctx.addIssue({
          code: 'custom',
          path: ['pki', 'certificates', certificate],
          message: 'missing-internet-fqdn applies to server certificates only',
        });
    topology.clients.forEach((client, index) => {
      if (client.account && !topology.domain.accounts.some((account) => account.user.toLowerCase() === client.account!.toLowerCase()))
        ctx.addIssue({ code: 'custom', path: ['clients', index, 'account'], message: `no account "${client.account}" in domain.accounts` });
      const mp = topology.roles.find((role) => role.kind === 'management-point' && role.internetFqdn === client.install.CCMHOSTNAME);
      if (!mp)
        ctx.addIssue({
          code: 'custom',
          path: ['clients', index, 'install', 'CCMHOSTNAME'],
          message: `no management-point has internetFqdn "${client.install.CCMHOSTNAME}"`,
        });
      if (client.install.SMSSITECODE !== topology.site.code)
        ctx.addIssue({
          code: 'custom',
          path: ['clients', index, 'install', 'SMSSITECODE'],
          message: `must be the site code "${topology.site.code}"`,
        });
    });
  });

export type TopologyInput = z.input<typeof Topology>;
export type Topology = z.infer<typeof Topology>;
