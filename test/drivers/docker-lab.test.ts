// The docker driver against a real engine (skipped, with the reason, where none answers or the
// images are not built — `.ci/run` builds them before the tests): every network the lab makes is
// internal with a subnet inside 198.18.0.0/15, no container touches the default bridge, a stopped
// lab leaves nothing behind, and a run killed with SIGKILL is swept by the next start.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepStale } from '../../harness/drivers/docker/cleanup.js';
import { dockerDriver } from '../../harness/drivers/docker/driver.js';
import { engine, LABEL, LABEL_PID, LABEL_RUN } from '../../harness/drivers/docker/engine.js';
import { dockerUnavailable } from './docker-available.js';
import { startLab } from '../../harness/lab/index.js';
import { findProxy } from '../../harness/proxies/index.js';
import { loadTopology } from '../../harness/topology/index.js';
import { root } from '../cli/run-cli.js';

const unavailable = await dockerUnavailable();
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** 198.18.0.0/15: 198.18.0.0 – 198.19.255.255. */
function inBenchmarkRange(subnet: string): boolean {
  const match = /^198\.(18|19)\.\d{1,3}\.\d{1,3}\/(\d+)$/.exec(subnet);
  return Boolean(match && Number(match[2]) >= 15);
}

async function labelled(runId: string) {
  const docker = engine();
  const filters = { label: [`${LABEL_RUN}=${runId}`] };
  return { containers: await docker.listContainers({ all: true, filters }), networks: await docker.listNetworks({ filters }) };
}

describe.skipIf(Boolean(unavailable))(`docker driver${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('puts every host on internal lab networks inside 198.18.0.0/15, never the default bridge, and removes everything on stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ibcm-docker-lab-'));
    dirs.push(dir);
    const runId = `test-${process.pid}-${Date.now()}`;
    const lab = await startLab({ topology: loadTopology(), mode: 'bridge', proxy: findProxy('node'), runId, dir, driver: dockerDriver });
    try {
      const { containers, networks } = await labelled(runId);
      expect(networks.map((network) => network.Name.replace(/^.*-/, '')).sort()).toEqual(['dmz', 'internet', 'intranet']);
      for (const network of networks) {
        const details = await engine().getNetwork(network.Id).inspect();
        expect(details.Internal, `${network.Name} is internal`).toBe(true);
        expect(details.IPAM?.Config?.length, `${network.Name} has an explicit subnet`).toBeGreaterThan(0);
        for (const config of details.IPAM?.Config ?? [])
          expect(inBenchmarkRange(config.Subnet ?? ''), `${network.Name} subnet ${config.Subnet}`).toBe(true);
      }
      const labNetworks = new Set(networks.map((network) => network.Name));
      // Every host, the DNS server and the proxy (its network holder) — each only on lab networks.
      expect(containers.length).toBeGreaterThanOrEqual(lab.hosts.length);
      for (const container of containers) {
        const attached = Object.keys(container.NetworkSettings.Networks);
        for (const name of attached)
          expect(
            labNetworks.has(name) || name === 'none' || container.HostConfig.NetworkMode.startsWith('container:'),
            `${container.Names[0]} on ${name}`,
          ).toBe(true);
        expect(attached).not.toContain('bridge');
      }
      // A host answers on its own address on its segment (the MP list from the DMZ address, over the host route).
      const mp = lab.siteSystem('management-point');
      expect(mp.address).toMatch(/^198\.19\./);

      // A client moved between segments: its station container leaves one network and joins the other.
      const stationNetworks = async () => {
        const [station] = await engine().listContainers({ filters: { label: [`${LABEL_RUN}=${runId}`], name: ['station'] } });
        return Object.entries(station!.NetworkSettings.Networks).map(
          ([name, network]) => `${name.replace(/^.*-/, '')} ${network.IPAddress}`,
        );
      };
      const onInternet = await lab.moveClient(undefined, 'internet');
      expect(onInternet.station).toBeDefined();
      expect(await stationNetworks()).toEqual([`internet ${onInternet.localAddress}`]);
      const onIntranet = await lab.moveClient(undefined, 'intranet');
      expect(onIntranet.station?.socketPath).toBe(onInternet.station?.socketPath);
      expect(await stationNetworks()).toEqual([`intranet ${onIntranet.localAddress}`]);
    } finally {
      await lab.stop();
    }
    const after = await labelled(runId);
    expect(after.containers).toEqual([]);
    expect(after.networks).toEqual([]);
  }, 120_000);

  it('sweeps what a run killed with SIGKILL left behind at the next start (the backstop when its watchdog is gone too)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ibcm-docker-kill-'));
    dirs.push(cwd);
    const child = spawn(process.execPath, [join(root, 'bin', 'ibcm-lab.mjs'), 'up', '--driver', 'docker', '--mode', 'direct'], {
      cwd,
      // Without its watchdog (reaper.ts, tested in test/cli/interrupt-docker.test.ts): this is the backstop's test.
      env: { ...process.env, IBCM_LAB_INDEX: '191', IBCM_LAB_NO_REAPER: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ibcm-lab up did not come up in 90 s:\n${output}`)), 90_000);
      child.stdout.on('data', () => {
        if (output.includes('Lab up')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`ibcm-lab up exited with ${code}:\n${output}`)));
    });
    const pid = child.pid!;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const docker = engine();
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_PID}=${pid}`] } });
    expect(left.length, 'the killed run left its containers (nothing removed them)').toBeGreaterThan(0);

    // The next start sweeps whatever a dead process labelled.
    const swept = await sweepStale();
    expect(swept.containers).toBeGreaterThanOrEqual(left.length);
    const filters = { label: [`${LABEL_PID}=${pid}`] };
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect(
      (await docker.listNetworks({ filters: { label: [LABEL] } })).filter((network) => network.Labels?.[LABEL_PID] === String(pid)),
    ).toEqual([]);
  }, 150_000);
});
