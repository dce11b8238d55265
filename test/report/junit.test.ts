// The JUnit file must validate against Maven Surefire's report schema (the h2spec#123 lesson): it is
// checked with libxml2's own validator (xmllint compiled to WebAssembly, no native build) against
// the schema vendored in fixtures/. The validator is shown not to be vacuous on broken documents.
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../harness/report/junit.js';
import { sampleResults } from './sample-results.js';
import { surefireProblems } from './surefire.js';

function testcases(xml: string): { name: string; classname: string; time: string; body: string }[] {
  return [...xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)" time="([^"]*)"(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((match) => ({
    name: match[1]!,
    classname: match[2]!,
    time: match[3]!,
    body: match[4] ?? '',
  }));
}

describe('JUnit (Surefire 3.0 report format)', () => {
  const xml = renderJunit(sampleResults());

  it('validates against the Surefire XSD, with markup, quotes, control characters and lone surrogates in reasons', async () => {
    expect(await surefireProblems(xml)).toEqual([]);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(xml).toContain('\\u0001');
  });

  it('has one testcase per requirement × mode (plus not-covered per applicable mode), the ID first in the name, classname ibcm-lab.<mode>', () => {
    const cases = testcases(xml);
    // 7 results + PKI-SAN not covered in the 3 modes it applies to.
    expect(cases).toHaveLength(10);
    expect(cases.map((testcase) => testcase.name.split(' ')[0])).toEqual([
      'PX-VERB-MP-CCM_POST',
      'PX-VERB-MP-CCM_POST',
      'PX-VERB-MP-CCM_POST',
      'PX-TUNNEL-PASSTHRU',
      'PX-TUNNEL-PASSTHRU',
      'PX-NTLM-AFFINITY',
      'PX-NTLM-AFFINITY',
      'PKI-SAN',
      'PKI-SAN',
      'PKI-SAN',
    ]);
    expect(cases.map((testcase) => testcase.classname)).toEqual([
      'ibcm-lab.bridge',
      'ibcm-lab.tunnel',
      'ibcm-lab.direct',
      'ibcm-lab.bridge',
      'ibcm-lab.tunnel',
      'ibcm-lab.bridge',
      'ibcm-lab.tunnel',
      'ibcm-lab.bridge',
      'ibcm-lab.tunnel',
      'ibcm-lab.direct',
    ]);
    for (const testcase of cases) expect(testcase.time).toMatch(/^\d+\.\d{3}$/);
  });

  it('maps verdicts: failure with the reason, could-not-run as error, skipped for not-applicable and not-covered, expected-failure is skipped with its reason (never a pass: finding 11 of issue 11), unexpected-pass fails', () => {
    const cases = testcases(xml);
    expect(cases[0]!.body).toMatch(/^\s*<system-out>passed: CCM_POST reached the MP byte-exact/);
    expect(cases[1]!.body).toMatch(
      /<failure type="failed" message="header CCMClientIDSignature was sent but did not reach the site system; a &lt;b&gt;&amp;&quot;quoted&quot;/,
    );
    expect(cases[3]!.body).toMatch(/<skipped message="not applicable in bridge mode \(applies in tunnel\)"\/>/);
    expect(cases[4]!.body).toMatch(/<error type="could-not-run" message="port 20443/);
    expect(cases[5]!.body).not.toMatch(/<failure|<error/);
    expect(cases[5]!.body).toMatch(/<skipped message="expected failure: expected for nginx: upstream keepalive pool is shared/);
    expect(cases[5]!.body).toMatch(
      /<system-out>expected failure \(recorded for this proxy; the requirement did not hold, this does not fail the run\): expected for nginx/,
    );
    expect(cases[6]!.body).toMatch(/<failure type="unexpected-pass" message="recorded as failing for nginx/);
    expect(cases[7]!.body).toMatch(/<skipped message="not yet covered/);
    // The evidence of both sides goes with a failure: the client's view, the journal, the proxy log.
    expect(cases[1]!.body).toMatch(
      /client view:[\s\S]*CCM_POST https:\/\/mp\.ibcm-lab\.example:20443\/ccm_system\/request\?x=&lt;1&gt;[\s\S]*site-system journal:[\s\S]*\[mp1\] CCM_POST[\s\S]*client certificate CN=proxy\.ibcm-lab\.example[\s\S]*proxy log:/,
    );
    const head = /<testsuite [^>]*>/.exec(xml)![0];
    expect(head).toMatch(/ tests="10" errors="1" skipped="5" failures="2"/);
    expect(head).toMatch(/ time="16\.200"/);
  });

  it('the validator is not vacuous: it refuses what Surefire consumers choke on', async () => {
    const broken: Record<string, string> = {
      'testcase without a name (h2spec#123)': xml.replace(/<testcase name="[^"]*" /, '<testcase '),
      'a time with four decimals': xml.replace(/time="0\.041"/, 'time="0.0415"'),
      'a failure without its type': xml.replace('<failure type="failed" ', '<failure '),
      'skipped after system-out': xml.replace(/(<skipped message="not applicable[^>]*\/>)/, '<system-out>x</system-out>$1'),
      'a testsuites wrapper': xml.replace('<testsuite ', '<testsuites><testsuite ').replace('</testsuite>', '</testsuite></testsuites>'),
      'missing failures count': xml.replace(/ failures="\d+"/, ''),
      'an unescaped ampersand': xml.replace('&amp;', '&'),
    };
    for (const [what, document] of Object.entries(broken)) {
      expect(document, what).not.toBe(xml);
      expect(await surefireProblems(document), what).not.toEqual([]);
    }
  });
});
