// The lab's segments as docker networks: `internet`, `dmz`, `intranet`, each a bridge network marked
// internal with an explicit /24 inside 198.19.0.0/16 — inside 198.18.0.0/15 (DESIGN.md's address
// rule) and outside the engine's default pool (198.18.128.0/17), so nothing the engine hands out by
// itself can collide with a lab. Subnets are taken from what no network on the engine uses; two labs
// racing for one get "pool overlaps" from the engine and the loser moves on to the next.
import type Docker from 'dockerode';
import { segmentNames, type Segment } from '../../topology/index.js';
import { engine, labels } from './engine.js';

export const LAB_SUBNETS = { first: '198.19.0.0', count: 256 } as const;

export interface SegmentNetwork {
  segment: Segment;
  name: string;
  id: string;
  /** e.g. 198.19.7 (the /24's first three octets). */
  prefix: string;
  subnet: string;
  /** The bridge's address on this machine: where a client standing on this segment comes from. */
  gateway: string;
}

/** Every /24 of 198.19.0.0/16 no network on the engine overlaps. */
async function freePrefixes(docker: Docker): Promise<string[]> {
  const used = new Set<string>();
  for (const network of await docker.listNetworks()) {
    for (const config of network.IPAM?.Config ?? []) {
      const match = /^198\.19\.(\d+)\./.exec(config.Subnet ?? '');
      if (match) used.add(`198.19.${match[1]}`);
    }
  }
  return Array.from({ length: LAB_SUBNETS.count }, (_, third) => `198.19.${third}`).filter((prefix) => !used.has(prefix));
}

export async function createSegmentNetworks(options: { runId: string; lab: string; namePrefix: string }): Promise<SegmentNetwork[]> {
  const docker = engine();
  const made: SegmentNetwork[] = [];
  try {
    for (const segment of segmentNames) {
      let created: SegmentNetwork | undefined;
      for (let attempt = 0; attempt < 8 && !created; attempt++) {
        const candidates = await freePrefixes(docker);
        // Spread concurrent labs over the range, so they rarely try the same /24.
        const prefix = candidates[(process.pid + attempt * 7 + made.length) % Math.max(1, Math.min(candidates.length, 16))];
        if (!prefix) throw new Error('no free /24 left in 198.19.0.0/16 for a lab network (remove old ones: ibcm-lab down)');
        const name = `${options.namePrefix}-${segment}`;
        try {
          const network = await docker.createNetwork({
            Name: name,
            Driver: 'bridge',
            Internal: true,
            CheckDuplicate: true,
            Labels: labels(options.runId, options.lab),
            IPAM: { Driver: 'default', Config: [{ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.1` }] },
          });
          created = { segment, name, id: network.id, prefix, subnet: `${prefix}.0/24`, gateway: `${prefix}.1` };
        } catch (error) {
          if (!/overlap|already exists|conflict/i.test((error as Error).message)) throw error;
        }
      }
      if (!created) throw new Error(`could not create the ${segment} network: every free subnet was taken while trying`);
      made.push(created);
    }
    return made;
  } catch (error) {
    await removeNetworks(made);
    throw error;
  }
}

export async function removeNetworks(networks: { id: string }[]): Promise<void> {
  const docker = engine();
  for (const network of networks)
    await docker
      .getNetwork(network.id)
      .remove()
      .catch(() => undefined);
}
