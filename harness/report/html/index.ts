// The HTML report (`ibcm-lab run --report <dir>`): one self-contained index.html a vendor can hand
// to a customer — it opens from disk, prints, and fetches nothing. At the top the requirement ×
// mode matrix (colour and a symbol per cell, in the style of the cache-tests and Autobahn matrices)
// beside a picture of the topology; below, every case with its reason, the client's view and the
// site system's journal side by side, the TLS facts of each leg and the proxy's own log lines.
// Model requirements (decided by the client simulator's own logic, catalog Judge) are not in the
// matrix nor in the counts: they have a section of their own, below the world's cases.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appliesIn, areaOf, requirementById, requirementIds } from '../../catalog/index.js';
import type { LabCertificateFacts } from '../../lab/lab.js';
import type { ProxyMode, Topology } from '../../topology/index.js';
import { evidenceOf, type CheckEvidence, type ClientExchangeEvidence, type JournalEvidence } from '../evidence.js';
import type { LabFacts } from '../lab-evidence.js';
import { modelResults, worldResults, type RequirementResult, type RunResults, type Verdict } from '../results.js';
import { REPORT_CSS, REPORT_JS } from './assets.js';
import { escapeHtml as esc } from './escape.js';
import { labForMode, topologyCaption, topologySvg } from './topology-svg.js';

export interface HtmlReportInput {
  results: RunResults;
  topology: Topology;
  /** The labs of the run (lab.json facts): addresses for the picture, names for certificates. */
  labs: LabFacts[];
}

type CellVerdict = Verdict | 'not-covered';

/** Symbol and words per verdict. The symbols match the terminal's, except that an unexpected pass gets its own. */
const VERDICTS: Record<CellVerdict, { symbol: string; label: string }> = {
  passed: { symbol: '✔', label: 'passed' },
  failed: { symbol: '✘', label: 'failed' },
  blocked: { symbol: '⊘', label: 'blocked' },
  error: { symbol: '!', label: 'could not run' },
  'unexpected-pass': { symbol: '⚠', label: 'unexpected pass' },
  'expected-failure': { symbol: '≈', label: 'expected failure' },
  'not-applicable': { symbol: '–', label: 'not applicable' },
  'not-covered': { symbol: '?', label: 'not covered' },
};
const VERDICT_ORDER = Object.keys(VERDICTS) as CellVerdict[];

export function writeHtmlReport(dir: string, input: HtmlReportInput): string {
  const target = resolve(dir);
  mkdirSync(target, { recursive: true });
  const file = join(target, 'index.html');
  writeFileSync(file, renderHtmlReport(input));
  return file;
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const { results } = input;
  const certificates = certificateIndex(input.labs);
  const s = results.summary;
  const overall = s.exitCode === 0 ? ['ok', 'PASS'] : s.exitCode === 1 ? ['fail', 'FAIL'] : ['error', 'ERROR'];
  const counts: [CellVerdict, number][] = [
    ['passed', s.passed],
    ['failed', s.failed],
    ['blocked', s.blocked ?? 0],
    ['error', s.error],
    ['unexpected-pass', s.unexpectedPasses],
    ['expected-failure', s.expectedFailures],
    ['not-applicable', s.notApplicable],
    ['not-covered', s.notCovered],
  ];
  const appliance = input.labs.find((lab) => lab.appliance)?.appliance;
  const title = `IBCM conformance — proxy ${results.proxy} — ${results.modes.join(', ')} — run ${results.runId}`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="ibcm-lab ${esc(results.versions['ibcm-lab'] ?? '')}">`,
    `<title>${esc(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>IBCM conformance report</h1>`,
    `<span class="overall ${overall[0]}">${overall[1]}</span>`,
    `<ul class="counts">${counts.map(([verdict, count]) => `<li class="v-${verdict}${count === 0 && verdict !== 'passed' ? ' zero' : ''}">${VERDICTS[verdict].symbol} ${count} ${VERDICTS[verdict].label}</li>`).join('')}</ul>`,
    `<p class="meta">proxy <b>${esc(results.proxy)}</b>${appliance ? ' (external appliance: the lab started and stopped nothing of it)' : ''} · modes <b>${esc(results.modes.join(', '))}</b> · driver ${esc(results.driver)} · topology <b>${esc(results.topology.name)}</b> (${esc(results.topology.source)}, ${esc(results.topology.digest)})${results.grep ? ` · grep <b>${esc(results.grep)}</b>` : ''} · run <b>${esc(results.runId)}</b>, ${esc(results.startedAt)}, ${(results.durationMs / 1000).toFixed(1)} s · exit code ${s.exitCode} · ${Object.entries(
      results.versions,
    )
      .map(([name, version]) => `${esc(name)} ${esc(version)}`)
      .join(', ')}</p>`,
    '</header>',
    results.errors.length ? `<div class="errors">${results.errors.map((error) => `<p>! ${esc(error)}</p>`).join('')}</div>` : '',
    '<main class="top">',
    matrixSection(results),
    `<div class="side">${topologySection(input)}${attentionSection(results)}</div>`,
    '</main>',
    casesSection(results, certificates, appliance ? "The appliance's own log (its syslog lines during this check)" : "The proxy's own log"),
    modelSection(results, certificates),
    appliance ? worksheetSection(appliance) : '',
    `<footer>Generated by ibcm-lab ${esc(results.versions['ibcm-lab'] ?? '')} from results schema ${esc(results.schema)}. Every verdict rests on both sides of the proxy: what the client got and what the site system received.</footer>`,
    `<script>${REPORT_JS}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const caseId = (requirement: string, mode: string) => `case-${requirement}--${mode}`;

/** The requirements of the run in catalog order (results and not-covered), each with its verdict per mode. */
function rows(results: RunResults): { id: string; title: string; area: string; cells: Map<string, CellVerdict> }[] {
  const byId = new Map<string, { id: string; title: string; area: string; cells: Map<string, CellVerdict> }>();
  for (const result of worldResults(results)) {
    const row = byId.get(result.requirement) ?? {
      id: result.requirement,
      title: result.title,
      area: areaOf(result.requirement) ?? result.requirement.split('-')[0]!,
      cells: new Map(),
    };
    row.cells.set(result.mode, result.status);
    byId.set(result.requirement, row);
  }
  for (const item of results.notCovered) {
    const cells = new Map<string, CellVerdict>(
      results.modes.map((mode): [string, CellVerdict] => [
        mode,
        appliesIn(item.requirement, mode as ProxyMode) ? 'not-covered' : 'not-applicable',
      ]),
    );
    byId.set(item.requirement, {
      id: item.requirement,
      title: item.title,
      area: areaOf(item.requirement) ?? item.requirement.split('-')[0]!,
      cells,
    });
  }
  const position = new Map(requirementIds().map((id, index) => [id, index]));
  return [...byId.values()].sort((a, b) => (position.get(a.id) ?? Infinity) - (position.get(b.id) ?? Infinity) || a.id.localeCompare(b.id));
}

function matrixSection(results: RunResults): string {
  const all = rows(results);
  const areas = [...new Set(all.map((row) => row.area))];
  const body: string[] = [];
  for (const area of areas) {
    body.push(`<tr class="area" data-area="${esc(area)}"><th colspan="${results.modes.length + 1}">${esc(area)}</th></tr>`);
    for (const row of all.filter((candidate) => candidate.area === area)) {
      const verdicts = [...new Set(row.cells.values())];
      const cells = results.modes.map((mode) => {
        const verdict = row.cells.get(mode);
        if (!verdict) return `<td class="cell v-none" title="not run in ${esc(mode)}">·</td>`;
        const href = verdict === 'not-covered' ? `#${caseId(row.id, 'not-covered')}` : `#${caseId(row.id, mode)}`;
        return `<td class="cell v-${verdict}"><a href="${href}" title="${esc(`${row.id} · ${mode}: ${VERDICTS[verdict].label}`)}">${VERDICTS[verdict].symbol}</a></td>`;
      });
      body.push(
        `<tr class="req" data-id="${esc(row.id)}" data-area="${esc(area)}" data-verdicts="${esc(verdicts.join(' '))}"><td class="id">${esc(row.id)}<small>${esc(row.title)}</small></td>${cells.join('')}</tr>`,
      );
    }
  }
  return [
    '<section id="matrix" aria-label="Requirement by mode matrix">',
    `<h2>Requirements × modes (${all.length} requirements)</h2>`,
    '<div class="filters">',
    `<label>area <select id="f-area"><option value="">all</option>${areas.map((area) => `<option>${esc(area)}</option>`).join('')}</select></label>`,
    '<label>ID <input id="f-text" type="search" placeholder="e.g. PX-HDR"></label>',
    ...VERDICT_ORDER.map(
      (verdict) =>
        `<label class="v-${verdict}"><input type="checkbox" name="verdict" value="${verdict}" checked> ${VERDICTS[verdict].symbol} ${VERDICTS[verdict].label}</label>`,
    ),
    '<span id="f-count"></span>',
    '</div>',
    '<table class="matrix">',
    `<thead><tr><th>requirement</th>${results.modes.map((mode) => `<th>${esc(mode)}</th>`).join('')}</tr></thead>`,
    `<tbody>${body.join('\n')}</tbody>`,
    '</table>',
    `<ul class="legend">${VERDICT_ORDER.map((verdict) => `<li><span class="v-${verdict}">${VERDICTS[verdict].symbol}</span>${VERDICTS[verdict].label}</li>`).join('')}</ul>`,
    '</section>',
  ].join('\n');
}

function topologySection(input: HtmlReportInput): string {
  const modes = input.results.modes as ProxyMode[];
  const panels = modes.map((mode, index) => {
    const lab = labForMode(input.labs, mode);
    return `<figure class="svg-panel" data-mode="${esc(mode)}"${index === 0 ? '' : ' hidden'}>${topologySvg(input.topology, mode, lab)}<figcaption>${esc(topologyCaption(input.topology, mode, lab))}</figcaption></figure>`;
  });
  return [
    '<section id="topology" aria-label="Topology">',
    `<h2>Topology — ${esc(input.topology.name)}</h2>`,
    `<div class="tabs" role="tablist">${modes.map((mode, index) => `<button type="button" role="tab" data-mode="${esc(mode)}" aria-selected="${index === 0}">${esc(mode)}</button>`).join('')}</div>`,
    ...panels,
    '</section>',
  ].join('\n');
}

/** Beside the picture: what needs a reader's attention (failed, could not run, unexpected passes, expected failures). */
function attentionSection(results: RunResults): string {
  const order: Verdict[] = ['failed', 'blocked', 'error', 'unexpected-pass', 'expected-failure'];
  const items = worldResults(results)
    .filter((result) => order.includes(result.status))
    .sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  const list = items.length
    ? `<ul class="attention">${items
        .slice(0, 40)
        .map(
          (result) =>
            `<li><a class="v-${result.status}" href="#${caseId(result.requirement, result.mode)}">${VERDICTS[result.status].symbol} ${esc(result.requirement)} · ${esc(result.mode)}</a> ${esc(result.reason.length > 160 ? `${result.reason.slice(0, 159)}…` : result.reason)}</li>`,
        )
        .join('')}${items.length > 40 ? `<li>… and ${items.length - 40} more</li>` : ''}</ul>`
    : `<p class="notes">Nothing failed, nothing was left unrun, and no recorded finding changed: every applicable check passed${results.notCovered.length ? ` (${results.notCovered.length} requirements have no check yet and are never counted as passed)` : ''}.</p>`;
  return `<section id="attention" aria-label="Needs attention"><h2>Needs attention (${items.length})</h2>${list}</section>`;
}

function casesSection(results: RunResults, certificates: Map<string, LabCertificateFacts>, logTitle: string): string {
  const items: string[] = [];
  const byRequirement = new Map<string, RequirementResult[]>();
  for (const result of worldResults(results))
    byRequirement.set(result.requirement, [...(byRequirement.get(result.requirement) ?? []), result]);
  for (const row of rows(results)) {
    for (const result of byRequirement.get(row.id) ?? []) items.push(caseArticle(result, row.area, certificates, logTitle));
    const notCovered = results.notCovered.find((item) => item.requirement === row.id);
    if (notCovered) {
      const requirement = requirementById(row.id);
      items.push(
        `<article class="case v-not-covered" id="${caseId(row.id, 'not-covered')}" data-id="${esc(row.id)}" data-area="${esc(row.area)}" data-verdict="not-covered"><h3><span class="badge v-not-covered">? not covered</span><code>${esc(row.id)}</code> — ${esc(notCovered.title)}</h3>` +
          `<p class="reason">The catalog has this requirement and no check exists for it yet: it is never counted as passed.</p>${requirement ? `<p class="statement">${esc(requirement.statement)} · ${esc(requirement.strength)} · applies in ${esc(requirement.modes.join(', '))}</p>` : ''}</article>`,
      );
    }
  }
  return `<section id="cases" aria-label="Cases"><h2>Cases — reason and evidence per requirement and mode</h2>\n${items.join('\n')}\n</section>`;
}

/** Model requirements: the client simulator's own logic, which no world can change — listed apart, never counted as a pass for the proxy. */
function modelSection(results: RunResults, certificates: Map<string, LabCertificateFacts>): string {
  const model = modelResults(results);
  if (!model.length) return '';
  const passed = model.filter((result) => result.status === 'passed').length;
  return [
    '<section id="model" aria-label="Model checks">',
    `<h2>Model checks — the client simulator's own logic (${passed} of ${model.length} passed)</h2>`,
    `<p class="notes">These requirements are decided by the client's own logic alone: no proxy, DNS record, CRL, route or site setting can change their outcome, so their checks exercise the lab's model of the documented client behaviour, not the world. They are not in the matrix or the counts above and never count as a pass for proxy ${esc(results.proxy)}; one that does not pass is a defect of the lab.</p>`,
    ...model.map((result) =>
      caseArticle(result, areaOf(result.requirement) ?? result.requirement.split('-')[0]!, certificates, "The proxy's own log"),
    ),
    '</section>',
  ].join('\n');
}

function caseArticle(result: RequirementResult, area: string, certificates: Map<string, LabCertificateFacts>, logTitle: string): string {
  const verdict = VERDICTS[result.status];
  const requirement = requirementById(result.requirement);
  const head = `<h3><span class="badge v-${result.status}">${verdict.symbol} ${verdict.label}</span><code>${esc(result.requirement)}</code> · ${esc(result.mode)} — ${esc(result.title)}</h3>`;
  const statement = requirement
    ? `<p class="statement">${esc(requirement.statement)} · ${esc(requirement.strength)}${requirement.source.seed ? ` · seed ${esc(requirement.source.seed)}${requirement.source.section ? ` “${esc(requirement.source.section)}”` : ''}` : ''}</p>`
    : '';
  const open =
    result.status === 'failed' || result.status === 'blocked' || result.status === 'error' || result.status === 'unexpected-pass';
  const checks =
    result.status === 'not-applicable'
      ? ''
      : result.checks.map((check) => checkDetails(check, evidenceOf(check), open, certificates, logTitle)).join('\n');
  return `<article class="case v-${result.status}" id="${caseId(result.requirement, result.mode)}" data-id="${esc(result.requirement)}" data-area="${esc(area)}" data-verdict="${result.status}">${head}<p class="reason">${esc(result.reason)}</p>${statement}${checks}</article>`;
}

function checkDetails(
  check: RequirementResult['checks'][number],
  evidence: CheckEvidence,
  open: boolean,
  certificates: Map<string, LabCertificateFacts>,
  logTitle: string,
): string {
  const parts = [
    `<details class="check"${open ? ' open' : ''}><summary>${VERDICTS[check.status].symbol} ${esc(check.title)} — ${esc(VERDICTS[check.status].label)}, ${check.durationMs} ms <small>(${esc(check.file)})</small></summary>`,
  ];
  if (check.reason !== evidence.reason && evidence.reason) parts.push(`<p class="reason">${esc(evidence.reason)}</p>`);
  if (evidence.notes.length) parts.push(`<ul class="notes">${evidence.notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>`);
  const legs = tlsLegs(evidence, certificates);
  if (legs) parts.push('<h4>TLS legs — who presented which certificate</h4>', legs);
  const pairs = pairUp(evidence.client, evidence.journal);
  if (pairs.length) {
    parts.push('<div class="pairs"><div class="col-head">the client\'s view</div><div class="col-head">the site system\'s journal</div>');
    for (const [sent, received] of pairs)
      parts.push(
        sent ? clientMessage(sent, received) : '<div class="msg empty">(no client exchange for this entry)</div>',
        received ? journalMessage(received, sent) : '<div class="msg empty">no matching entry in the journal recorded for this check</div>',
      );
    parts.push('</div>');
  }
  parts.push(
    `<h4>${logTitle}</h4>`, // a title of ours, never input
    evidence.proxyLog.length
      ? `<pre class="proxylog">${esc(evidence.proxyLog.join('\n'))}</pre>`
      : '<p class="notes">(no proxy log lines during this check)</p>',
  );
  parts.push('</details>');
  return parts.join('\n');
}

/** Client exchanges beside the journal entries they produced (same method and target, in order); the rest on their own rows. */
function pairUp(
  client: ClientExchangeEvidence[],
  journal: JournalEvidence[],
): [ClientExchangeEvidence | undefined, JournalEvidence | undefined][] {
  const used = new Set<JournalEvidence>();
  const pairs: [ClientExchangeEvidence | undefined, JournalEvidence | undefined][] = client.map((exchange) => {
    const same = journal.filter(
      (candidate) => !used.has(candidate) && candidate.method === exchange.method && candidate.target === exchange.target,
    );
    // The entry whose answer the client got (a 401 leg of an authentication is its own entry).
    const entry =
      same.find(
        (candidate) => candidate.response.status === exchange.status && candidate.response.bodySha256 === exchange.responseBodySha256,
      ) ??
      same.find((candidate) => candidate.response.status === exchange.status) ??
      same[0];
    if (entry) used.add(entry);
    return [exchange, entry];
  });
  for (const entry of journal) if (!used.has(entry)) pairs.push([undefined, entry]);
  return pairs;
}

function headerList(headers: [string, string][], other?: [string, string][]): string {
  if (!headers.length) return '';
  const otherNames = other ? new Map(other.map(([name, value]) => [name.toLowerCase(), value])) : undefined;
  return `<ol>${headers
    .map(([name, value]) => {
      const counterpart = otherNames?.get(name.toLowerCase());
      const mark = !otherNames
        ? ''
        : counterpart === undefined
          ? ' class="missing" title="not on the other side"'
          : counterpart !== value
            ? ' class="changed" title="different on the other side"'
            : '';
      return `<li${mark}><span class="hn">${esc(name)}</span>: ${esc(value)}</li>`;
    })
    .join('')}</ol>`;
}

const statusClass = (status?: number) => (status ? `st st-${String(status)[0]}` : 'st st-x');

function clientMessage(exchange: ClientExchangeEvidence, entry?: JournalEvidence): string {
  const lines = [
    `<div class="rl">→ ${esc(exchange.method)} ${esc(exchange.origin)}${esc(exchange.target)}</div>`,
    headerList(exchange.requestHeaders, entry?.headers),
  ];
  lines.push(`<div>body ${exchange.requestBodyLength} bytes · sha256 ${esc(exchange.requestBodySha256)}</div>`);
  if (exchange.error) lines.push(`<div class="st st-x">✘ ${esc(exchange.error.code)}: ${esc(exchange.error.message)}</div>`);
  else
    lines.push(
      `<div class="${statusClass(exchange.status)}">← ${exchange.status ?? '?'} · ${exchange.responseBodyLength ?? 0} bytes · sha256 ${esc(exchange.responseBodySha256 ?? '')} · ${exchange.durationMs} ms</div>`,
    );
  if (exchange.responseHeaders?.length)
    lines.push(
      `<details><summary>response headers (${exchange.responseHeaders.length})</summary>${headerList(exchange.responseHeaders)}${exchange.responseBodyPreview ? `<pre>${esc(exchange.responseBodyPreview)}</pre>` : ''}</details>`,
    );
  if (exchange.tls) {
    const revocation = exchange.tls.revocation ? (exchange.tls.revocation.checked ? ' · CRL checked' : ' · CRL not checked') : '';
    lines.push(
      `<div class="tls">TLS ${esc(exchange.tls.protocol ?? '?')} · server presented ${esc(exchange.tls.subject)} (issuer ${esc(exchange.tls.issuer)}, serial ${esc(exchange.tls.serialNumber)}) · ${exchange.tls.authorized ? 'verified ✔' : `not verified ✘ ${esc(exchange.tls.authorizationError ?? '')}`}${revocation}</div>`,
    );
  }
  return `<div class="msg">${lines.join('')}</div>`;
}

function journalMessage(entry: JournalEvidence, exchange?: ClientExchangeEvidence): string {
  const lines = [
    `<div class="rl">[${esc(entry.host)}] ${esc(entry.requestLine)}</div>`,
    `<div>from ${esc(entry.remoteAddress)}:${entry.remotePort} on ${esc(entry.listener)}, connection #${entry.connectionId}, ${esc(entry.at)}</div>`,
    headerList(entry.headers, exchange?.requestHeaders),
  ];
  lines.push(
    `<div>body ${entry.bodyLength} bytes · sha256 ${esc(entry.bodySha256)}${exchange && exchange.requestBodySha256 !== entry.bodySha256 ? ' <b>(differs from what the client sent)</b>' : ''}</div>`,
  );
  lines.push(
    `<div class="${statusClass(entry.response.status)}">answered ${entry.response.status} · ${entry.response.bodyLength} bytes · sha256 ${esc(entry.response.bodySha256)}</div>`,
  );
  if (entry.error) lines.push(`<div class="st st-x">${esc(entry.error)}</div>`);
  if (entry.tls) {
    const peer = entry.tls.peerCertificate;
    lines.push(
      `<div class="tls">TLS ${esc(entry.tls.protocol ?? '?')} ${esc(entry.tls.cipher ?? '')} · SNI ${esc(entry.tls.servername ?? '(none)')} · client presented ${peer ? `${esc(peer.subject)} (issuer ${esc(peer.issuer)}, serial ${esc(peer.serialNumber)})` : 'no certificate'} · ${entry.tls.authorized ? 'chain verified ✔' : `not verified ✘ ${esc(entry.tls.authorizationError ?? '')}`}</div>`,
    );
  } else lines.push('<div class="tls">plain HTTP (no TLS)</div>');
  return `<div class="msg">${lines.join('')}</div>`;
}

/** One row per distinct TLS leg and certificate seen in a check: the client's leg (server certificate) and each site system's (client certificate). */
function tlsLegs(evidence: CheckEvidence, certificates: Map<string, LabCertificateFacts>): string {
  const rows = new Map<string, string>();
  for (const exchange of evidence.client) {
    if (!exchange.tls) continue;
    const key = `c|${exchange.origin}|${exchange.tls.serialNumber}`;
    if (rows.has(key)) continue;
    rows.set(
      key,
      `<tr><td>client → ${esc(exchange.origin)}</td><td>server: ${esc(presenter(exchange.tls.serialNumber, certificates))}</td><td>${esc(exchange.tls.subject)}<br><small>${esc(exchange.tls.subjectAltName)}</small></td><td>${esc(exchange.tls.issuer)}</td><td>${exchange.tls.authorized ? '✔ verified by the client' : `✘ ${esc(exchange.tls.authorizationError ?? '')}`}</td></tr>`,
    );
  }
  for (const entry of evidence.journal) {
    if (!entry.tls) continue;
    const peer = entry.tls.peerCertificate;
    const key = `s|${entry.host}|${peer?.serialNumber ?? '-'}`;
    if (rows.has(key)) continue;
    rows.set(
      key,
      `<tr><td>${esc(entry.remoteAddress)} → ${esc(entry.host)} (${esc(entry.listener)}, SNI ${esc(entry.tls.servername ?? 'none')})</td><td>client: ${peer ? esc(presenter(peer.serialNumber, certificates)) : 'none'}</td><td>${peer ? esc(peer.subject) : '—'}</td><td>${peer ? esc(peer.issuer) : '—'}</td><td>${entry.tls.authorized ? '✔ verified by the site system' : `✘ ${esc(entry.tls.authorizationError ?? 'not verified')}`}</td></tr>`,
    );
  }
  if (!rows.size) return '';
  return `<table class="legs"><thead><tr><th>leg</th><th>presented by</th><th>certificate</th><th>issuer</th><th>verdict of the receiving side</th></tr></thead><tbody>${[...rows.values()].join('')}</tbody></table>`;
}

function normalSerial(serial: string): string {
  return serial.toUpperCase().replace(/^0+/, '');
}

/** Serial number → the lab certificate it is, across the run's labs. */
function certificateIndex(labs: LabFacts[]): Map<string, LabCertificateFacts> {
  const index = new Map<string, LabCertificateFacts>();
  for (const lab of labs) for (const certificate of lab.certificates ?? []) index.set(normalSerial(certificate.serialNumber), certificate);
  return index;
}

function presenter(serial: string, certificates: Map<string, LabCertificateFacts>): string {
  const certificate = certificates.get(normalSerial(serial));
  if (!certificate) return 'a certificate the lab did not issue';
  const variant = certificate.variant ? ` — variant ${certificate.variant}` : '';
  switch (certificate.profile) {
    case 'site-system-web-server':
      return `site system ${certificate.name}${variant}`;
    case 'bridging-proxy-server':
      return `the proxy (its server certificate)${variant}`;
    case 'bridging-proxy-client':
      return `the proxy (its client certificate)${variant}`;
    case 'workstation-client':
      return `client ${certificate.name}${variant}`;
    default:
      return `${certificate.name} (${certificate.profile})${variant}`;
  }
}

/** Appliance mode: the worksheet the appliance was configured from, as the administrator read it. */
function worksheetSection(appliance: NonNullable<LabFacts['appliance']>): string {
  return [
    '<section class="worksheet">',
    '<h2>Publishing worksheet</h2>',
    `<p class="notes">The external appliance was configured by hand from this worksheet (${esc(appliance.worksheetPath)}); its syslog lines are each check's proxy log.</p>`,
    `<pre>${esc(appliance.worksheet)}</pre>`,
    '</section>',
  ].join('\n');
}
