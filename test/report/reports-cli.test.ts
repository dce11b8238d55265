// End to end: `ibcm-lab run --report --junit --bundle` on a small selection in every mode, then
// the three outputs as their readers see them — the JUnit through the Surefire XSD, the bundle
// unpacked (top folder = run id, journals, contract, configs with digests, versions, no private
// key), and the HTML report's first screen rendered by Debian's Chromium into a PNG that must
// show the matrix and the topology picture.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS } from '../../harness/client/browser.js';
import { chromiumMissing, launchChromium } from '../../harness/client/chromium.js';
import type { RunResults } from '../../harness/report/results.js';
import { root, runCli, type CliResult } from '../cli/run-cli.js';
import { surefireProblems } from './surefire.js';

const scratch = mkdtempSync(join(tmpdir(), 'ibcm-lab-reports-'));
const out = join(scratch, 'out');
/** Where the screenshot is kept for a person to look at. */
const SCREENSHOT = join(root, '.ibcm-lab', 'test-output', 'report', 'first-screen.png');
const SELECTION = '^(PX-VERB-MP-HEAD|PX-TUNNEL-PASSTHRU|APPCAT-BROWSER)$';

let run: CliResult;
let results: RunResults;

beforeAll(async () => {
  run = await runCli(
    [
      'run',
      '--mode',
      'all',
      '--workers',
      '2',
      '--grep',
      SELECTION,
      '--json',
      join(out, 'results.json'),
      '--report',
      out,
      '--junit',
      join(out, 'junit.xml'),
      '--bundle',
      join(out, 'evidence.tar.gz'),
    ],
    { IBCM_LAB_INDEX: '177' },
  );
  results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as RunResults;
}, 120_000);

function files(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name), base) : [join(dir, entry.name).slice(base.length + 1)],
  );
}

describe('ibcm-lab run --report --junit --bundle', () => {
  it('exits 0, prints host progress and says where each output went', () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ {2}lab bridge-w0 +✔ mp1 +\d+ ms$/m);
    expect(run.stdout).not.toMatch(/\u001b\[/); // NO_COLOR and not a terminal: plain
    expect(run.stdout).toMatch(/^JUnit written to .*junit\.xml$/m);
    expect(run.stdout).toMatch(/^HTML report written to .*index\.html$/m);
    expect(run.stdout).toMatch(/^evidence bundle written to .*evidence\.tar\.gz \(.+\/, \d+ files/m);
    // APPCAT-BROWSER passed in bridge and tunnel (and the other modes) with both legs on the catalog's journal.
    for (const mode of ['bridge', 'tunnel', 'forward', 'direct'])
      expect(results.results.find((result) => result.requirement === 'APPCAT-BROWSER' && result.mode === mode)).toMatchObject({
        status: 'passed',
      });
  });

  it('writes JUnit that validates against the Surefire XSD, a testcase per requirement × mode', async () => {
    const xml = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(await surefireProblems(xml)).toEqual([]);
    expect(xml.match(/<testcase /g)).toHaveLength(results.results.length);
    expect(xml).toMatch(/<testcase name="APPCAT-BROWSER [^"]*" classname="ibcm-lab\.tunnel" time="\d+\.\d{3}">/);
    expect(xml).toMatch(
      /<testcase name="PX-TUNNEL-PASSTHRU [^"]*" classname="ibcm-lab\.bridge" time="0\.000">\s*<skipped message="not applicable in bridge mode/,
    );
  });

  it('writes a bundle named with the run id: results, journals, contract and configs with SHA-256, versions, topology — and no private key', async () => {
    const unpacked = join(scratch, 'unpacked');
    mkdirSync(unpacked);
    await extract({ file: join(out, 'evidence.tar.gz'), cwd: unpacked });
    expect(readdirSync(unpacked)).toEqual([results.runId]);
    const top = join(unpacked, results.runId);
    const all = files(top);
    for (const path of [
      'README.txt',
      'results/results.json',
      'results/junit.xml',
      'topology/topology.yaml',
      'topology/digest.txt',
      'meta/run.json',
      'meta/versions.json',
      'meta/proxy-configs.json',
      'meta/manifest.json',
    ])
      expect(all).toContain(path);
    expect(all).toContainEqual(expect.stringMatching(/^labs\/bridge-w\d\/evidence\/journals\/appcat1\.json$/));
    expect(all).toContainEqual(expect.stringMatching(/^labs\/tunnel-w\d\/proxy\/contract\.json$/));
    expect(all).toContainEqual(expect.stringMatching(/^labs\/bridge-w\d\/lab\.json$/));
    expect(all).toContainEqual(expect.stringMatching(/^labs\/bridge-w\d\/pki\/certs\/mp1\.pem$/));
    // The catalog's full journal holds the browser's GET and POST.
    const journal = all.find(
      (path) =>
        /^labs\/bridge-w\d\/evidence\/journals\/appcat1\.json$/.test(path) &&
        readFileSync(join(top, path), 'utf8').includes('POST /CMApplicationCatalog/Request'),
    );
    expect(journal).toBeDefined();
    // No private key anywhere: no keys/ folder, no PKCS#12, no PEM key in any file.
    expect(all.filter((path) => /(^|\/)keys\/|\.(p12|pfx|key)$/.test(path))).toEqual([]);
    for (const path of all) expect(readFileSync(join(top, path), 'latin1'), path).not.toMatch(/PRIVATE KEY-----/);
    const versions = JSON.parse(readFileSync(join(top, 'meta/versions.json'), 'utf8')) as {
      lab: Record<string, string>;
      dependencies: Record<string, string>;
      binaries: { name: string; version: string | null }[];
    };
    expect(versions.lab['ibcm-lab']).toBe(results.versions['ibcm-lab']);
    expect(versions.dependencies['@playwright/test']).toMatch(/^\d+\./);
    expect(versions.binaries.map((binary) => binary.name)).toContain('chromium');
    const configs = JSON.parse(readFileSync(join(top, 'meta/proxy-configs.json'), 'utf8')) as {
      lab: string;
      files: { path: string; sha256: string }[];
    }[];
    const contract = configs.flatMap((lab) => lab.files).find((file) => file.path.endsWith('/proxy/contract.json'))!;
    expect(contract.sha256).toMatch(/^[0-9a-f]{64}$/);
    const manifest = JSON.parse(readFileSync(join(top, 'meta/manifest.json'), 'utf8')) as {
      files: { path: string; bytes: number }[];
      excluded: string[];
    };
    expect(manifest.files.length).toBe(all.length - 1);
    expect(manifest.excluded).toContainEqual(expect.stringMatching(/\/pki\/keys\/ \(private keys\)$/));
    expect(readFileSync(join(top, 'README.txt'), 'utf8')).toMatch(
      /npx ibcm-lab run --proxy node --mode all --topology .*topology\/topology\.yaml --grep/,
    );
  });

  it("renders the report's first screen in Chromium with the matrix and the topology picture visible (PNG kept)", async () => {
    expect(chromiumMissing(), 'the screenshot needs a Chromium').toBeNull();
    const { browser } = await launchChromium({ args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      // Opened from disk, with every network request refused: the report must need none.
      const requests: string[] = [];
      await page.route(/^(?!file:)/, (route) => {
        requests.push(route.request().url());
        return route.abort();
      });
      await page.goto(`file://${join(out, 'index.html')}`);
      const inFirstScreen = async (selector: string) => {
        const box = await page.locator(selector).first().boundingBox();
        return Boolean(box && box.width > 100 && box.height > 100 && box.y < 1000 && box.x < 1600);
      };
      expect(await page.locator('table.matrix').isVisible()).toBe(true);
      expect(await inFirstScreen('table.matrix')).toBe(true);
      expect(await page.locator('figure.svg-panel:not([hidden]) svg.topology').isVisible()).toBe(true);
      expect(await inFirstScreen('figure.svg-panel:not([hidden]) svg.topology')).toBe(true);
      expect(await page.locator('tr.req[data-id="APPCAT-BROWSER"] td.cell.v-passed').count()).toBe(4);
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
      // The filters work: only the not-applicable verdicts leave PX-TUNNEL-PASSTHRU's row and no APPCAT case.
      for (const verdict of ['passed', 'failed', 'error', 'unexpected-pass', 'expected-failure', 'not-covered'])
        await page.uncheck(`input[name=verdict][value="${verdict}"]`);
      expect(await page.locator('tr.req:not([hidden])').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')))).toEqual([
        'PX-TUNNEL-PASSTHRU',
      ]);
      expect(await page.locator('article.case:not([hidden])').count()).toBe(3);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
