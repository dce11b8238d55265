// The labels on every container and network the lab makes: that it is the lab's, the run and lab it
// belongs to, and its owner — the process that made it, named so that a later run or `down` can tell
// a live owner from a dead one (process id + start time + boot id; the host for a shared engine).
import type { ProcessIdentity } from '../../run/process-identity.js';

export const LABEL = 'ibcm-lab';
export const LABEL_RUN = 'ibcm-lab.run';
export const LABEL_LAB = 'ibcm-lab.lab';
export const LABEL_PID = 'ibcm-lab.pid';
export const LABEL_PID_START = 'ibcm-lab.pid-start';
export const LABEL_BOOT = 'ibcm-lab.boot-id';
export const LABEL_HOST = 'ibcm-lab.host';

export function labLabels(runId: string, lab: string, owner: ProcessIdentity): Record<string, string> {
  return {
    [LABEL]: '1',
    [LABEL_RUN]: runId,
    [LABEL_LAB]: lab,
    [LABEL_PID]: String(owner.pid),
    ...(owner.startTicks ? { [LABEL_PID_START]: owner.startTicks } : {}),
    ...(owner.bootId ? { [LABEL_BOOT]: owner.bootId } : {}),
    [LABEL_HOST]: owner.host,
  };
}
