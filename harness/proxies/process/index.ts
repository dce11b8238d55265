// Running an external proxy process (nginx, HAProxy, Squid, a vendor's `exec:` command) the way the
// proxy contract promises (docs/proxy-contract.md): started in a process group of its own, ready
// when every listener in the contract accepts TCP, stopped with SIGTERM to the whole group and
// SIGKILL two seconds later. Its stdout and stderr are kept as evidence, in files in the contract's
// logs directory and (the last lines) in memory for `log()`. A proxy must never outlive the lab, so
// the group is also killed when this Node process exits or is interrupted.
//
// stdout and stderr go straight into their files (not through pipes), and `log()` reads whatever is
// new in them — and in the access logs the adapter names — synchronously when it is called. A proxy
// writes its access-log line just after it sent the response, so a check that reads the log right
// after its client got the answer sees the line, instead of losing a race with a pipe's next 'data'
// event. `log()` only ever appends, so `log().length` works as a mark.
import { execFile, spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import net from 'node:net';
import { basename, isAbsolute, join } from 'node:path';
import type { ProxyContract } from '../contract/schema.js';
import type { StartedProxy } from '../types.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface ProcessOptions {
  /** Short label used in messages and log file names, e.g. `nginx` → `nginx.stdout.log`. */
  name: string;
  command: string;
  args: string[];
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where `<name>.stdout.log` and `<name>.stderr.log` go (the contract's `logs.dir`). */
  logDir: string;
  /** Endpoints that must all accept TCP before the proxy counts as ready. */
  waitFor: Endpoint[];
  /** Default 10 000 ms (the contract's readiness rule). */
  readyTimeoutMs?: number;
  /** Lines kept in memory for `log()` (the oldest are dropped beyond it). Default 20 000. */
  tailLines?: number;
  /** SIGTERM → SIGKILL delay on close. Default 2 000 ms (the contract's stop rule). */
  killGraceMs?: number;
  /**
   * Log files the program writes itself (an access log): their new lines join `log()`, each prefixed
   * with the file name. (A log file is better than `/dev/stdout`, which programs cannot reopen when
   * stdout is a socket, and which an unprivileged worker may not be allowed to open.)
   */
  logFiles?: string[];
}

export interface StartedProcess extends StartedProxy {
  readonly pid: number;
  /** Resolves when the process (group leader) has exited, with its status. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export const READY_TIMEOUT_MS = 10_000;
export const KILL_GRACE_MS = 2_000;
const POLL_MS = 50;
const ERROR_TAIL = 15;

/** Every endpoint a proxy started from this contract must listen on. */
export function contractEndpoints(contract: ProxyContract): Endpoint[] {
  const endpoints = contract.listeners.map((listener) => listener.bind);
  if (contract.forwardProxy) endpoints.push(contract.forwardProxy.bind);
  return endpoints.map(({ host, port }) => ({ host, port }));
}

/**
 * Two listeners on one address and port cannot be told apart without SNI routing, which these
 * adapters do not do; and HAProxy would even bind both (SO_REUSEPORT) and split the traffic.
 */
export function assertDistinctBinds(contract: ProxyContract, adapter: string): void {
  const seen = new Map<string, string>();
  for (const listener of contract.listeners) {
    const key = `${listener.bind.host}:${listener.bind.port}`;
    const other = seen.get(key);
    if (other)
      throw new Error(
        `${adapter}: listeners ${other} and ${listener.name} both bind ${key}; this adapter needs one address and port per listener`,
      );
    seen.set(key, listener.name);
  }
}

/** Runs a short command (a config check, a version query) to completion: exit code and all output. */
export function runToCompletion(file: string, args: string[], timeoutMs = 10_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 1 << 20, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, output: `${String(stdout)}${String(stderr)}`.trim() });
    });
  });
}

/** Every file and directory path in the contract, with where it is (for messages). */
export function contractPaths(contract: ProxyContract): [where: string, path: string][] {
  const out: [string, string][] = [];
  const pair = (where: string, value: { certificate: string; key: string; chain: string; pkcs12?: string } | undefined) => {
    if (!value) return;
    out.push([`${where}.certificate`, value.certificate], [`${where}.key`, value.key], [`${where}.chain`, value.chain]);
    if (value.pkcs12) out.push([`${where}.pkcs12`, value.pkcs12]);
  };
  contract.listeners.forEach((listener, index) => {
    pair(`listeners[${index}].tls`, listener.tls);
    out.push([`listeners[${index}].upstream.caBundle`, listener.upstream.caBundle]);
    pair(`listeners[${index}].upstream.clientCertificate`, listener.upstream.clientCertificate);
    if (listener.upstream.crl) out.push([`listeners[${index}].upstream.crl`, listener.upstream.crl]);
  });
  out.push(['resolver.hostsFile', contract.resolver.hostsFile], ['logs.dir', contract.logs.dir]);
  if (contract.clientAuthentication)
    out.push(
      ['clientAuthentication.caBundle', contract.clientAuthentication.caBundle],
      ['clientAuthentication.crl', contract.clientAuthentication.crl],
    );
  return out;
}

/** The contract promises absolute paths; a relative one would be read relative to the proxy's own directory. */
export function assertAbsolutePaths(contract: ProxyContract, adapter: string): void {
  const relative = contractPaths(contract).filter(([, value]) => !isAbsolute(value));
  if (relative.length)
    throw new Error(
      `${adapter}: the contract must give absolute paths, but ${relative.map(([where, value]) => `${where} is ${JSON.stringify(value)}`).join(', ')}`,
    );
}

/** True when something accepts a TCP connection at the endpoint right now. */
export function accepts(endpoint: Endpoint, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const done = (result: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Every running group this module started, so an exiting or interrupted Node process can kill them.
 * One 'exit' hook and one handler per signal serve them all while any runs (one hook per proxy
 * would trip Node's MaxListeners warning when a self-test runs a dozen labs in one process); a
 * proxy's entry is added when it starts and removed when it is closed.
 */
const running = new Map<number, () => void>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killAll(): void {
  for (const kill of [...running.values()]) kill();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  // Only we were listening: do what Node would have done without us (terminate by that signal).
  if (process.listenerCount(signal) === 1) {
    uninstallSignalHandlers();
    process.kill(process.pid, signal);
  }
}

let signalHandlersInstalled = false;
function installSignalHandlers(): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
}
function uninstallSignalHandlers(): void {
  if (!signalHandlersInstalled) return;
  signalHandlersInstalled = false;
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

function track(pid: number, kill: () => void): void {
  if (running.size === 0) process.on('exit', killAll);
  running.set(pid, kill);
  installSignalHandlers();
}

function untrack(pid: number): void {
  if (!running.delete(pid) || running.size > 0) return;
  process.off('exit', killAll);
  uninstallSignalHandlers();
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Whether a /proc/<pid>/stat line is a process that is really gone: a zombie (exited, not yet
 * reaped — PID 1 of some containers reaps orphans only every second or so) whose threads have all
 * exited. A multi-threaded process whose main thread died first also shows "Z" while its other
 * threads still hold its sockets: that one still counts as alive.
 */
export function deadInStat(stat: string): boolean {
  // pid (comm) state ppid pgrp … num_threads(20) …; comm may contain spaces and ')', so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (fields[0] === 'Z' || fields[0] === 'X') && Number(fields[17]) <= 1;
}

/** True while any live process is in the group (see deadInStat for what does not count). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true; // no /proc: trust kill(0)
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && !deadInStat(stat)) return true;
  }
  return false;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads what was appended to a file since the last call, line by line. */
export class FileFollower {
  private offset = 0;
  private partial = '';
  /** The last lines of this file alone (for error messages). */
  readonly recent: string[] = [];

  constructor(
    readonly path: string,
    private readonly prefix: string,
  ) {}

  /** Ignore what is already in the file (an earlier run's lines). */
  skipExisting(): void {
    try {
      this.offset = statSync(this.path).size;
    } catch {
      this.offset = 0;
    }
  }

  /** New complete lines (and, when `final`, the unterminated rest). */
  pump(final = false): string[] {
    const out: string[] = [];
    let fd: number | undefined;
    try {
      fd = openSync(this.path, 'r');
      const size = fstatSync(fd).size;
      if (size < this.offset) this.offset = 0; // truncated or replaced
      while (this.offset < size) {
        const buffer = Buffer.alloc(Math.min(size - this.offset, 1 << 20));
        const read = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (read <= 0) break;
        this.offset += read;
        const parts = (this.partial + buffer.subarray(0, read).toString('utf8')).split('\n');
        this.partial = parts.pop() ?? '';
        out.push(...parts);
      }
    } catch {
      // not there (yet): nothing new
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (final && this.partial) {
      out.push(this.partial);
      this.partial = '';
    }
    const lines = out.map((line) => line.replace(/\r$/, '')).filter(Boolean);
    this.recent.push(...lines);
    if (this.recent.length > ERROR_TAIL) this.recent.splice(0, this.recent.length - ERROR_TAIL);
    return lines.map((line) => this.prefix + line);
  }
}

/**
 * Starts the process and resolves once every endpoint accepts TCP. Rejects (after killing the
 * group) when an endpoint is already taken before the start, when the process exits first, or
 * when the endpoints are not all accepting within the timeout; the Error quotes the last stderr lines.
 */
export async function startProcess(options: ProcessOptions): Promise<StartedProcess> {
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const killGraceMs = options.killGraceMs ?? KILL_GRACE_MS;
  const limit = options.tailLines ?? 20_000;
  const label = options.name;

  // Something else already listening would make the readiness poll succeed for the wrong process.
  for (const endpoint of options.waitFor) {
    if (await accepts(endpoint))
      throw new Error(`${label} cannot start: ${endpoint.host}:${endpoint.port} is already in use by another process`);
  }

  mkdirSync(options.logDir, { recursive: true });
  const stem = label.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  const stdoutFile = join(options.logDir, `${stem}.stdout.log`);
  const stderrFile = join(options.logDir, `${stem}.stderr.log`);
  const stdoutFollower = new FileFollower(stdoutFile, '');
  const stderrFollower = new FileFollower(stderrFile, '');
  const followers = [
    stdoutFollower,
    stderrFollower,
    ...(options.logFiles ?? []).map((file) => new FileFollower(file, `${basename(file)}: `)),
  ];
  for (const follower of followers) follower.skipExisting();
  const lines: string[] = [];
  const pump = (final = false) => {
    for (const follower of followers) lines.push(...follower.pump(final));
    if (lines.length > limit) lines.splice(0, lines.length - limit);
  };

  const outFd = openSync(stdoutFile, 'a');
  const errFd = openSync(stderrFile, 'a');
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true, // setsid(): its own session and process group, pgid = pid
      stdio: ['ignore', outFd, errFd],
    });
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (error) => reject(new Error(`${label} could not be started (${options.command}): ${error.message}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  await spawned;
  const pid = child.pid!;
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  // Lines also arrive between calls of log(), so that their order roughly follows time.
  const pumping = setInterval(() => pump(), 250);
  pumping.unref();

  track(pid, () => killGroup(pid, 'SIGKILL'));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      killGroup(pid, 'SIGTERM');
      const deadline = Date.now() + killGraceMs;
      // Wait for the leader and for every other member of the group (nginx workers, a shell's children).
      while (Date.now() < deadline && (!hasExited || groupAlive(pid))) await Promise.race([exited, sleep(POLL_MS)]);
      if (!hasExited || groupAlive(pid)) {
        killGroup(pid, 'SIGKILL');
        const hardDeadline = Date.now() + 1_000;
        while (Date.now() < hardDeadline && (!hasExited || groupAlive(pid))) await Promise.race([exited, sleep(POLL_MS)]);
      }
      await Promise.race([exited, sleep(1_000)]);
      clearInterval(pumping);
      pump(true);
      untrack(pid);
    })();
    return closing;
  };

  const failure = (why: string) => {
    pump(true);
    const stderrTail = stderrFollower.recent;
    const stdoutTail = stdoutFollower.recent;
    const tail = stderrTail.length
      ? `; last stderr lines:\n${stderrTail.join('\n')}`
      : stdoutTail.length
        ? `; last stdout lines:\n${stdoutTail.join('\n')}`
        : '; it wrote nothing to stdout or stderr';
    return new Error(`${label} ${why}${tail}`);
  };

  // Readiness: poll until every endpoint accepts, the process exits, or the time is up.
  const deadline = Date.now() + readyTimeoutMs;
  const pending = [...options.waitFor];
  while (pending.length) {
    if (hasExited) {
      const status = await exited;
      await close();
      throw failure(`exited before it was ready (${status.signal ? `signal ${status.signal}` : `exit code ${status.code}`})`);
    }
    if (Date.now() >= deadline) {
      await close();
      throw failure(
        `was not ready within ${readyTimeoutMs / 1000} s: nothing accepts TCP on ${pending.map((item) => `${item.host}:${item.port}`).join(', ')}`,
      );
    }
    if (await accepts(pending[0]!, Math.min(500, Math.max(50, deadline - Date.now())))) pending.shift();
    else await Promise.race([exited, sleep(POLL_MS)]);
  }
  if (hasExited) {
    const status = await exited;
    await close();
    throw failure(`exited right after opening its listeners (${status.signal ? `signal ${status.signal}` : `exit code ${status.code}`})`);
  }

  return {
    pid,
    exited,
    log: () => {
      if (!closing) pump();
      return [...lines];
    },
    close,
  };
}
