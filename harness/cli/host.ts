// `ibcm-lab host <lab-dir> <name>`: runs one lab host inside a container (the docker driver's entry
// point into the node image). The host's spec is <lab-dir>/hosts/<name>.json, written by the lab;
// what it records (request journal, DNS queries, DC connections) is appended to JSON-lines files
// beside it, before each answer goes out; the lab's commands arrive on a Unix socket in the control
// directory (mounted at /run/ibcm-lab). Prints one "ready" line once every listener is up, and stops
// cleanly on SIGTERM or SIGINT.
import http from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { jsonLinesWriter } from '../hosts/log.js';
import { runHost } from '../hosts/run-host.js';
import { hostLogFiles, type HostCommand, type HostSpec } from '../hosts/spec.js';

export const HOST_READY_LINE = 'ibcm-lab host ready';
/** Where the docker driver mounts the lab's control directory inside every host container. */
export const CONTROL_DIR_IN_CONTAINER = '/run/ibcm-lab';

export async function hostCommand(
  labDir: string | undefined,
  name: string | undefined,
  controlDir = CONTROL_DIR_IN_CONTAINER,
): Promise<number> {
  if (!labDir || !name) throw new UsageError('host: usage: ibcm-lab host <lab-dir> <name> (run by the docker driver inside a container)');
  const files = hostLogFiles(labDir, name);
  if (!existsSync(files.spec)) throw new UsageError(`host: no host spec at ${files.spec}`);
  const spec = JSON.parse(readFileSync(files.spec, 'utf8')) as HostSpec;
  const dnsWriters = new Map<string, (entry: unknown) => void>();
  const host = await runHost(spec, {
    journal: jsonLinesWriter(files.journal),
    connection: jsonLinesWriter(files.connections),
    dnsQuery: (segment, entry) => {
      if (!dnsWriters.has(segment)) dnsWriters.set(segment, jsonLinesWriter(files.dns(segment)));
      dnsWriters.get(segment)!(entry);
    },
  });

  // Control: one JSON command per POST, answered 204 when done or 500 with the reason. (Node's own
  // HTTP server is enough here: the verbs are ordinary and the peer is the lab, not a client.)
  mkdirSync(controlDir, { recursive: true });
  const socketPath = join(controlDir, `${name}.sock`);
  rmSync(socketPath, { force: true });
  const control = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let command: HostCommand;
      try {
        command = JSON.parse(Buffer.concat(chunks).toString('utf8')) as HostCommand;
      } catch (error) {
        response.writeHead(400).end((error as Error).message);
        return;
      }
      host.control(command).then(
        (answer) =>
          answer === undefined
            ? response.writeHead(204).end()
            : response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer)),
        (error: Error) => response.writeHead(500).end(error.message),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(socketPath, () => resolve());
  });
  process.stdout.write(`${HOST_READY_LINE} ${spec.kind} ${name}\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  control.close();
  await host.stop();
  return 0;
}

/** bin/ibcm-lab-host.mjs: `<lab-dir> <name>`; a failure is one line on stderr and exit 2. */
export async function hostMain(argv: string[]): Promise<number> {
  try {
    return await hostCommand(argv[0], argv[1]);
  } catch (error) {
    process.stderr.write(`ibcm-lab host: ${(error as Error).message}\n`);
    return 2;
  }
}
