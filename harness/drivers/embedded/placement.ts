// The embedded driver places every host on its own loopback address, so segments are address
// blocks and "who connected" is visible in every journal: 127.<16+lab>.<segment>.<host>.
// Nothing here knows IBCM; it only hands out addresses and ports.
import type { Segment } from '../../topology/index.js';

const SEGMENT_OCTET: Record<Segment, number> = { internet: 1, dmz: 2, intranet: 3 };

export interface EmbeddedPlacementOptions {
  /** Which lab block to use; parallel labs (Playwright workers) each take their own. */
  labIndex: number;
  portOffset: number;
}

export class EmbeddedPlacement {
  private readonly nextHost = new Map<Segment, number>();

  constructor(private readonly options: EmbeddedPlacementOptions) {
    if (options.labIndex < 0 || options.labIndex > 199) throw new RangeError(`lab index ${options.labIndex} is outside 0..199`);
  }

  /** The segment's DNS server always sits at .53. */
  dnsAddress(segment: Segment): string {
    return this.address(segment, 53);
  }

  /** Next free host address on a segment (10, 11, … skipping 53). */
  allocate(segment: Segment): string {
    let host = this.nextHost.get(segment) ?? 10;
    if (host === 53) host++;
    this.nextHost.set(segment, host + 1);
    return this.address(segment, host);
  }

  port(wellKnown: number): number {
    return wellKnown + this.options.portOffset;
  }

  private address(segment: Segment, host: number): string {
    return `127.${16 + this.options.labIndex}.${SEGMENT_OCTET[segment]}.${host}`;
  }
}
