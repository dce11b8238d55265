// The CLI contract users and CI script against: exit 0 / 1 / 2, one clear line for bad input,
// a broken proxy caught with a reason that names what it broke, nothing left behind.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listenersInBlock, runCli } from './run-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'ibcm-lab-cli-'));

describe('ibcm-lab CLI', () => {
  it('teaches with --help and lists proxies and requirements', async () => {
    const help = await runCli(['help', 'run']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--mode <mode>\s+bridge/);
    expect(help.stdout).toMatch(/Reading a verdict/);
    const proxies = await runCli(['proxies']);
    expect(proxies.stdout).toMatch(/^node\s+reference\s+bridge,tunnel/m);
    expect(proxies.stdout).toMatch(/faulty-drop-ccmclientidsignature\s+faulty/);
    const requirements = await runCli(['requirements']);
    expect(requirements.stdout).toMatch(/^PX-VERB-MP-CCM_POST\s+required/m);
  });

  it.each([
    [['run', '--mode', 'sideways'], /^ibcm-lab: unknown --mode "sideways"; use bridge, tunnel, forward, direct or all\n$/],
    [['run', '--proxy', 'squidward'], /^ibcm-lab: unknown proxy "squidward"/],
    [['run', '--colour'], /^ibcm-lab: unknown option '--colour'/],
    [['run', '--grep', 'NOPE-NOTHING'], /^ibcm-lab: --grep "NOPE-NOTHING" matches no requirement ID/],
    [['run', '--workers', 'many'], /^ibcm-lab: --workers must be a whole number/],
    [['frobnicate'], /^ibcm-lab: unknown command "frobnicate"/],
  ])('exits 2 with one line for bad usage: %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 naming the path and line of a broken topology file', async () => {
    const file = join(scratch, 'customer.yaml');
    writeFileSync(
      file,
      readFileSync(new URL('../../harness/topology/presets/default.yaml', import.meta.url), 'utf8').replace(
        'internetFqdn: mp.ibcm-lab.example',
        'internetFqdn: "mp ibcm"',
      ),
    );
    const result = await runCli(['run', '--topology', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/customer\.yaml:\d+: roles\[0\]\.internetFqdn: must be a fully qualified domain name/);
  });

  it('exits 2 when a port the lab needs is taken, naming the address', async () => {
    const index = 171;
    const blocker = net.createServer();
    // The MP is the first host on the DMZ segment: 127.<16+index>.2.10, HTTPS 443 + 20000.
    await new Promise<void>((resolve) => blocker.listen(20443, `127.${16 + index}.2.10`, resolve));
    try {
      const result = await runCli(['run', '--mode', 'direct', '--workers', '1'], { IBCM_LAB_INDEX: String(index) });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`could not run: .*127\\.${16 + index}\\.2\\.10:20443.*already in use`));
      expect(listenersInBlock(16 + index)).toEqual([`127.${16 + index}.2.10:20443`]);
    } finally {
      blocker.close();
    }
  }, 60_000);

  it('fails a proxy that drops CCMClientIDSignature, naming the header, and only that check', async () => {
    const json = join(scratch, 'faulty.json');
    const result = await runCli([
      'run',
      '--proxy',
      'faulty-drop-ccmclientidsignature',
      '--mode',
      'bridge',
      '--grep',
      '^PX-HDR-MP-',
      '--json',
      json,
    ]);
    expect(result.code).toBe(1);
    const results = JSON.parse(readFileSync(json, 'utf8')) as {
      results: { requirement: string; mode: string; status: string; reason: string }[];
    };
    const verdicts = Object.fromEntries(results.results.map((entry) => [entry.requirement, entry]));
    expect(verdicts['PX-HDR-MP-CCMClientIDSignature']).toMatchObject({ status: 'failed', mode: 'bridge' });
    expect(verdicts['PX-HDR-MP-CCMClientIDSignature']!.reason).toMatch(
      /header CCMClientIDSignature was sent but did not reach the site system/,
    );
    for (const other of [
      'PX-HDR-MP-CCMClientID',
      'PX-HDR-MP-CCMClientTimestamp',
      'PX-HDR-MP-CCMClientTimestampSignature',
      'PX-HDR-MP-Range',
    ])
      expect(verdicts[other]!.status).toBe('passed');
  }, 60_000);

  it('runs a proxy written from the contract alone (a shell script starting HAProxy) with exec:', async () => {
    const json = join(scratch, 'exec.json');
    const result = await runCli([
      'run',
      '--proxy',
      'exec:sh examples/haproxy-tunnel.sh',
      '--mode',
      'tunnel',
      '--grep',
      '^PX-(TUNNEL-PASSTHRU|VERB-MP-CCM_POST|HDR-MP-Range)$',
      '--json',
      json,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const results = JSON.parse(readFileSync(json, 'utf8')) as { proxy: string; results: { requirement: string; status: string }[] };
    expect(results.proxy).toBe('exec:sh examples/haproxy-tunnel.sh');
    expect(results.results.map((entry) => `${entry.requirement} ${entry.status}`).sort()).toEqual([
      'PX-HDR-MP-Range passed',
      'PX-TUNNEL-PASSTHRU passed',
      'PX-VERB-MP-CCM_POST passed',
    ]);
  }, 60_000);

  it('tears the labs down on Ctrl-C and exits 2', async () => {
    const index = 173;
    let interrupted = false;
    const result = await runCli(['run', '--mode', 'all'], { IBCM_LAB_INDEX: String(index) }, (stdout, child) => {
      // Interrupt once checks are running, i.e. the labs are up.
      if (!interrupted && /^\s+✔ /m.test(stdout)) {
        interrupted = true;
        process.kill(-child.pid!, 'SIGINT');
      }
    });
    expect(interrupted).toBe(true);
    expect(result.code).toBe(2);
    for (let worker = 0; worker < 3; worker++) expect(listenersInBlock(16 + index + worker)).toEqual([]);
  }, 60_000);
});
