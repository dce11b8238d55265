// A host running in this process, as every kind's runner returns it: what it records, and the
// commands of its kind. The embedded driver holds it directly; `ibcm-lab host` holds it inside a
// container and feeds it the commands that arrive on its control socket.
import type { DnsQueryLogEntry, StartedDnsServer } from '../dns/index.js';
import type { Journal, JournalEntry } from '../http/index.js';
import type { Segment } from '../topology/index.js';
import type { BeaconConnection, HostCommand } from './spec.js';

/** Where a host's records go besides memory (a container host's files). */
export interface HostRecorders {
  journal?: (entry: JournalEntry) => void;
  dnsQuery?: (segment: Segment, entry: DnsQueryLogEntry) => void;
  connection?: (entry: BeaconConnection) => void;
}

export interface RunningHost<C extends HostCommand = HostCommand> {
  readonly name: string;
  readonly journal: Journal;
  readonly dns: Map<Segment, StartedDnsServer>;
  readonly connections: BeaconConnection[];
  /** Applies a command of the host's kind; answers data for commands that ask (mp-control), else undefined. */
  control(command: C): Promise<unknown>;
  stop(): Promise<void>;
}

/** A command the host's kind does not take: a lab bug, said so rather than ignored. */
export function unknownCommand(name: string, kind: string, command: { op: string }): Error {
  return new Error(`host ${name} (${kind}) takes no command "${command.op}"`);
}
