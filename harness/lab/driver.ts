// The driver seam is defined with the hosts (harness/hosts/driver.ts); named here too because the
// suites' fixtures and the bench pick their driver through the lab.
export type { ClientStation, DriverLab, LabDriver, LabHost, LocalHostRunner } from '../hosts/driver.js';
