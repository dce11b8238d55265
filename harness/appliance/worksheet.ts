// The publishing worksheet: what an administrator configures on an appliance the lab does not start,
// read from the same contract an in-lab proxy gets. Per public name: where to publish, where the
// upstream is, how to check TLS on each leg; the certificates to import; the CRLs to follow; where
// the appliance's log goes; and the address file to fill in afterwards. Markdown, so the same text
// reads on the terminal, as worksheet.md beside the contract, and in the HTML report. The nginx,
// HAProxy and Squid adapters are worked examples of the same facts (docs/appliance.md).
import type { ProxyContract } from '../proxies/index.js';
import type { ApplianceSetup } from './setup.js';

/** EKU OIDs the rules below name (the IBCM certificate templates, seeds/certificates). */
const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2 (Client Authentication)';

export interface WorksheetFacts {
  contract: ProxyContract;
  setup: ApplianceSetup;
  topologyName: string;
  /** The contract.json the worksheet was read from (the machine-readable worksheet). */
  contractPath: string;
  /** Where the worksheet's material lasts (state.ts). */
  madeAt: Date;
  /** The PKCS#12 password is printed only when the material was just made; afterwards, where it is kept. */
  showPassword: boolean;
  materialFile: string;
  syslogPort: number;
}

export function worksheetMarkdown(facts: WorksheetFacts): string {
  const { contract, setup } = facts;
  const bridge = contract.mode === 'bridge';
  const https = contract.listeners.filter((listener) => listener.scheme === 'https');
  const http = contract.listeners.filter((listener) => listener.scheme === 'http');
  const tls = https.find((listener) => listener.tls)?.tls;
  const upstreamClient = https.find((listener) => listener.upstream.clientCertificate)?.upstream.clientCertificate;
  const crlUrls = contract.clientAuthentication?.crlUrls ?? https.find((listener) => listener.upstream.crlUrls)?.upstream.crlUrls ?? [];
  const caBundle = https[0]?.upstream.caBundle ?? contract.clientAuthentication?.caBundle;
  const password = (secret: string | undefined) =>
    facts.showPassword ? `\`${secret}\`, shown this once and kept in ${facts.materialFile}` : `kept in ${facts.materialFile}`;
  const lines: string[] = [
    `# Publishing worksheet — ${facts.topologyName}, ${contract.mode} mode, lab address ${setup.listen}`,
    '',
    `The lab's site systems listen for the appliance on **${setup.listen}**. Configure the appliance as below, then write`,
    `the address file (last section) and run \`ibcm-lab run --proxy address:<file>\`. Material made ${facts.madeAt.toISOString()};`,
    `it stays the same for every later run with this address and mode. Machine-readable: ${facts.contractPath}.`,
    '',
    '## 1. Publish these names',
    '',
    '| public name | publish on port | clients speak | upstream (site system) | upstream TLS server name |',
    '|---|---|---|---|---|',
    ...contract.listeners.map(
      (listener) =>
        `| ${listener.publicName} | ${listener.bind.port} | ${listener.scheme} | ${listener.upstream.host}:${listener.upstream.port} (${listener.upstream.scheme}) | ${listener.upstream.scheme === 'https' ? listener.upstream.serverName : '—'} |`,
    ),
    '',
    'Give each public name a listener address of the appliance (one address per name, or one address that routes by TLS server',
    'name and Host header). Clients are installed with the port above, so publish on it exactly.',
    '',
  ];
  if (bridge) {
    lines.push(
      '## 2. SSL bridging: the client leg',
      '',
      `- Terminate TLS and present the certificate ${tls?.chain ?? '—'} (chain) with key ${tls?.key ?? '—'};`,
      `  or import the PKCS#12 ${tls?.pkcs12 ?? '—'} (password ${password(tls?.pkcs12Password)}). Its SAN lists every published name.`,
      `- Require a client certificate: trusted CAs ${contract.clientAuthentication?.caBundle ?? caBundle}; EKU ${CLIENT_AUTH_EKU}.`,
      `- Check client certificates for revocation against the CRLs at ${crlUrls.join(', ')} (a copy as of this worksheet: ${contract.clientAuthentication?.crl ?? '—'}).`,
      '  Fetch them again when they change: checks revoke certificates while the lab runs.',
      '- Keep the request as the client sent it: method (also PROPFIND, CCM_POST, BITS_POST…), path, query, headers, body, chunking.',
      "- Log each request's `X-IBCM-Lab-Check` header: the lab marks every check's requests with it, and files your log lines by check.",
      '',
      '## 3. SSL bridging: the upstream leg',
      '',
      `- Open a new TLS connection to the upstream, verify its certificate against ${caBundle} for the server name in the table,`,
      `  and against the same CRLs (${crlUrls.length} URL${crlUrls.length === 1 ? '' : 's'} above): refuse a revoked site system.`,
      `- Present the client certificate ${upstreamClient?.chain ?? '—'} with key ${upstreamClient?.key ?? '—'};`,
      `  or import the PKCS#12 ${upstreamClient?.pkcs12 ?? '—'} (password ${password(upstreamClient?.pkcs12Password)}).`,
      '',
    );
  } else {
    lines.push(
      '## 2. SSL tunnelling',
      '',
      "- Pass TLS through untouched: no termination, no certificate of the appliance's own; the client's certificate reaches the",
      '  site system, which authenticates it.',
      '- Route each listener to its upstream by address (or by the TLS server name the client sends).',
      '',
    );
  }
  lines.push(
    `## ${bridge ? 4 : 3}. Plain HTTP`,
    '',
    http.length > 0
      ? `- ${http.map((listener) => `${listener.publicName}:${listener.bind.port} → ${listener.upstream.host}:${listener.upstream.port}`).join('; ')}: the fallback status point takes plain HTTP state messages from clients that have no certificate yet.`
      : '- None: this topology publishes no plain-HTTP service.',
    '',
    `## ${bridge ? 5 : 4}. Upstream connections, names and log`,
    '',
    `- Connect to the upstreams from one address and write it as \`egress\` below: the site systems journal who connected.`,
    `- The CRL URLs name ${new Set(crlUrls.map((url) => new URL(url).hostname)).size > 0 ? [...new Set(crlUrls.map((url) => new URL(url).host))].join(', ') : 'the CDP'}: resolve that name to ${setup.listen}.`,
    `- Send the appliance's log to ${setup.listen}:${facts.syslogPort} (syslog, RFC 5424 or RFC 3164, UDP or TCP) and name it in`,
    "  the address file: each check's lines join its evidence.",
    '',
    `## ${bridge ? 6 : 5}. The address file`,
    '',
    '```yaml',
    `version: '1.0'`,
    'name: my-appliance',
    `mode: ${contract.mode}`,
    `listen: ${setup.listen}`,
    'egress: <the address the appliance connects upstream from>',
    'listeners:',
    ...[...new Map(contract.listeners.map((listener) => [listener.publicName, listener])).values()].flatMap((listener) => [
      `  - publicName: ${listener.publicName}`,
      `    address: <the appliance's listener address for this name>`,
      `    port: ${listener.bind.port}`,
    ]),
    'syslog:',
    `  port: ${facts.syslogPort}`,
    '```',
    '',
  );
  return lines.join('\n');
}
