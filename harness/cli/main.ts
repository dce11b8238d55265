// The `ibcm-lab` command. Every failure a user can cause ends in one line on stderr and exit 2.
import { parseArgs } from 'node:util';
// Each command's module is loaded when that command runs (`await import` below): the whole CLI
// loaded up front took a second and a quarter before `run` could start its runner.
import { IbcmLabError, UsageError } from '../errors.js';
import { IMAGES_HELP, MAIN_HELP, UP_HELP, PROXY_SERVE_HELP, PRUNE_HELP, RUN_HELP, SELFTEST_HELP, WORKSHEET_HELP } from './help.js';
import { trapInterrupts, type Interruption } from './interrupt.js';

/** Signals the entry point held while the CLI loaded, and how to stop holding them. */
export interface HeldSignals {
  pending: NodeJS.Signals[];
  release: () => void;
}

const RUN_RETENTION_OPTIONS = {
  'keep-runs': { type: 'string' },
  'keep-days': { type: 'string' },
  'keep-size': { type: 'string' },
} as const;

async function main(argv: string[], held: HeldSignals): Promise<number> {
  const [command, ...rest] = argv;
  // A run or self-test that is interrupted ends with its summary and exit 2 (interrupt.ts).
  let interruption: Interruption | undefined;
  if (command === 'run' || command === 'selftest') interruption = trapInterrupts(held.pending);
  held.release();
  if (!interruption && held.pending.length) process.kill(process.pid, held.pending[0]!);
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(
        rest[0] === 'run'
          ? RUN_HELP
          : rest[0] === 'selftest'
            ? SELFTEST_HELP
            : rest[0] === 'images'
              ? IMAGES_HELP
              : rest[0] === 'proxy-serve'
                ? PROXY_SERVE_HELP
                : rest[0] === 'up' || rest[0] === 'down'
                  ? UP_HELP
                  : rest[0] === 'prune'
                    ? PRUNE_HELP
                    : rest[0] === 'worksheet'
                      ? WORKSHEET_HELP
                      : MAIN_HELP,
      );
      return 0;
    case '--version':
    case '-V':
      process.stdout.write(`${(await import('./versions.js')).labVersion()}\n`);
      return 0;
    case 'run': {
      const { values } = parse(rest, {
        driver: { type: 'string' },
        mode: { type: 'string' },
        proxy: { type: 'string' },
        grep: { type: 'string' },
        topology: { type: 'string' },
        json: { type: 'string' },
        workers: { type: 'string' },
        report: { type: 'string' },
        junit: { type: 'string' },
        bundle: { type: 'string' },
        ...RUN_RETENTION_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      });
      if ((values as { help?: boolean }).help) {
        process.stdout.write(RUN_HELP);
        return 0;
      }
      return (await import('./run.js')).runCommand(values as Record<string, string>, interruption!);
    }
    case 'selftest': {
      const { values } = parse(rest, {
        workers: { type: 'string' },
        json: { type: 'string' },
        proxies: { type: 'string' },
        full: { type: 'boolean' },
        ...RUN_RETENTION_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      });
      if ((values as { help?: boolean }).help) {
        process.stdout.write(SELFTEST_HELP);
        return 0;
      }
      const { selftestCommand } = await import('./selftest.js');
      return selftestCommand(values as Parameters<typeof selftestCommand>[0], interruption!);
    }
    case 'doctor': {
      const { values } = parse(rest, { install: { type: 'boolean' }, proxy: { type: 'string' }, topology: { type: 'string' } });
      const { proxy, topology } = values as { proxy?: string; topology?: string };
      if (proxy !== undefined) {
        if (!proxy.startsWith('address:') || !proxy.slice('address:'.length).trim())
          throw new UsageError('doctor --proxy takes address:<file> (an appliance the lab does not start)');
        return (await import('./appliance-doctor.js')).applianceDoctor(proxy.slice('address:'.length), topology);
      }
      return (await import('./doctor.js')).doctorCommand(values as { install?: boolean });
    }
    case 'images': {
      const [subcommand, ...options] = rest;
      const { values } = parse(options, {
        rebuild: { type: 'boolean' },
        base: { type: 'string' },
        verbose: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      });
      if ((values as { help?: boolean }).help || subcommand === '--help' || subcommand === '-h') {
        process.stdout.write(IMAGES_HELP);
        return 0;
      }
      return (await import('./images.js')).imagesCommand(
        subcommand,
        values as { rebuild?: boolean; base?: string; verbose?: boolean; json?: boolean },
      );
    }
    case 'proxy-serve': {
      const { values } = parse(rest, { proxy: { type: 'string' }, contract: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
      if ((values as { help?: boolean }).help) {
        process.stdout.write(PROXY_SERVE_HELP);
        return 0;
      }
      return (await import('./proxy-serve.js')).proxyServeCommand(values as { proxy?: string; contract?: string });
    }
    case 'proxies':
      parse(rest, {});
      for (const proxy of (await import('../proxies/index.js')).builtInProxies) {
        process.stdout.write(
          `${proxy.name.padEnd(36)} ${proxy.kind.padEnd(10)} ${proxy.modes.join(',').padEnd(14)} ${proxy.description}${
            proxy.breaks
              ? `\n${''.padEnd(62)}must break: ${Object.entries(proxy.breaks)
                  .map(([id, code]) => `${id} [${code}]`)
                  .join(', ')}`
              : ''
          }${
            proxy.mayAlsoBreak
              ? `\n${''.padEnd(62)}may also break (order-dependent): ${Object.entries(proxy.mayAlsoBreak)
                  .map(([id, code]) => `${id} [${code}]`)
                  .join(', ')}`
              : ''
          }\n`,
        );
      }
      return 0;
    case 'up': {
      const { values } = parse(rest, {
        driver: { type: 'string' },
        topology: { type: 'string' },
        mode: { type: 'string' },
        proxy: { type: 'string' },
        listen: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      });
      if ((values as { help?: boolean }).help) {
        process.stdout.write(UP_HELP);
        return 0;
      }
      return (await import('./up.js')).upCommand(values as Record<string, string>);
    }
    case 'worksheet': {
      const { values } = parse(rest, {
        listen: { type: 'string' },
        mode: { type: 'string' },
        topology: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      });
      if ((values as { help?: boolean }).help) {
        process.stdout.write(WORKSHEET_HELP);
        return 0;
      }
      return (await import('./worksheet.js')).worksheetCommand(values as Record<string, string>);
    }
    case 'down':
      parse(rest, {});
      return (await import('./up.js')).downCommand();
    case 'prune': {
      const { values } = parse(rest, {
        ...RUN_RETENTION_OPTIONS,
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      });
      if ((values as { help?: boolean }).help) {
        process.stdout.write(PRUNE_HELP);
        return 0;
      }
      return (await import('./prune.js')).pruneCommand(
        values as { 'keep-runs'?: string; 'keep-days'?: string; 'keep-size'?: string; 'dry-run'?: boolean; json?: boolean },
      );
    }
    case 'host':
      // Inside a container of the docker driver; not for people (not in the help).
      return (await import('./host.js')).hostCommand(rest[0], rest[1]);
    case 'requirements':
      parse(rest, {});
      {
        const [{ requirements }, { KNOWN_GAPS, negativeControls }] = await Promise.all([
          import('../catalog/index.js'),
          import('./negative-controls.js'),
        ]);
        const controls = negativeControls();
        for (const requirement of requirements) {
          const mine = controls.get(requirement.id) ?? [];
          const failsWith = mine.length
            ? mine.map((control) => `${control.control} [${control.code}]`).join(', ')
            : requirement.judges === 'model'
              ? "nothing — a model requirement: only the client simulator's own logic decides it, no world can fail it; reported apart, never a pass for a proxy"
              : `NONE — no faulty proxy or world can fail this check yet${KNOWN_GAPS[requirement.id] ? ` (known gap: ${KNOWN_GAPS[requirement.id]})` : ''}`;
          process.stdout.write(
            `${requirement.id.padEnd(38)} ${requirement.strength.padEnd(13)} ${requirement.modes.join(',').padEnd(28)} ${requirement.title}${requirement.judges === 'model' ? ' [model]' : ''}\n${''.padEnd(39)}must fail under: ${failsWith}\n`,
          );
        }
        return 0;
      }
    default:
      throw new UsageError(`unknown command "${command}"; try 'ibcm-lab help'`);
  }
}

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify.*$/, '').replace(/^Unknown option/, 'unknown option'));
  }
}

/** The `ibcm-lab` command (bin/ibcm-lab.mjs): runs it and sets the exit code. */
export async function cli(argv: string[], held: HeldSignals = { pending: [], release: () => undefined }): Promise<void> {
  // `ibcm-lab proxies | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    process.exitCode = await main(argv, held);
  } catch (error) {
    const message = error instanceof IbcmLabError ? error.message : `unexpected error: ${(error as Error)?.stack ?? String(error)}`;
    process.stderr.write(`ibcm-lab: ${message}\n`);
    process.exitCode = 2;
  }
}
