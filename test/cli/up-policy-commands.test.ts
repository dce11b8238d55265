// `ibcm-lab up --mode bridge` prints curl commands that fetch the client's policy assignments and one
// policy body with ClientToken / ClientTokenSignature (issue 12; W:21, W:25). This runs the printed
// commands as printed, in bash, against a bridge lab started in-process the way `up` starts it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeLab } from '../../harness/cli/up.js';
import { proxyOption } from '../../harness/cli/proxy-option.js';
import { startLab, type Lab } from '../../harness/lab/index.js';
import { loadTopology } from '../../harness/topology/index.js';

// A loopback block of its own (tests pin 150..180; see test/client/transport-lab.test.ts).
const LAB_INDEX = 163;
let tmp: string;
let lab: Lab;
let printed: string;

beforeAll(async () => {
  process.env.NO_COLOR = '1';
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-lab-up-policy-'));
  lab = await startLab({
    topology: loadTopology(),
    mode: 'bridge',
    proxy: proxyOption(undefined).proxy,
    runId: 'up-policy-test',
    dir: path.join(tmp, 'lab'),
    labIndex: LAB_INDEX,
  });
  printed = await describeLab(lab, 'embedded');
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The commands of the "Try it" section, as a person pastes them (comments and the dig line left out). */
function commands(text: string): string {
  const section = text.split('\n');
  const start = section.findIndex((line) => line.includes('Try it as the internet client'));
  const end = section.findIndex((line, index) => index > start && line.trim() === '');
  return section
    .slice(start + 1, end)
    .filter((line) => !line.trim().startsWith('#') && !line.trim().startsWith('dig '))
    .join('\n');
}

describe('up prints policy commands that work as printed', () => {
  it('fetches the assignments (CCM_POST) and one policy body (ClientToken) through the bridge: 200 and the policy XML', async () => {
    const script = commands(printed);
    expect(script).toContain('ClientTokenSignature: $SIG');
    expect(script).toContain('CCM_POST');
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { timeout: 60_000 });
    // The MP list, the assignment reply's XML (decoded by the printed script), the policy body's status and XML.
    expect(stdout).toMatch(/<MPList>/);
    expect(stdout).toMatch(/<ReplyAssignments [^>]*>[\s\S]*<PolicyLocation[^>]*><!\[CDATA\[http:\/\/<mp>\/SMS_MP\/\.sms_pol\?\{/);
    expect(stdout).toMatch(/^200$/m);
    // The secret NAA policy, decrypted by openssl with the client's key as printed.
    expect(stdout).toMatch(/<instance class="CCM_NetworkAccessAccount">/);
    const smsId = /registered through the lab as (GUID:[0-9A-F-]+)/.exec(printed)?.[1];
    expect(smsId).toBeDefined();
    const policyFile = /-o (\S+policy\.xml)/.exec(printed)![1]!;
    expect(readFileSync(policyFile, 'utf8')).toMatch(new RegExp(`^<Policy [^>]*><ClientID>${smsId}</ClientID>`));
    // The request reached the MP through the bridge with the ClientToken headers.
    const entry = lab
      .journal('mp1')
      .since(0)
      .find((candidate) => candidate.method === 'GET' && candidate.headers.some(([name]) => name.toLowerCase() === 'clienttoken'));
    expect(entry?.response.status).toBe(200);
  }, 90_000);
});
