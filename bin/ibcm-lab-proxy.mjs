#!/usr/bin/env node
// The entry point of the lab's proxy images: `ibcm-lab proxy-serve` without the rest of the CLI (the
// run machinery, reports, Playwright), so a proxy container is ready in a fraction of the time.
// Same options, messages and exit codes as `ibcm-lab proxy-serve` (harness/cli/proxy-serve.ts).
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { proxyServeCommand } = await import('../harness/cli/proxy-serve.ts');
const { IbcmLabError } = await import('../harness/errors.ts');
try {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { proxy: { type: 'string' }, contract: { type: 'string' } },
    allowPositionals: false,
    strict: true,
  });
  process.exitCode = await proxyServeCommand(values);
} catch (error) {
  const message =
    error instanceof IbcmLabError || error?.code?.startsWith?.('ERR_PARSE_ARGS')
      ? error.message
      : `unexpected error: ${error?.stack ?? String(error)}`;
  process.stderr.write(`ibcm-lab: ${message}\n`);
  process.exitCode = 2;
}
