// Clean-up without Ryuk: every container and network the lab makes is labelled with its run and its
// owner (labels.ts). A lab removes its own on stop (also on Ctrl-C, through the lab's teardown); what
// a killed run left behind is swept at the next start and by `ibcm-lab down`: whatever sweep-plan.ts
// finds to belong to a dead owner. Live runs — someone else's on a shared engine — are left alone.
// The glue to the engine is here; the decision is sweep-plan.ts's.
import { here, ownerLiveness } from '../../run/process-identity.js';
import { engine, LABEL } from './engine.js';
import { planSweep, type LabObject, type LeftAlone } from './sweep-plan.js';

export interface SweepResult {
  containers: number;
  networks: number;
  leftAlone: LeftAlone[];
}

/** Removes lab containers and networks whose owner is gone, and those of `ownRuns` whoever owns them. */
export async function sweepStale(options: { ownRuns?: string[] } = {}): Promise<SweepResult> {
  const docker = engine();
  const objects: LabObject[] = [
    ...(await docker.listContainers({ all: true, filters: { label: [LABEL] } })).map((info) => ({
      kind: 'container' as const,
      id: info.Id,
      name: (info.Names?.[0] ?? info.Id).replace(/^\//, ''),
      labels: info.Labels ?? {},
    })),
    ...(await docker.listNetworks({ filters: { label: [LABEL] } })).map((info) => ({
      kind: 'network' as const,
      id: info.Id,
      name: info.Name,
      labels: info.Labels ?? {},
    })),
  ];
  const where = here();
  const plan = planSweep(objects, (owner) => ownerLiveness(owner, where), options);
  const containers = plan.remove.filter((object) => object.kind === 'container');
  const networks = plan.remove.filter((object) => object.kind === 'network');
  await Promise.all(
    containers.map((object) =>
      docker
        .getContainer(object.id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  for (const object of networks)
    await docker
      .getNetwork(object.id)
      .remove()
      .catch(() => undefined);
  return { containers: containers.length, networks: networks.length, leftAlone: plan.leftAlone };
}
