// The LOC and CMG worlds' effects on what the lab publishes (pure data: the plan, the DNS views, the
// proxy contract), on a variant topology with a second internet MP and a CMG — the shape the LOC
// and CMG checks run on.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { proxyFacingOf, writeContract } from '../../harness/lab/contract.js';
import { dnsRecords } from '../../harness/lab/dns-views.js';
import { EmbeddedPlacement } from '../../harness/drivers/embedded/placement.js';
import { planLab as planOn } from '../../harness/lab/plan.js';
import { variantTopology } from '../../harness/lab/variant.js';
import { loadTopology, type QuirkName, type Topology } from '../../harness/topology/index.js';

// A plan on the embedded driver's loopback block `labIndex`.
const planLab = (topology: Topology, mode: 'bridge' | 'direct', labIndex: number) =>
  planOn(topology, mode, new EmbeddedPlacement({ labIndex, portOffset: topology.drivers.embedded.portOffset }));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ibcm-world-quirks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function world(quirks: QuirkName[]): Topology {
  const base = loadTopology();
  return variantTopology({ ...base, quirks }, { secondManagementPoint: true, cloudManagementGateway: true }, 5);
}

const names = (topology: Topology, mode: 'bridge' | 'direct') =>
  dnsRecords('internet', topology, mode, planLab(topology, mode, 160)).map((record) => record.name);

describe('world quirks', () => {
  it('a healthy world publishes both internet MPs and the CMG', () => {
    expect(names(world([]), 'direct')).toEqual(
      expect.arrayContaining(['mp.ibcm-lab.example', 'mp2.ibcm-lab.example', 'lab-cmg.cloudapp.example']),
    );
  });

  it('internet-dns-lacks-second-mp registers the second MP under another name only', () => {
    const published = names(world(['internet-dns-lacks-second-mp']), 'direct');
    expect(published).toContain('mp.ibcm-lab.example');
    expect(published).not.toContain('mp2.ibcm-lab.example');
    expect(published).toContain('mp2-public.ibcm-lab.example');
  });

  it('proxy-publishes-first-internet-mp-only leaves the second MP without a listener, its name pointing at the proxy', () => {
    const topology = world(['proxy-publishes-first-internet-mp-only']);
    const plan = planLab(topology, 'bridge', 161);
    const contract = writeContract({
      runId: 't',
      mode: 'bridge',
      dir: path.join(tmp, 'bridge'),
      facing: proxyFacingOf(plan, 'bridge'),
      trustBundlePath: 'ca.pem',
      crlPem: '',
      crlUrls: [],
      resolver: { host: '127.0.0.1', port: 53, hostsFileText: '' },
    });
    expect(contract.listeners.map((listener) => listener.publicName)).toContain('mp.ibcm-lab.example');
    expect(contract.listeners.map((listener) => listener.publicName)).not.toContain('mp2.ibcm-lab.example');
    const mp2 = plan.siteSystems.find((system) => system.role.name === 'mp2')!;
    expect(dnsRecords('internet', topology, 'bridge', plan)).toContainEqual({
      name: 'mp2.ibcm-lab.example',
      type: 'A',
      address: mp2.publishedAddress,
    });
  });

  it('cmg-not-in-public-dns leaves the CMG name out of every view', () => {
    const topology = world(['cmg-not-in-public-dns']);
    const plan = planLab(topology, 'direct', 162);
    for (const segment of ['internet', 'dmz', 'intranet'] as const)
      expect(dnsRecords(segment, topology, 'direct', plan).map((record) => record.name)).not.toContain('lab-cmg.cloudapp.example');
  });
});
