// How the lab starts: every step reported (start, done, failed with its time), and everything
// started registered for teardown first, so a failure half-way leaves nothing behind.
import type { LabProgress } from './lab.js';

export interface StartSteps {
  /** Runs one named step of the start-up, reported to the progress listener. */
  step<T>(name: string, host: string | undefined, work: () => Promise<T>): Promise<T>;
  /** Registers something started, to be stopped with the lab (in reverse order). */
  onStop(stop: () => Promise<void>): void;
  stopAll(): Promise<void>;
}

export function startSteps(progress: LabProgress): StartSteps {
  const stops: (() => Promise<void>)[] = [];
  return {
    async step(name, host, work) {
      const t0 = Date.now();
      progress({ step: name, host, state: 'start' });
      try {
        const result = await work();
        progress({ step: name, host, state: 'done', ms: Date.now() - t0 });
        return result;
      } catch (error) {
        progress({ step: name, host, state: 'failed', ms: Date.now() - t0, detail: (error as Error).message });
        throw error;
      }
    },
    onStop: (stop) => void stops.push(stop),
    async stopAll() {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      stops.length = 0;
    },
  };
}
