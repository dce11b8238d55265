// What the lab needs to know about an appliance it does not start: the address it binds the
// appliance's upstreams on, the mode the appliance publishes in, where the appliance's lasting
// material is kept (state.ts), and — once the vendor has configured it — the address file saying
// where the appliance listens. Plain data: the lab plans around it (harness/lab/appliance-plan.ts).
import type { ApplianceFile } from './address-file.js';

export interface ApplianceSetup {
  /** The lab's address the appliance reaches (`--listen`, or the address file's `listen`). */
  listen: string;
  mode: 'bridge' | 'tunnel';
  /** Where the CA keys and the appliance's certificates last between runs (state.ts). */
  stateDir: string;
  /** Where the appliance listens; absent while it is being configured (`ibcm-lab worksheet`, `up --listen`). */
  file?: ApplianceFile;
}
