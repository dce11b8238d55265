// The embedded driver: every host runs in this process on its own loopback address; the proxy is
// started by its adapter as a child process (or in-process for the Node reference proxy).
import type { DriverLab, LabDriver } from '../../hosts/driver.js';
import { EmbeddedPlacement } from './placement.js';

export const embeddedDriver: LabDriver = {
  name: 'embedded',
  async open({ topology, labIndex }): Promise<DriverLab> {
    const placement = new EmbeddedPlacement({ labIndex, portOffset: topology.drivers.embedded.portOffset });
    return {
      placement,
      clientAddress: (segment) => placement.allocate(segment),
      startHost: (spec, runLocally) => runLocally(spec),
      startProxy: (implementation, contract) => implementation.start(contract),
      stop: async () => undefined,
    };
  },
};
