#!/usr/bin/env node
// The docker driver's entry point for one lab host inside a container: `ibcm-lab host` without the
// rest of the CLI (reports, Playwright, the run machinery), so a host container starts in a third of
// the time — a lab starts a dozen of them at once.
import { register } from 'tsx/esm/api';

register();
const { hostMain } = await import('../harness/cli/host.ts');
process.exitCode = await hostMain(process.argv.slice(2));
