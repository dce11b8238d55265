// `ibcm-lab prune`: the run-folder retention every run applies at its start (run/retention.ts), by
// hand — with --dry-run to see what would go.
import { formatBytes, pruneRuns, retentionPolicy, runsDirectory } from '../run/retention.js';

export function pruneCommand(options: {
  'keep-runs'?: string;
  'keep-days'?: string;
  'keep-size'?: string;
  'dry-run'?: boolean;
  json?: boolean;
}): number {
  const policy = retentionPolicy(options);
  const report = pruneRuns({ policy, dryRun: options['dry-run'] });
  if (options.json) {
    process.stdout.write(JSON.stringify({ runsDir: runsDirectory(), ...report }, null, 2) + '\n');
    return 0;
  }
  const verb = report.dryRun ? 'would remove' : 'removed';
  for (const item of report.removed)
    process.stdout.write(
      `${verb} ${item.name}  ${formatBytes(item.bytes).padStart(9)}  ${item.ageDays} day${item.ageDays === 1 ? '' : 's'} old\n`,
    );
  const live = report.kept.filter((item) => item.why === 'live');
  for (const item of live) process.stdout.write(`left alone ${item.name}: its run is still live\n`);
  process.stdout.write(
    `${verb} ${report.removed.length} run folder${report.removed.length === 1 ? '' : 's'} (${formatBytes(report.bytesRemoved)}) under ${runsDirectory()}; kept ${report.kept.length} (the last ${policy.keepRuns} runs, those younger than ${policy.keepDays} days within ${formatBytes(policy.keepBytes ?? Infinity)}, and live runs)\n`,
  );
  return 0;
}
