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

// Node 22.1+ keeps the code V8 compiled for each module on disk (in os.tmpdir()/node-compile-cache,
// or where NODE_COMPILE_CACHE says; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so the next start
// compiles nothing it compiled before. The Playwright runner and its workers get the same cache through
// NODE_COMPILE_CACHE (harness/cli/suite-runner.ts). Node 20 has no such cache and starts as before.
const { default: module } = await import('node:module');
module.enableCompileCache?.();

const { register } = await import('tsx/esm/api');
register();
const { cli } = await import('../harness/cli/main.ts');
await cli(process.argv.slice(2), { pending, release });
