#!/usr/bin/env node
// The lab is TypeScript; tsx compiles it on the fly, so `npm ci && npx ibcm-lab run` needs no build step.

// A signal while the CLI is still loading is held, not a death by the signal: `run` and `selftest`
// then report an interrupted run (exit 2); other commands meet the signal as they would have.
// (Hence no static import: the handlers are in place before anything loads.)
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const pending = [];
const hold = (signal) => pending.push(signal);
for (const signal of SIGNALS) process.on(signal, hold);
const release = () => {
  for (const signal of SIGNALS) process.off(signal, hold);
};

const { register } = await import('tsx/esm/api');
register();
const { cli } = await import('../harness/cli/main.ts');
await cli(process.argv.slice(2), { pending, release });
