// The HTML report as a document: self-contained, escaped, every case reachable from the matrix,
// verdicts told apart by symbol as well as colour, and a topology picture drawn from the topology.
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../harness/report/html/index.js';
import { topologySvg } from '../../harness/report/html/topology-svg.js';
import { loadTopology } from '../../harness/topology/index.js';
import { sampleResults } from './sample-results.js';

const topology = loadTopology();
const html = renderHtmlReport({ results: sampleResults(), topology, labs: [] });

describe('HTML report', () => {
  it('is one self-contained document: inline style and script, nothing linked or fetched', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toMatch(/<style>[\s\S]+<\/style>/);
    expect(html).toMatch(/<script>[\s\S]+<\/script>/);
    expect(html).not.toMatch(/<link\b|<script[^>]+src=|<img[^>]+src=|@import|url\(\s*['"]?https?:/i);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//i);
  });

  it('escapes everything that came from the run (markup, quotes, control characters)', () => {
    expect(html).not.toContain('<b>&"quoted"');
    expect(html).toContain('a &lt;b&gt;&amp;&quot;quoted&quot;&#39;');
    expect(html).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  });

  it('has a matrix cell per requirement × mode, each with its symbol, linking to a case that exists', () => {
    const cells = [...html.matchAll(/<td class="cell v-([a-z-]+)"><a href="#([^"]+)"[^>]*>([^<]+)<\/a><\/td>/g)].map((match) => ({
      verdict: match[1]!,
      target: match[2]!,
      symbol: match[3]!,
    }));
    // PX-VERB-MP-CCM_POST × 3 modes, PX-TUNNEL-PASSTHRU and PX-NTLM-AFFINITY × 2 (not run in direct: an empty cell), PKI-SAN (not covered) × 3.
    expect(cells).toHaveLength(10);
    expect(html.match(/<td class="cell v-none" title="not run in direct">·<\/td>/g)).toHaveLength(2);
    const symbols = Object.fromEntries(cells.map((cell) => [cell.verdict, cell.symbol]));
    expect(symbols).toEqual({
      passed: '✔',
      failed: '✘',
      'not-applicable': '–',
      error: '!',
      'expected-failure': '≈',
      'unexpected-pass': '⚠',
      'not-covered': '?',
    });
    for (const cell of cells) expect(html, cell.target).toContain(`id="${cell.target}"`);
    // Expected failures and unexpected passes look different from plain passes and failures, in colour and in symbol.
    expect(html).toMatch(/\.v-expected-failure \{ background: repeating-linear-gradient/);
    expect(html).toMatch(/\.v-unexpected-pass \{ background: #8e0000; color: #fff; \}/);
  });

  it('shows per case the reason, the client view beside the journal, the TLS legs and the proxy log', () => {
    const failed = /<article class="case v-failed" id="case-PX-VERB-MP-CCM_POST--tunnel"[\s\S]*?<\/article>/.exec(html)![0];
    expect(failed).toContain('header CCMClientIDSignature was sent but did not reach the site system');
    expect(failed).toMatch(/the client's view[\s\S]*the site system's journal/);
    expect(failed).toMatch(/→ CCM_POST https:\/\/mp\.ibcm-lab\.example:20443\/ccm_system\/request\?x=&lt;1&gt;&amp;y=&quot;2&quot;/);
    expect(failed).toContain('[mp1] CCM_POST /ccm_system/request?x=&lt;1&gt;&amp;y=&quot;2&quot; HTTP/1.1');
    // Headers in order and case as each side had them.
    expect(failed).toMatch(
      /<span class="hn">User-Agent<\/span>: ConfigMgr Messaging HTTP Sender<\/li><li><span class="hn">CCMClientIDSignature<\/span>: ABCDEF/,
    );
    expect(failed).toMatch(/<span class="hn">ccmclientidsignature<\/span>: ABCDEF/);
    expect(failed).toMatch(
      /TLS legs — who presented which certificate[\s\S]*client → https:\/\/mp\.ibcm-lab\.example:20443[\s\S]*CN=mp\.ibcm-lab\.example[\s\S]*127\.161\.2\.15 → mp1[\s\S]*CN=proxy\.ibcm-lab\.example/,
    );
    expect(failed).toMatch(/The proxy's own log[\s\S]*<pre class="proxylog">bridge mp1-https/);
    // Failed cases are open; passed ones folded.
    expect(failed).toMatch(/<details class="check" open>/);
    expect(/<article class="case v-passed" id="case-PX-VERB-MP-CCM_POST--bridge"[\s\S]*?<\/article>/.exec(html)![0]).toMatch(
      /<details class="check">/,
    );
  });

  it('filters by area and verdict (controls and data attributes the script reads)', () => {
    expect(html).toMatch(/<select id="f-area"><option value="">all<\/option><option>PX<\/option><option>PKI<\/option><\/select>/);
    for (const verdict of ['passed', 'failed', 'error', 'unexpected-pass', 'expected-failure', 'not-applicable', 'not-covered'])
      expect(html).toContain(`name="verdict" value="${verdict}" checked`);
    expect(html).toMatch(/<tr class="req" data-id="PX-VERB-MP-CCM_POST" data-area="PX" data-verdicts="passed failed">/);
    expect(html).toMatch(
      /<article class="case v-not-covered" id="case-PKI-SAN--not-covered" data-id="PKI-SAN" data-area="PKI" data-verdict="not-covered">/,
    );
  });

  it('draws the topology: segments as columns, hosts with names and addresses, the proxy between internet and DMZ, the published path', () => {
    const svg = topologySvg(topology, 'bridge', undefined);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const columns = [...svg.matchAll(/<rect class="segment" x="(\d+)"[^>]*\/><text[^>]*class="segment-name">(\w+)<\/text>/g)].map(
      (match) => [match[2], Number(match[1])],
    );
    expect(columns).toEqual([
      ['internet', 10],
      ['dmz', 350],
      ['intranet', 830],
    ]);
    for (const text of [
      'mp1 (management-point)',
      'appcat1 (application-catalog)',
      'mp.ibcm-lab.example',
      'ws01 (client WS01)',
      'cdp (crl-distribution-point)',
      'DNS view “intranet”',
    ])
      expect(svg).toContain(text);
    expect(svg).toMatch(/127\.16\.2\.10 {2}https 20443, http 20080/);
    // The proxy box straddles the internet | dmz boundary (x = 350).
    const proxy = /<g class="host host-proxy"><rect x="(\d+)" y="\d+" width="(\d+)"/.exec(svg)!;
    expect(Number(proxy[1])).toBeLessThan(350);
    expect(Number(proxy[1]) + Number(proxy[2])).toBeGreaterThan(350);
    // A published listener and an arrow per internet-facing site system (MP, DP, FSP, catalog, SUP), and one from each client.
    expect(svg.match(/class="host-line listener"/g)).toHaveLength(5);
    expect(svg.match(/<line class="path"/g)!.length).toBe(5 + 2);
    // Direct mode: no proxy; every client goes straight to every published site system.
    const direct = topologySvg(topology, 'direct', undefined);
    expect(direct).not.toContain('host-proxy');
    expect(direct.match(/<line class="path"/g)).toHaveLength(2 * 5);
  });
});
