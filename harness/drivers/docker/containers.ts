// One lab container: a testcontainers GenericContainer whose networks, fixed addresses and aliases
// are set in the create call itself. testcontainers' own withNetworkAliases() would attach the
// container to the default bridge first and the named network afterwards (platform-notes.md); the
// lab never touches the default bridge. Further networks are connected after create, before start.
import net from 'node:net';
import type Dockerode from 'dockerode';
import { GenericContainer, Wait, type StartedTestContainer, type WaitStrategy } from 'testcontainers';
import { engine } from './engine.js';

export interface NetworkAttachment {
  network: string;
  address: string;
  aliases?: string[];
}

export interface LabContainerOptions {
  image: string;
  name: string;
  labels: Record<string, string>;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  /** Host path → same path inside, so every path the lab writes (contract, PKI, specs) holds inside too. */
  binds: { source: string; target: string; mode?: 'rw' | 'ro' }[];
  /** Own networks, the first being the container's primary one; or `container:<id>` to share another's. */
  networks: NetworkAttachment[] | { shareWith: string };
  dns?: string[];
  capabilities?: string[];
  /** A line in the container's output that means "ready", or a wait strategy of its own. */
  ready: RegExp | WaitStrategy;
  startupTimeoutMs?: number;
  /** Every output line, as it comes (evidence: the proxy's log). */
  onLine?: (line: string) => void;
}

class LabContainer extends GenericContainer {
  constructor(private readonly options: LabContainerOptions) {
    super(options.image);
    this.withName(options.name)
      .withLabels(options.labels)
      .withBindMounts(options.binds)
      .withWaitStrategy(options.ready instanceof RegExp ? Wait.forLogMessage(options.ready) : options.ready)
      .withStartupTimeout(options.startupTimeoutMs ?? 30_000);
    if (options.command) this.withCommand(options.command);
    if (options.entrypoint) this.withEntrypoint(options.entrypoint);
    if (options.environment) this.withEnvironment(options.environment);
    if (options.capabilities?.length) this.withAddedCapabilities(...options.capabilities);
    this.withNetworkMode(Array.isArray(options.networks) ? options.networks[0]!.network : `container:${options.networks.shareWith}`);
    if (options.onLine) {
      const onLine = options.onLine;
      this.withLogConsumer((stream) => {
        let pending = '';
        stream.on('data', (chunk: Buffer | string) => {
          pending += chunk.toString();
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) onLine(line);
        });
      });
    }
  }

  protected override async beforeContainerCreated(): Promise<void> {
    // A tiny init as PID 1: signals reach the program, and children it leaves (nginx workers) are reaped.
    this.hostConfig.Init = true;
    const networks = this.options.networks;
    if (!Array.isArray(networks)) return;
    const first = networks[0]!;
    this.createOpts.NetworkingConfig = {
      EndpointsConfig: { [first.network]: { IPAMConfig: { IPv4Address: first.address }, Aliases: first.aliases ?? [] } },
    };
    if (this.options.dns) this.hostConfig.Dns = this.options.dns;
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    const networks = this.options.networks;
    if (!Array.isArray(networks)) return;
    for (const more of networks.slice(1)) {
      await engine()
        .getNetwork(more.network)
        .connect({ Container: containerId, EndpointConfig: { IPAMConfig: { IPv4Address: more.address }, Aliases: more.aliases ?? [] } });
    }
  }
}

export function startLabContainer(options: LabContainerOptions): Promise<StartedTestContainer> {
  engine(); // sets the testcontainers environment before its first use
  return new LabContainer(options).start();
}

/**
 * Ready when every endpoint accepts TCP from this machine (a vendor's proxy image need print
 * nothing); fails at once, with the container's last output, when the container exits.
 */
export class TcpEndpointsReady implements WaitStrategy {
  private timeoutMs = 30_000;
  private timeoutSet = false;

  constructor(private readonly endpoints: { host: string; port: number }[]) {}

  async waitUntilReady(container: Dockerode.Container): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const state = (await container.inspect()).State;
      if (!state.Running) {
        const output = (await container.logs({ stdout: true, stderr: true, tail: 20 }))
          .toString('utf8')
          .replace(/[\x00-\x08]/g, '')
          .trim();
        throw new Error(
          `the container exited (status ${state.ExitCode}) before its listeners were up${output ? `: ${output.split('\n').slice(-5).join(' | ')}` : ''}`,
        );
      }
      const open = await Promise.all(this.endpoints.map((endpoint) => accepts(endpoint.host, endpoint.port)));
      if (open.every(Boolean)) return;
      if (Date.now() > deadline)
        throw new Error(
          `listeners not up after ${this.timeoutMs} ms: ${this.endpoints
            .filter((_, index) => !open[index])
            .map((endpoint) => `${endpoint.host}:${endpoint.port}`)
            .join(', ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  withStartupTimeout(startupTimeoutMs: number): WaitStrategy {
    this.timeoutMs = startupTimeoutMs;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 500 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
