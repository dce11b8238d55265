// A run's folder while the run lives: marked as this process's (so no other run's retention or
// `prune` removes it), and the start of every run applies the retention policy to the others.
import { claimRunFolder, describePrune, pruneRuns, type RetentionPolicy } from '../run/retention.js';

export function startRunFolder(run: { runId: string; runDir: string }, policy: RetentionPolicy): { release: () => void } {
  const release = claimRunFolder(run.runDir);
  try {
    process.stdout.write(describePrune(pruneRuns({ policy, current: [run.runId] })));
  } catch (error) {
    // Housekeeping never stops a run.
    process.stderr.write(`ibcm-lab: could not prune old run folders: ${(error as Error).message}\n`);
  }
  return { release };
}
