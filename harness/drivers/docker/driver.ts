// The docker driver: one container per lab host on real segment networks. Every host runs the
// same code as on the embedded driver (`ibcm-lab host`, from its spec file) in the node image; the
// DNS host stands on all three networks; the proxy under test stands on the internet and the dmz
// (forward: the internet), at every published address, in its own image. The checks' clients run
// on this machine and stand on a segment through the bridge's address there (placement.ts); a client
// that moves goes through its client station (station.ts), a container moved between networks.
//
// What the lab reads of a host (journal, DNS queries, DC connections) comes from the JSON-lines
// files the host writes into the bind-mounted lab directory; what it asks of a host goes over a Unix
// socket in a small control directory mounted at /run/ibcm-lab.
import http from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StartedTestContainer } from 'testcontainers';
import type { ClientStation, DriverLab, LabDriver, LabHost } from '../../hosts/driver.js';
import type { Segment } from '../../topology/index.js';
import { jsonLinesLog } from '../../hosts/log.js';
import { hostLogFiles, type Attachment, type HostCommand, type HostSpec } from '../../hosts/spec.js';
import { PROXY_CONTRACT_ENV, type ProxyContract, type ProxyImplementation, type StartedProxy } from '../../proxies/index.js';
import { contractPath } from '../../proxies/exec/index.js';
import { contractEndpoints, FileFollower } from '../../proxies/process/index.js';
import { sweepStale } from './cleanup.js';
import { TcpEndpointsReady, startLabContainer, type NetworkAttachment } from './containers.js';
import { engine, engineProblem, labels, LABEL_LAB, LABEL_RUN } from './engine.js';
import { imageRefs, proxyImage, type ImageRefs } from './images.js';
import { createSegmentNetworks, removeNetworks } from './networks.js';
import { DockerPlacement } from './placement.js';
import { STATION_READY_LINE } from './station.js';

const HOST_READY = /ibcm-lab host ready/;
const CONTROL_DIR_IN_CONTAINER = '/run/ibcm-lab';
/** The host entry point inside the node image (images/node puts the project at /opt/ibcm-lab). */
const HOST_ENTRY_IN_IMAGE = '/opt/ibcm-lab/bin/ibcm-lab-host.mjs';
const PROXY_ENTRY_IN_IMAGE = '/opt/ibcm-lab/bin/ibcm-lab-proxy.mjs';
const STATION_ENTRY_IN_IMAGE = '/opt/ibcm-lab/bin/ibcm-lab-station.mjs';

let swept: Promise<void> | undefined;

/**
 * The docker driver. `images` pins the image refs for a whole run (the CLI works them out once, before
 * any lab starts): the node image's tag is a hash of the sources, so working them out again later
 * in a run could name an image that a change to the working tree since has made unbuilt.
 */
export function createDockerDriver(options: { images?: ImageRefs } = {}): LabDriver {
  return {
    name: 'docker',
    open: (openOptions) => openDockerLab(openOptions, options.images),
  };
}

/** The docker driver with the images of the sources as they are now. */
export const dockerDriver: LabDriver = createDockerDriver();

async function openDockerLab({ runId, dir, labName }: Parameters<LabDriver['open']>[0], images: ImageRefs | undefined): Promise<DriverLab> {
  const problem = await engineProblem();
  if (problem) throw new Error(problem);
  // Whatever a crashed run left behind goes first (once per process).
  swept ??= sweepStale().then(() => undefined);
  await swept;
  const refs = images ?? (await imageRefs());
  await requireImage(refs.node);

  const labKey = `${runId}-${labName}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const namePrefix = `ibcm-${shortId(labKey)}`;
  const labDir = resolve(dir);
  mkdirSync(join(labDir, 'hosts'), { recursive: true });
  // Unix socket paths must stay short (108 bytes): the control directory lives in the OS temp dir.
  const controlDir = mkdtempSync(join(tmpdir(), 'ibcm-c-'));
  const networks = await createSegmentNetworks({ runId, lab: labKey, namePrefix });
  const placement = new DockerPlacement(networks);
  const containers: StartedTestContainer[] = [];
  const common = { labels: labels(runId, labKey), binds: [{ source: labDir, target: labDir, mode: 'rw' as const }] };
  const attachments = (attach: Attachment[], aliases: string[] = []): NetworkAttachment[] =>
    attach.map((item, index) => ({
      network: placement.network(item.segment).name,
      address: item.address,
      aliases: index === 0 ? aliases : [],
    }));

  return {
    placement,
    clientAddress: (segment) => placement.clientAddress(segment),
    async startHost(spec: HostSpec): Promise<LabHost> {
      const files = hostLogFiles(labDir, spec.name);
      writeFileSync(files.spec, JSON.stringify(spec));
      const container = await startLabContainer({
        ...common,
        binds: [...common.binds, { source: controlDir, target: CONTROL_DIR_IN_CONTAINER, mode: 'rw' }],
        image: refs.node,
        name: `${namePrefix}-${spec.name}`,
        entrypoint: ['node', HOST_ENTRY_IN_IMAGE],
        command: [labDir, spec.name],
        networks: attachments(spec.attach, [spec.name]),
        dns: spec.kind === 'dns' ? undefined : [placement.dnsAddress(spec.attach[0]!.segment)],
        ready: HOST_READY,
      }).catch((error: Error) => {
        throw new Error(`host ${spec.name} did not start in its container: ${error.message}`);
      });
      containers.push(container);
      const socketPath = join(controlDir, `${spec.name}.sock`);
      return {
        name: spec.name,
        journal: jsonLinesLog(files.journal),
        dnsLog: (segment) => jsonLinesLog(files.dns(segment)),
        connections: jsonLinesLog(files.connections),
        control: (command) => sendCommand(socketPath, spec.name, command),
        stop: () => container.stop({ timeout: 2, remove: true }).then(() => undefined),
      };
    },
    async startClientStation(client: string, segment: Segment, address: string): Promise<ClientStation> {
      const socketName = `${client.replace(/[^A-Za-z0-9_.-]/g, '_')}.station.sock`;
      const container = await startLabContainer({
        ...common,
        binds: [...common.binds, { source: controlDir, target: CONTROL_DIR_IN_CONTAINER, mode: 'rw' }],
        image: refs.node,
        name: `${namePrefix}-station-${client.replace(/[^A-Za-z0-9_.-]/g, '_')}`,
        entrypoint: ['node', STATION_ENTRY_IN_IMAGE],
        command: [`${CONTROL_DIR_IN_CONTAINER}/${socketName}`],
        networks: [{ network: placement.network(segment).name, address }],
        ready: new RegExp(STATION_READY_LINE),
      }).catch((error: Error) => {
        throw new Error(`the client station of ${client} did not start in its container: ${error.message}`);
      });
      containers.push(container);
      let current = segment;
      return {
        socketPath: join(controlDir, socketName),
        async move(to: Segment, toAddress: string) {
          if (to === current) return;
          // A real move: off the old segment's network (its connections die), onto the new one's.
          await engine().getNetwork(placement.network(current).name).disconnect({ Container: container.getId(), Force: true });
          await engine()
            .getNetwork(placement.network(to).name)
            .connect({ Container: container.getId(), EndpointConfig: { IPAMConfig: { IPv4Address: toAddress } } });
          current = to;
        },
      };
    },
    async startProxy(implementation: ProxyImplementation, contract: ProxyContract, attach: Attachment[]): Promise<StartedProxy> {
      const log: string[] = [];
      // The proxy's network stack: a small holder container owns its addresses (one per network
      // from Docker, the rest added with `ip addr`), and the proxy shares it — so any image, a
      // vendor's too, gets every published address without tools or privileges of its own.
      const bySegment = new Map<string, Attachment[]>();
      for (const item of attach) bySegment.set(item.segment, [...(bySegment.get(item.segment) ?? []), item]);
      const primary = [...bySegment.values()].map((items) => items[0]!);
      const extra = [...bySegment.values()].flatMap((items) => items.slice(1));
      const script = [
        'set -e',
        ...extra.map(
          (item) =>
            `dev=$(ip -o -4 addr show | awk '$4 ~ /^${placement.network(item.segment).prefix.replace(/\./g, '\\.')}\\./ {print $2; exit}'); ip addr add ${item.address}/24 dev "$dev"`,
        ),
        'echo "ibcm-lab proxy network ready"',
        'exec sleep infinity',
      ].join('\n');
      const holder = await startLabContainer({
        ...common,
        image: refs.node,
        name: `${namePrefix}-${contract.mode === 'forward' ? 'webproxy' : 'proxy'}-net`,
        entrypoint: ['/bin/sh', '-c', script],
        networks: attachments(primary),
        dns: [placement.dnsAddress(contract.mode === 'forward' ? 'internet' : 'dmz')],
        capabilities: ['NET_ADMIN'],
        ready: /ibcm-lab proxy network ready/,
      });
      containers.push(holder);
      const vendorImage = implementation.ref?.kind === 'image' ? implementation.ref.image : undefined;
      if (implementation.ref?.kind === 'exec')
        throw new Error('exec: proxies run on the embedded driver; on docker, give an image (--proxy image:<ref>)');
      const image = vendorImage ?? proxyImage(refs, implementation.name);
      await requireImage(image);
      const container = await startLabContainer({
        ...common,
        image,
        name: `${namePrefix}-${contract.mode === 'forward' ? 'webproxy' : 'proxy'}`,
        // The node image runs any built-in proxy by name (through the proxy entry point, which starts
        // faster than the whole CLI); the nginx/HAProxy/Squid images and a vendor's image start their
        // proxy by themselves (their entry point reads the mounted contract).
        ...(image === refs.node ? { entrypoint: ['node', PROXY_ENTRY_IN_IMAGE], command: ['--proxy', implementation.name] } : {}),
        environment: { [PROXY_CONTRACT_ENV]: contractPath(contract) },
        networks: { shareWith: holder.getId() },
        ready: new TcpEndpointsReady(contractEndpoints(contract)),
        onLine: (line) => log.push(line),
      }).catch((error: Error) => {
        throw new Error(`the proxy ${implementation.name} did not start in its container (${image}): ${error.message}`);
      });
      containers.push(container);
      // The proxy's log as its adapter gives it on the embedded driver: the files it writes into the
      // contract's (bind-mounted) logs directory, read as they grow; a vendor's output lines too.
      const files = new LogDirectoryFollower(contract.logs.dir);
      const lines: string[] = [];
      return {
        log: () => {
          lines.push(...files.pump(), ...(vendorImage ? log.splice(0) : []));
          return [...lines];
        },
        close: async () => {
          await container.stop({ timeout: 3, remove: true }).catch(() => undefined);
          await holder.stop({ timeout: 1, remove: true }).catch(() => undefined);
        },
      };
    },
    async stop() {
      // Everything labelled for this lab, also what a failed start left half-made.
      await removeLabContainers({ [LABEL_RUN]: runId, [LABEL_LAB]: labKey });
      await removeNetworks(networks);
      rmSync(controlDir, { recursive: true, force: true });
    },
  };
}

/** Follows every file of a logs directory: program output and the Node proxy's log as they are, others prefixed with their file name (harness/proxies/process does the same). */
class LogDirectoryFollower {
  private readonly followers = new Map<string, FileFollower>();

  constructor(private readonly dir: string) {}

  pump(): string[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir).sort();
    } catch {
      return [];
    }
    for (const name of names) {
      if (!this.followers.has(name))
        this.followers.set(
          name,
          new FileFollower(join(this.dir, name), /\.(stdout|stderr)\.log$|^node-proxy\.log$/.test(name) ? '' : `${name}: `),
        );
    }
    return [...this.followers.values()].flatMap((follower) => follower.pump());
  }
}

/** Every container carrying all these labels, stopped and removed. */
export async function removeLabContainers(match: Record<string, string>): Promise<number> {
  const docker = engine();
  const found = await docker.listContainers({
    all: true,
    filters: { label: Object.entries(match).map(([key, value]) => `${key}=${value}`) },
  });
  await Promise.all(
    found.map((info) =>
      docker
        .getContainer(info.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  return found.length;
}

async function requireImage(ref: string): Promise<void> {
  try {
    await engine().getImage(ref).inspect();
  } catch {
    throw new Error(`the image ${ref} is not built; run \`npx ibcm-lab images build\` first`);
  }
}

function sendCommand(socketPath: string, host: string, command: HostCommand): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const body = Buffer.from(JSON.stringify(command));
    const request = http.request(
      { socketPath, method: 'POST', path: '/control', headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode === 204) resolvePromise(undefined);
          else if (response.statusCode === 200) resolvePromise(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          else reject(new Error(`host ${host}: ${command.op} failed: ${Buffer.concat(chunks).toString('utf8') || response.statusCode}`));
        });
      },
    );
    request.on('error', (error) => reject(new Error(`host ${host}: control socket: ${error.message}`)));
    request.end(body);
  });
}

function shortId(text: string): string {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash.toString(36);
}

export type { ImageRefs };
