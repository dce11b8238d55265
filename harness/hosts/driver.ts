// The seam between the lab and where its hosts run. The lab (harness/lab) decides what runs — every
// host as a spec, the proxy from its contract — and the driver decides where: in this process on
// loopback (embedded), or one container per host on docker networks (docker). The lab only ever
// talks to a host through this interface, so every check runs unchanged on both.
import type { DnsQueryLogEntry } from '../dns/index.js';
import type { JournalReader } from '../http/index.js';
import type { ProxyContract, ProxyImplementation, StartedProxy } from '../proxies/index.js';
import type { Segment, Topology } from '../topology/index.js';
import type { LogReader } from './log.js';
import type { Placement } from './placed.js';
import type { Attachment, BeaconConnection, HostCommand, HostSpec } from './spec.js';

/** A running host as the lab sees it: what it recorded, and commands. */
export interface LabHost {
  readonly name: string;
  readonly journal: JournalReader;
  dnsLog(segment: Segment): LogReader<DnsQueryLogEntry>;
  readonly connections: LogReader<BeaconConnection>;
  /** Applies a command; answers data for commands that ask (mp-control), else undefined. */
  control(command: HostCommand): Promise<unknown>;
  stop(): Promise<void>;
}

/** Runs a host spec in this process (the lab's own runner, handed to the driver). */
export type LocalHostRunner = (spec: HostSpec) => Promise<LabHost>;

export interface DriverLab {
  readonly placement: Placement;
  /** The source address of a client standing on a segment (a new one per call where the driver can). */
  clientAddress(segment: Segment): string;
  startHost(spec: HostSpec, runLocally: LocalHostRunner): Promise<LabHost>;
  /**
   * A client's own network stack where the driver has one (docker: a small container on `segment` at
   * `address`, moved with network disconnect/connect); the embedded driver has none, and moves a
   * client by its source address and DNS view alone.
   */
  startClientStation?(client: string, segment: Segment, address: string): Promise<ClientStation>;
  /** Starts the proxy from its contract; `attach` names where it stands (dmz + internet, or internet). */
  startProxy(implementation: ProxyImplementation, contract: ProxyContract, attach: Attachment[]): Promise<StartedProxy>;
  /** Removes whatever the driver made for this lab (networks, containers). */
  stop(): Promise<void>;
}

/** A client station: the client's connections leave from it (profile.station), on one segment at a time. */
export interface ClientStation {
  /** The relay's Unix socket on this machine. */
  readonly socketPath: string;
  /** Leaves its segment's network and joins `segment`'s at `address`. */
  move(segment: Segment, address: string): Promise<void>;
}

export interface LabDriver {
  readonly name: 'embedded' | 'docker';
  /** Prepares one lab's place: a loopback block, or docker networks. */
  open(options: { topology: Topology; labIndex: number; runId: string; dir: string; labName: string }): Promise<DriverLab>;
}

/** How the lab starts a host through its driver (and registers it for teardown): what each kind's start function is handed. */
export type StartHost = (spec: HostSpec) => Promise<LabHost>;
