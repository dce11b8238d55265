// Appliance mode: the worksheet written from the contract before the lab waits for the appliance, so
// an administrator has it even when the appliance is not ready yet. Beside the run's contract, and
// in the appliance's state folder (a stable place: `ibcm-lab worksheet` prints it from there too).
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplianceSetup } from '../appliance/setup.js';
import { worksheetMarkdown } from '../appliance/worksheet.js';
import type { ProxyContract } from '../proxies/index.js';
import { contractPathIn } from './contract.js';

export interface ApplianceWorksheet {
  /** worksheet.md in the appliance's state folder. */
  path: string;
  markdown: string;
  contractPath: string;
}

export function writeApplianceWorksheet(
  dir: string,
  contract: ProxyContract,
  setup: ApplianceSetup,
  facts: { topologyName: string; madeAt: Date; made: boolean },
): ApplianceWorksheet {
  const contractPath = join(setup.stateDir, 'contract.json');
  copyFileSync(contractPathIn(dir), contractPath);
  const markdown = worksheetMarkdown({
    contract,
    setup,
    topologyName: facts.topologyName,
    contractPath,
    madeAt: facts.madeAt,
    showPassword: facts.made,
    materialFile: join(setup.stateDir, 'proxy', 'material.json'),
    syslogPort: setup.file?.syslog?.port ?? 5514,
  });
  const path = join(setup.stateDir, 'worksheet.md');
  writeFileSync(path, markdown);
  writeFileSync(join(dir, 'proxy', 'worksheet.md'), markdown);
  return { path, markdown, contractPath };
}
