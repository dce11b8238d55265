// Addresses on the lab's docker networks: every host has its own address on its segment, services
// listen on their well-known ports (each container has its own network stack), the DNS server of a
// segment sits at .53, and a client on a segment comes from the bridge's own address (.1) — this
// machine's place on that network, where the checks' clients run.
import type { Segment } from '../../topology/index.js';
import type { SegmentNetwork } from './networks.js';

export class DockerPlacement {
  private readonly nextHost = new Map<Segment, number>();
  /** Internal networks: nothing routes between them. */
  readonly segmentsRouted = false;

  constructor(readonly networks: SegmentNetwork[]) {}

  network(segment: Segment): SegmentNetwork {
    const network = this.networks.find((candidate) => candidate.segment === segment);
    if (!network) throw new Error(`no ${segment} network in this lab`);
    return network;
  }

  /** The network a lab address belongs to. */
  networkOf(address: string): SegmentNetwork {
    const network = this.networks.find((candidate) => address.startsWith(`${candidate.prefix}.`));
    if (!network) throw new Error(`${address} is on none of this lab's networks`);
    return network;
  }

  dnsAddress(segment: Segment): string {
    return `${this.network(segment).prefix}.53`;
  }

  allocate(segment: Segment): string {
    let host = this.nextHost.get(segment) ?? 10;
    if (host === 53) host++;
    if (host > 250) throw new Error(`the ${segment} network has no free address left`);
    this.nextHost.set(segment, host + 1);
    return `${this.network(segment).prefix}.${host}`;
  }

  port(wellKnown: number): number {
    return wellKnown;
  }

  clientAddress(segment: Segment): string {
    return this.network(segment).gateway;
  }
}
