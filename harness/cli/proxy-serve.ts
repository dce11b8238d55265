// `ibcm-lab proxy-serve --proxy <name>`: a built-in proxy (node, nginx, haproxy, squid, a faulty one)
// run as a program of its own against a proxy contract — the entry point of the lab's proxy images
// (images/nginx, images/haproxy, images/squid; images/node for the Node proxies). It behaves exactly
// as the contract asks of a vendor's proxy (docs/proxy-contract.md): the contract comes from
// IBCM_PROXY_CONTRACT (or --contract), a mode the proxy does not offer is one line on stderr and exit
// status 3, it stays in the foreground, and SIGTERM or SIGINT stop it cleanly (the adapter's own
// SIGTERM → SIGKILL sequence) and end it with status 0. The adapters write their logs into the
// contract's logs.dir; this command adds its own lifecycle lines there (proxy-serve.log) and on stderr.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { findProxy, PROXY_CONTRACT_ENV, PROXY_CONTRACT_VERSION, ProxyContract, type StartedProxy } from '../proxies/index.js';

/** Exit status for "the contract asks for something this proxy cannot do" (the contract's rule). */
export const UNSUPPORTED_EXIT = 3;

export interface ProxyServeOptions {
  proxy?: string;
  contract?: string;
}

export async function proxyServeCommand(options: ProxyServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const name = options.proxy ?? env.IBCM_LAB_PROXY;
  if (!name) throw new UsageError('proxy-serve: say which proxy with --proxy <name> (or IBCM_LAB_PROXY); see ibcm-lab proxies');
  const proxy = findProxy(name);
  if (!proxy) throw new UsageError(`proxy-serve: unknown proxy "${name}"; see ibcm-lab proxies`);
  const file = options.contract ?? env[PROXY_CONTRACT_ENV];
  if (!file)
    throw new UsageError(`proxy-serve: no contract: set ${PROXY_CONTRACT_ENV} to the contract.json path (or pass --contract <file>)`);

  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`proxy-serve: cannot read the contract ${file}: ${(error as Error).message}`);
  }
  const version = (raw as { contractVersion?: unknown } | null)?.contractVersion;
  const parsed = ProxyContract.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const detail = `${issue.path.join('.') || '(root)'}: ${issue.message}`;
    // An unknown contract version is "cannot do what is asked" (3); anything else is a broken file (2).
    if (version !== undefined && version !== PROXY_CONTRACT_VERSION) {
      process.stderr.write(
        `ibcm-lab proxy-serve: contract version ${JSON.stringify(version)} is not supported (this proxy speaks ${PROXY_CONTRACT_VERSION})\n`,
      );
      return UNSUPPORTED_EXIT;
    }
    throw new UsageError(`proxy-serve: ${file} is not a valid proxy contract: ${detail}`);
  }
  const contract = parsed.data;
  if (!proxy.modes.includes(contract.mode)) {
    process.stderr.write(`ibcm-lab proxy-serve: ${proxy.name} has no ${contract.mode} mode (it offers ${proxy.modes.join(', ')})\n`);
    return UNSUPPORTED_EXIT;
  }

  mkdirSync(contract.logs.dir, { recursive: true });
  const say = (line: string) => {
    const stamped = `${new Date().toISOString()} proxy-serve: ${line}`;
    process.stderr.write(`${stamped}\n`);
    try {
      appendFileSync(join(contract.logs.dir, 'proxy-serve.log'), `${stamped}\n`);
    } catch {
      // stderr has it too; a read-only logs dir must not stop the proxy
    }
  };

  // Ask for the signals before starting, so a stop that arrives during start-up is not lost.
  let stopSignal: NodeJS.Signals | undefined;
  let wake: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => (wake = resolve));
  const onStop = (signal: NodeJS.Signals) => {
    if (stopSignal) {
      // A second signal: no more patience. Exiting kills the adapter's process group (its exit hook).
      say(`${signal} again: exiting now`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    stopSignal = signal;
    wake();
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onStop);

  say(
    `starting ${proxy.name} in ${contract.mode} mode for run ${contract.runId} (${contract.listeners.length} listener(s)${contract.forwardProxy ? `, forward proxy on ${contract.forwardProxy.bind.host}:${contract.forwardProxy.bind.port}` : ''})`,
  );
  const startedAt = Date.now();
  let started: StartedProxy;
  try {
    started = await proxy.start(contract);
  } catch (error) {
    say(`${proxy.name} did not start: ${(error as Error).message}`);
    return 1;
  }
  // The process adapters (harness/proxies/process) also listen for these signals and answer with
  // SIGKILL to the proxy's group at once. Here the stop is ours to make, gracefully (SIGTERM, then
  // SIGKILL after the contract's grace), so only our handlers stay; their exit hook remains as the
  // last resort.
  for (const signal of signals)
    for (const listener of process.listeners(signal))
      if (listener !== onStop) process.off(signal, listener as (...args: unknown[]) => void);
  say(`${proxy.name} ready in ${Date.now() - startedAt} ms${stopSignal ? '' : '; stop it with SIGTERM'}`);

  // A proxy process that dies on its own ends this command too (the container stops, the lab sees it).
  const exited = (started as { exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }).exited;
  const died = exited ? exited.then((status) => status) : new Promise<never>(() => {});
  const outcome = await Promise.race([stopRequested.then(() => 'stop' as const), died]);
  if (outcome !== 'stop') {
    say(`${proxy.name} exited by itself (${outcome.signal ? `signal ${outcome.signal}` : `exit code ${outcome.code}`})`);
    await started.close();
    return 1;
  }
  say(`${stopSignal}: stopping ${proxy.name}`);
  await started.close();
  say(`${proxy.name} stopped`);
  for (const signal of signals) process.off(signal, onStop);
  return 0;
}
