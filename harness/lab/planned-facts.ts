// The facts a lab of a topology would have on the embedded driver's first loopback block, made from
// the plan without starting anything: what the report draws for a mode no lab of the run ran.
import { EmbeddedPlacement } from '../drivers/embedded/placement.js';
import type { ProxyMode, Topology } from '../topology/index.js';
import { labSiteSystemsOf, placedHostsOf, placementFactsOf, type LabPlacementFacts } from './facts.js';
import type { LabSiteSystem, PlacedHost } from './lab.js';
import { planLab } from './plan.js';

export interface PlannedLabFacts {
  hosts: PlacedHost[];
  siteSystems: LabSiteSystem[];
  placement: LabPlacementFacts;
}

export function plannedLabFacts(topology: Topology, mode: ProxyMode): PlannedLabFacts {
  const plan = planLab(topology, mode, new EmbeddedPlacement({ labIndex: 0, portOffset: topology.drivers.embedded.portOffset }));
  return { hosts: placedHostsOf(plan), siteSystems: labSiteSystemsOf(plan), placement: placementFactsOf(plan) };
}
