// The watchdog process reaper.ts starts: `node bin/ibcm-lab-reaper.mjs <owner as JSON>`. It
// waits for its owner to be gone, removes what that owner labelled, and exits (reaper.ts says why).
import type { ProcessIdentity } from '../../run/process-identity.js';
import { engine } from './engine.js';
import { watchAndReap, type ReaperEngine } from './reaper.js';

const owner = JSON.parse(process.argv[2] ?? '{}') as ProcessIdentity;
if (!Number.isInteger(owner.pid) || owner.pid <= 0 || !owner.host) process.exit(2);
// Signals a terminal or a group kill could still send it are not its owner's end.
for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, () => undefined);

const docker = engine();
const adapter: ReaperEngine = {
  listContainers: async (filter) =>
    (await docker.listContainers({ all: true, filters: { label: filter } })).map((info) => ({ id: info.Id, labels: info.Labels ?? {} })),
  listNetworks: async (filter) =>
    (await docker.listNetworks({ filters: { label: filter } })).map((info) => ({ id: info.Id, labels: info.Labels ?? {} })),
  removeContainer: async (id) => {
    await docker.getContainer(id).remove({ force: true });
  },
  removeNetwork: async (id) => {
    await docker.getNetwork(id).remove();
  },
};

await watchAndReap(adapter, owner);
process.exit(0);
