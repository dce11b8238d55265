// The processes of a run stop by themselves when the `ibcm-lab` process that started them dies,
// even by SIGKILL (no handler runs there): the Playwright runner watches the CLI, each worker
// watches the runner. A watcher polls its parent process id (a dead parent's children are
// re-parented to init or a subreaper), and then stops the way Playwright stops on Ctrl-C — the
// workers tear their labs down (their proxies with them) and the runner exits. If that takes too
// long, the process exits anyway (a worker's exit hook still kills its proxies' process groups).

/** The CLI's process id, for the Playwright runner it starts. */
export const PARENT_PID_ENV = 'IBCM_LAB_CLI_PID';

export interface ParentWatch {
  /** The parent to watch (default: the parent at the time of the call). */
  parentPid?: number;
  intervalMs?: number;
  /** Called once when the parent is gone. */
  onGone: () => void;
  /** Exit this long after onGone if still alive (0: never). */
  exitAfterMs?: number;
  exitCode?: number;
}

/** Starts watching; returns the stop function. Timers are unref'd: a watch never keeps a process alive. */
export function watchParent(options: ParentWatch): () => void {
  const parentPid = options.parentPid ?? process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(timer);
    options.onGone();
    if (options.exitAfterMs) setTimeout(() => process.exit(options.exitCode ?? 2), options.exitAfterMs).unref();
  }, options.intervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The watch for a process of a run's Playwright (called from playwright.config.ts, which both the
 * runner and every worker load). Only under `ibcm-lab run`/`selftest`, which set PARENT_PID_ENV.
 */
export function watchRunParent(env: NodeJS.ProcessEnv = process.env): void {
  const cliPid = Number(env[PARENT_PID_ENV]);
  if (!Number.isInteger(cliPid) || cliPid <= 0) return;
  // A worker is forked with an IPC channel to the runner; the runner (spawned by the CLI) has none.
  if (typeof process.send === 'function' || env.TEST_WORKER_INDEX !== undefined) {
    // A worker: Playwright itself tears it down when the runner's IPC channel closes; this is the
    // backstop should that teardown hang.
    watchParent({ onGone: () => undefined, exitAfterMs: 3_000, exitCode: 0 });
    return;
  }
  // The runner: Ctrl-C on its own behalf — the graceful stop, the labs down, the results written.
  watchParent({ parentPid: cliPid, onGone: () => process.kill(process.pid, 'SIGINT'), exitAfterMs: 6_000 });
}
