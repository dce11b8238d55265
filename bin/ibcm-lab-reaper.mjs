#!/usr/bin/env node
// The docker driver's watchdog for one process's lab containers and networks (harness/drivers/docker/
// reaper.ts): waits for that process to be gone, removes what it labelled, exits.
import { register } from 'tsx/esm/api';

register();
await import('../harness/drivers/docker/reaper-main.ts');
