// Where the proxy under test stands: the driver gives it a holder of its addresses (docker: a small
// container owning every address, which the proxy's container shares) and starts it from its contract.
import type { PlacedHost, PlannedSiteSystem } from '../placed.js';
import type { Attachment } from '../spec.js';

export interface ProxyHolderSpec {
  /** Bridge/tunnel: on the dmz, and on the internet at every published address; forward: on the internet. */
  attach: Attachment[];
}

export function proxyHolderSpec(proxy: PlacedHost, siteSystems: PlannedSiteSystem[]): ProxyHolderSpec {
  const published = siteSystems.flatMap((system) =>
    system.publishedAddress ? [{ segment: 'internet' as const, address: system.publishedAddress }] : [],
  );
  return { attach: [{ segment: proxy.segment, address: proxy.address }, ...published] };
}
