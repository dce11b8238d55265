#!/usr/bin/env node
// The lab is TypeScript; tsx compiles it on the fly, so `npm ci && npx ibcm-lab run` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../harness/cli/main.ts');
