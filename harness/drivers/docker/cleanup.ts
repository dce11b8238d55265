// Clean-up without Ryuk: every container and network the lab makes is labelled with its run and the
// process that made it. A lab removes its own on stop (also on Ctrl-C, through the lab's teardown);
// what a killed run left behind is swept at the next start: anything labelled by a process that no
// longer exists on this machine. `ibcm-lab down` sweeps everything labelled, whoever made it.
import { engine, LABEL, LABEL_PID } from './engine.js';
import { processAlive } from './process-alive.js';

export interface SweepResult {
  containers: number;
  networks: number;
}


/** Removes lab containers and networks whose owning process is gone (or all of them with `all`). */
export async function sweepStale(options: { all?: boolean } = {}): Promise<SweepResult> {
  const docker = engine();
  const stale = (labelsOf: Record<string, string> | undefined) => {
    if (options.all) return true;
    const pid = Number(labelsOf?.[LABEL_PID]);
    return !Number.isInteger(pid) || pid <= 0 || !processAlive(pid);
  };
  const containers = (await docker.listContainers({ all: true, filters: { label: [LABEL] } })).filter((info) => stale(info.Labels));
  await Promise.all(containers.map((info) => docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined)));
  const networks = (await docker.listNetworks({ filters: { label: [LABEL] } })).filter((info) => stale(info.Labels));
  for (const info of networks) await docker.getNetwork(info.Id).remove().catch(() => undefined);
  return { containers: containers.length, networks: networks.length };
}
