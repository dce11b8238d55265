// The Docker engine as the lab uses it: testcontainers for containers (its start/wait/stop life
// cycle), dockerode for what testcontainers has no API for (networks with explicit subnets,
// connecting a created container to more networks, sweeping by label).
//
// No Ryuk: its image cannot be pulled where there is no registry, and the lab cleans up itself
// (every object is labelled with the run and the owning process; see cleanup.ts), with a watchdog of
// its own (reaper.ts) started the first time a process labels an object it is about to make.
import Docker from 'dockerode';
import { ownIdentity } from '../../run/process-identity.js';
import { labLabels } from './labels.js';
import { ensureReaper } from './reaper.js';

/** Every container and network the lab makes carries these labels (labels.ts). */
export { LABEL, LABEL_LAB, LABEL_PID, LABEL_RUN } from './labels.js';

let docker: Docker | undefined;

/** dockerode on the local engine (DOCKER_HOST when set, else the Unix socket). */
export function engine(): Docker {
  prepareTestcontainersEnvironment();
  docker ??= new Docker();
  return docker;
}

/**
 * testcontainers reads these when it first meets the engine: no Ryuk (nothing to pull), and "the
 * host" is this machine's loopback — a `/.dockerenv` here would otherwise make it pick the default
 * bridge's gateway, which the lab never uses.
 */
export function prepareTestcontainersEnvironment(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
}

/** The labels of an object about to be made; the first call starts this process's reaper (reaper.ts). */
export function labels(runId: string, lab: string): Record<string, string> {
  ensureReaper();
  return labLabels(runId, lab, ownIdentity());
}

/** A clear reason when no engine answers. */
export async function engineProblem(): Promise<string | undefined> {
  try {
    await engine().ping();
    return undefined;
  } catch (error) {
    return `no Docker engine answers (${(error as Error).message}); start one (e.g. \`dockerd --bridge=none --default-address-pool base=198.18.128.0/17,size=24\`) or use --driver embedded`;
  }
}
