#!/usr/bin/env node
// The docker driver's client station inside a container (harness/drivers/docker/station.ts): a
// CONNECT relay on a Unix socket, so a client's connections leave from the segment network the
// container stands on. Started without the rest of the CLI, like ibcm-lab-host.mjs.
import { register } from 'tsx/esm/api';

register();
const { stationMain } = await import('../harness/drivers/docker/station.ts');
process.exitCode = await stationMain(process.argv.slice(2));
