// Appliance mode: the worksheet written from the contract before the lab waits for the appliance, so
// an administrator has it even when the appliance is not ready yet. Beside the run's contract, and
// in the appliance's state folder (a stable place: `ibcm-lab worksheet` prints it from there too).
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApplianceSetup } from '../appliance/setup.js';
import { worksheetMarkdown } from '../appliance/worksheet.js';
import type { ProxyContract } from '../proxies/index.js';

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
  // The state folder's contract stands alone: the run folder it was written in is pruned in time, so
  // the CRLs it names are copied beside it (the appliance's certificates and CA bundle already are).
  const contractPath = join(setup.stateDir, 'contract.json');
  const kept = (file: string | undefined, name: string) => {
    if (!file) return undefined;
    const copy = join(setup.stateDir, 'proxy', name);
    copyFileSync(file, copy);
    return copy;
  };
  const clientCrl = kept(contract.clientAuthentication?.crl, 'client-auth-crl.pem');
  const upstreamCrl = kept(contract.listeners.find((listener) => listener.upstream.crl)?.upstream.crl, 'upstream-crl.pem');
  const standalone: ProxyContract = {
    ...contract,
    listeners: contract.listeners.map((listener) => ({
      ...listener,
      upstream: { ...listener.upstream, ...(listener.upstream.crl ? { crl: upstreamCrl } : {}) },
    })),
    ...(contract.clientAuthentication ? { clientAuthentication: { ...contract.clientAuthentication, crl: clientCrl! } } : {}),
  };
  writeFileSync(contractPath, JSON.stringify(standalone, null, 2));
  const markdown = worksheetMarkdown({
    contract: standalone,
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
