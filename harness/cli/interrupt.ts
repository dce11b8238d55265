// Ctrl-C, SIGTERM or SIGHUP during `run` or `selftest` is an interrupted run: the labs are taken
// down, the summary says what was not run, and the exit code is 2 — never a death by the signal
// (which a shell reports as 130). The trap lives from the CLI's first line (bin/ibcm-lab.mjs holds
// signals that arrive while the CLI is still loading) to its exit.

export const INTERRUPT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export class Interruption {
  private received: NodeJS.Signals | undefined;
  private readonly listeners = new Set<(signal: NodeJS.Signals) => void>();

  /** The first signal received, if any. */
  get signal(): NodeJS.Signals | undefined {
    return this.received;
  }

  get interrupted(): boolean {
    return this.received !== undefined;
  }

  /** Calls `listener` on every signal from now on; returns its removal. */
  onSignal(listener: (signal: NodeJS.Signals) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(signal: NodeJS.Signals): void {
    this.received ??= signal;
    for (const listener of [...this.listeners]) listener(signal);
  }
}

/**
 * Catches the interrupt signals for the rest of the process's life. `pending` are signals that
 * arrived before (held by the entry point while the CLI loaded): the run counts as interrupted
 * already and starts no lab.
 */
export function trapInterrupts(pending: NodeJS.Signals[] = []): Interruption {
  const interruption = new Interruption();
  let count = 0;
  const onSignal = (received: NodeJS.Signals) => {
    // A third signal: the user will not wait for the labs to come down. The suites' processes
    // watch this one (harness/run/parent-watch.ts) and stop by themselves.
    if (++count >= 3) {
      process.stderr.write(`ibcm-lab: ${received} again: exiting without waiting for the labs to stop\n`);
      process.exit(2);
    }
    interruption.notify(received);
  };
  for (const signal of INTERRUPT_SIGNALS) process.on(signal, onSignal);
  for (const signal of pending) onSignal(signal);
  return interruption;
}
