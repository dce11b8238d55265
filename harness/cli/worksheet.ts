// `ibcm-lab worksheet --listen <address> --mode bridge|tunnel`: what to configure on an appliance the
// lab does not start. It brings the lab up just long enough to make (or reuse) the appliance's lasting
// material and write the contract for that address, prints the worksheet, and takes the lab down:
// the appliance is then configured at leisure, and `run --proxy address:<file>` binds the same ports.
import { join } from 'node:path';
import { applianceMode, checkListenAddress } from '../appliance/listen.js';
import { applianceToConfigure } from '../appliance/proxy.js';
import { startLab } from '../lab/index.js';
import { loadTopology } from '../topology/index.js';
import { startRunFolder } from './run-folder.js';
import { labIndexBase, newRun } from './suite-runner.js';
import { retentionPolicy } from '../run/retention.js';

export interface WorksheetOptions {
  listen?: string;
  mode?: string;
  topology?: string;
}

export async function worksheetCommand(options: WorksheetOptions): Promise<number> {
  const listen = checkListenAddress(options.listen);
  const mode = applianceMode(options.mode);
  const topology = loadTopology(options.topology);
  const run = newRun();
  const folder = startRunFolder(run, retentionPolicy({}));
  try {
    const lab = await startLab({
      topology,
      mode,
      proxy: applianceToConfigure(listen, mode),
      runId: run.runId,
      dir: join(run.runDir, 'worksheet'),
      // Any free block: what the worksheet says lives on the listen address, not on the block's.
      labIndex: await labIndexBase(1),
    });
    try {
      process.stdout.write(`${lab.worksheet!.markdown}\nWritten to ${lab.worksheet!.path}\n`);
    } finally {
      await lab.stop();
    }
    return 0;
  } finally {
    folder.release();
  }
}
