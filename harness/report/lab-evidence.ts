// What each lab leaves in the run directory for the reports: `lab.json` (hosts, addresses,
// certificates — written by the lab at start) and, written here when the lab stops, the whole
// journal of every site system, the DNS query log of every segment and the proxy's log. The HTML
// report draws the topology from the former; the evidence bundle carries both.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LabPlacementFacts } from '../lab/facts.js';
import type { Lab, LabCertificateFacts, LabCloudManagementGateway, LabSiteSystem, PlacedHost } from '../lab/lab.js';
import { segmentNames } from '../topology/index.js';

export const LAB_FACTS_FILE = 'lab.json';
export const LAB_EVIDENCE_DIR = 'evidence';

/** A lab of the run as its lab.json describes it. */
export interface LabFacts {
  /** The lab's directory and its name in the run (`bridge-w0`). */
  dir: string;
  name: string;
  runId: string;
  mode: string;
  proxy: string | null;
  hosts: PlacedHost[];
  siteSystems: LabSiteSystem[];
  cloudManagementGateways?: LabCloudManagementGateway[];
  certificates: LabCertificateFacts[];
  crlUrls: string[];
  startupMs: number;
  /** Client addresses and DNS views as the lab placed them (absent in a lab.json from before it was written). */
  placement?: LabPlacementFacts;
  /** Appliance mode: the publishing worksheet the appliance was configured from. */
  appliance?: { worksheet: string; worksheetPath: string };
}

/** Every lab of a run directory, in a stable order (mode, then name). */
export function readLabFacts(runDir: string): LabFacts[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(runDir, entry.name, LAB_FACTS_FILE)))
    .map((entry) => {
      const dir = join(runDir, entry.name);
      return { ...(JSON.parse(readFileSync(join(dir, LAB_FACTS_FILE), 'utf8')) as Omit<LabFacts, 'dir' | 'name'>), dir, name: entry.name };
    })
    .sort((a, b) => a.mode.localeCompare(b.mode) || a.name.localeCompare(b.name, 'en', { numeric: true }));
}

/**
 * Writes the lab's journals (every request every site system received, in full), the DNS query log
 * of each segment's view and the proxy's log under `<lab dir>/evidence/`. Called as the lab stops.
 */
export function writeLabEvidence(lab: Lab): string {
  const dir = join(lab.dir, LAB_EVIDENCE_DIR);
  mkdirSync(join(dir, 'journals'), { recursive: true });
  const hosts = [
    ...new Set([
      ...lab.hosts.map((host) => host.name),
      ...lab.siteSystems.map((system) => system.name),
      lab.cdp.name,
      ...lab.cloudManagementGateways.map((gateway) => gateway.name),
    ]),
  ];
  for (const host of hosts) {
    let entries;
    try {
      entries = lab.journal(host).entries();
    } catch {
      continue; // a host without a journal (the proxy)
    }
    writeFileSync(join(dir, 'journals', `${basename(host)}.json`), JSON.stringify(entries, null, 2) + '\n');
  }
  const dns = Object.fromEntries(segmentNames.map((segment) => [segment, lab.dns(segment).queries()]));
  writeFileSync(join(dir, 'dns-queries.json'), JSON.stringify(dns, null, 2) + '\n');
  writeFileSync(join(dir, 'proxy.log'), lab.proxyLog().join('\n') + (lab.proxyLog().length ? '\n' : ''));
  return dir;
}
