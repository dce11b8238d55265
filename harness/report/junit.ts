// JUnit XML in Maven Surefire's report format (surefire-test-report-3.0.xsd), which is what CI
// servers parse: one <testsuite> root, one <testcase> per requirement × mode with the requirement ID
// first in its name, classname `ibcm-lab.<mode>`. How verdicts map:
//   passed            → a plain testcase (reason in system-out)
//   failed            → <failure type="failed"> with the reason
//   unexpected-pass   → <failure type="unexpected-pass">: a recorded finding no longer holds
//   error             → <error type="could-not-run">: nothing was learnt about the proxy
//   not-applicable    → <skipped message="…">
//   not-covered       → <skipped message="not yet covered …"> (never a pass)
//   blocked           → <skipped message="blocked: …">: a prerequisite failed (named); nothing was
//                       learnt about this requirement — never a pass
//   expected-failure  → <skipped message="expected failure: …">: a recorded finding of a reference
//                       proxy, the requirement did not hold — never a pass
// Model requirements (the client simulator's own logic, catalog Judge) are their own classname,
// `ibcm-lab.model.<mode>`, and never a passing testcase of the proxy:
//   model, passed     → <skipped message="model check passed: …"> (not a verdict on the proxy)
//   model, not passed → <error type="model-defect">: the lab's client model is wrong
// Skipping this schema cost h2spec its JUnit consumers (summerwind/h2spec#123): test/report checks
// the output against the XSD.
import { appliesIn } from '../catalog/index.js';
import type { ProxyMode } from '../topology/index.js';
import { evidenceText } from './evidence.js';
import type { RequirementResult, RunResults } from './results.js';

interface Testcase {
  name: string;
  classname: string;
  seconds: number;
  outcome?: { element: 'failure' | 'error' | 'skipped'; type?: string; message: string; text?: string };
  out?: string;
}

export function renderJunit(results: RunResults): string {
  const cases: Testcase[] = results.results.map(testcaseOf);
  for (const item of results.notCovered) {
    for (const mode of results.modes.filter((candidate) => appliesIn(item.requirement, candidate as ProxyMode))) {
      cases.push({
        name: `${item.requirement} ${item.title}`,
        classname: `ibcm-lab.${mode}`,
        seconds: 0,
        outcome: { element: 'skipped', message: 'not yet covered: the catalog has this requirement, no check exists for it yet' },
      });
    }
  }
  const count = (element: string) => cases.filter((testcase) => testcase.outcome?.element === element).length;
  const properties: [string, string][] = [
    ['ibcm-lab.runId', results.runId],
    ['ibcm-lab.proxy', results.proxy],
    ['ibcm-lab.driver', results.driver],
    ['ibcm-lab.modes', results.modes.join(',')],
    ['ibcm-lab.grep', results.grep ?? ''],
    ['ibcm-lab.topology', `${results.topology.name} ${results.topology.digest} (${results.topology.source})`],
    ['ibcm-lab.startedAt', results.startedAt],
    ['ibcm-lab.exitCode', String(results.summary.exitCode)],
    ...Object.entries(results.versions).map(([name, version]): [string, string] => [`version.${name}`, version]),
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd" version="3.0" ${attributes(
      {
        name: `ibcm-lab ${results.proxy}`,
        time: seconds(results.durationMs / 1000),
        tests: String(cases.length),
        errors: String(count('error')),
        skipped: String(count('skipped')),
        failures: String(count('failure')),
      },
    )}>`,
    '  <properties>',
    ...properties.map(([name, value]) => `    <property ${attributes({ name, value })}/>`),
    '  </properties>',
  ];
  for (const testcase of cases) {
    const head = `  <testcase ${attributes({ name: testcase.name, classname: testcase.classname, time: seconds(testcase.seconds) })}`;
    if (!testcase.outcome && !testcase.out) {
      lines.push(`${head}/>`);
      continue;
    }
    lines.push(`${head}>`);
    const outcome = testcase.outcome;
    if (outcome) {
      const attrs = attributes({ ...(outcome.type ? { type: outcome.type } : {}), message: outcome.message });
      lines.push(
        outcome.text ? `    <${outcome.element} ${attrs}>${text(outcome.text)}</${outcome.element}>` : `    <${outcome.element} ${attrs}/>`,
      );
    }
    if (testcase.out) lines.push(`    <system-out>${text(testcase.out)}</system-out>`);
    lines.push('  </testcase>');
  }
  lines.push('</testsuite>', '');
  return lines.join('\n');
}

function testcaseOf(result: RequirementResult): Testcase {
  if (result.judges !== 'model' || result.status === 'not-applicable') return worldTestcaseOf(result);
  const testcase = worldTestcaseOf(result);
  const classname = `ibcm-lab.model.${result.mode}`;
  if (result.status === 'passed')
    return {
      ...testcase,
      classname,
      outcome: {
        element: 'skipped',
        message: `model check passed (the client simulator's own logic; not a verdict on the proxy): ${result.reason}`,
      },
    };
  return {
    ...testcase,
    classname,
    outcome: {
      element: 'error',
      type: 'model-defect',
      message: `model check ${result.status}: the lab's client simulator does not follow the documented behaviour: ${result.reason}`,
    },
  };
}

function worldTestcaseOf(result: RequirementResult): Testcase {
  const base = {
    name: `${result.requirement} ${result.title}`,
    classname: `ibcm-lab.${result.mode}`,
    seconds: result.checks.reduce((sum, check) => sum + check.durationMs, 0) / 1000,
  };
  const evidence = evidenceText(result);
  switch (result.status) {
    case 'passed':
      return { ...base, out: `passed: ${result.reason}\n${evidence}` };
    case 'expected-failure':
      return {
        ...base,
        outcome: { element: 'skipped', message: `expected failure: ${result.reason}` },
        out: `expected failure (recorded for this proxy; the requirement did not hold, this does not fail the run): ${result.reason}\n${evidence}`,
      };
    case 'blocked':
      return {
        ...base,
        outcome: { element: 'skipped', message: result.reason.startsWith('blocked') ? result.reason : `blocked: ${result.reason}` },
        out: `${result.reason}\n${evidence}`,
      };
    case 'failed':
      return { ...base, outcome: { element: 'failure', type: 'failed', message: result.reason, text: `${result.reason}\n\n${evidence}` } };
    case 'unexpected-pass':
      return {
        ...base,
        outcome: { element: 'failure', type: 'unexpected-pass', message: result.reason, text: `${result.reason}\n\n${evidence}` },
      };
    case 'error':
      return {
        ...base,
        outcome: { element: 'error', type: 'could-not-run', message: result.reason, text: `${result.reason}\n\n${evidence}` },
      };
    case 'not-applicable':
      return { ...base, seconds: 0, outcome: { element: 'skipped', message: result.reason } };
  }
}

/** Surefire's time: digits, a dot and at most three decimals. */
function seconds(value: number): string {
  return (Number.isFinite(value) && value > 0 ? value : 0).toFixed(3);
}

/** Characters XML 1.0 forbids even escaped (C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates). */
const ILLEGAL =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function clean(value: string): string {
  return value.replace(ILLEGAL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function text(value: string): string {
  return clean(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Attribute values keep their tabs and line breaks as character references (a parser would fold them to spaces). */
function attributes(values: Record<string, string>): string {
  return Object.entries(values)
    .map(
      ([name, value]) =>
        `${name}="${text(value).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;')}"`,
    )
    .join(' ');
}
