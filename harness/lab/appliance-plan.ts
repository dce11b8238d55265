// Appliance mode: the plan made reachable for an appliance the lab does not start. Its upstreams —
// the published site systems and the CDP (its CRL URLs are in every certificate) — get a second
// listener on the lab's listen address, each on a port of its own: the first host of a port keeps
// the site's port (so the CDP's URL port is true there too), later ones go up by 1000. The names
// the appliance publishes resolve (internet view) to the appliance's listeners from the address
// file, and the appliance's egress is where the proxy stands. Same topology, same ports: the
// worksheet made before the appliance was configured stays true for every later run.
import type { ApplianceSetup } from '../appliance/setup.js';
import { LabStartError } from '../errors.js';
import type { PlacedHost } from '../hosts/placed.js';
import type { LabPlan } from './plan.js';

export function planForAppliance(plan: LabPlan, appliance: ApplianceSetup): void {
  const taken = new Map<number, number>();
  const legPort = (sitePort: number): number => {
    const earlier = taken.get(sitePort) ?? 0;
    taken.set(sitePort, earlier + 1);
    const port = sitePort + 1000 * earlier;
    if (port > 65535) throw new LabStartError(`appliance mode: no port left on ${appliance.listen} for a service of port ${sitePort}`);
    return port;
  };
  const giveLeg = (host: PlacedHost, services: { service: string; port: number }[]) => {
    host.applianceLeg = {
      address: appliance.listen,
      ports: Object.fromEntries(services.map((service) => [service.service, legPort(service.port)])),
    };
  };
  giveLeg(plan.cdp.host, [{ service: 'http', port: plan.cdp.host.ports.http! }]);
  const published = plan.siteSystems.filter((system) => system.services.some((service) => service.published));
  for (const system of published)
    giveLeg(
      system.host,
      system.services.filter((service) => service.published),
    );

  const file = appliance.file;
  if (!file || !plan.proxy) return;
  plan.proxy.address = file.egress;
  for (const system of published) {
    const publicName = system.role.internetFqdn!;
    const listener = file.listeners.find((candidate) => candidate.publicName.toLowerCase() === publicName.toLowerCase());
    if (!listener) throw new LabStartError(`the address file names no listener for ${publicName} (the worksheet publishes it)`);
    for (const service of system.services.filter((candidate) => candidate.published))
      if (listener.port !== service.port)
        throw new LabStartError(
          `${publicName}: the appliance listens on port ${listener.port}, but clients reach the site's ${service.service.toUpperCase()} port ${service.port} (the worksheet's); publish it there`,
        );
    system.publishedAddress = listener.address;
  }
  const known = new Set(published.map((system) => system.role.internetFqdn!.toLowerCase()));
  const unknown = file.listeners.filter((listener) => !known.has(listener.publicName.toLowerCase()));
  if (unknown.length > 0)
    throw new LabStartError(
      `the address file names ${unknown.map((listener) => listener.publicName).join(', ')}, which this topology does not publish (it publishes ${[...known].join(', ')})`,
    );
}
