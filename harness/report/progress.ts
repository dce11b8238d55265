// Progress while labs start: one line per host with a tick (or a cross and why), and on a terminal
// a spinner line naming what is still starting. Labs start inside Playwright's worker processes;
// their events travel to the reporter (in the runner process) as marked lines on the worker's
// stdout, which Playwright hands to the reporter's onStdOut. NO_COLOR or a pipe: plain lines only.
import type { LabProgress } from '../lab/lab.js';
import { paint } from './style.js';

const MARK = '\u001eibcm-lab:progress ';
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface LabProgressEvent {
  lab: string;
  step: string;
  host?: string;
  state: 'start' | 'done' | 'failed';
  ms?: number;
  detail?: string;
}

/** For a worker: a lab's `onProgress` that sends each event to the reporter. */
export function labProgressToReporter(lab: string, write: (text: string) => void = (text) => process.stdout.write(text)): LabProgress {
  return (event) => write(`${MARK}${JSON.stringify({ lab, ...event })}\n`);
}

/** The events in a chunk of worker stdout (other output is not ours). */
export function progressEventsIn(chunk: string | Buffer): LabProgressEvent[] {
  return String(chunk)
    .split('\n')
    .filter((line) => line.startsWith(MARK))
    .map((line) => JSON.parse(line.slice(MARK.length)) as LabProgressEvent);
}

/** Renders lab progress and keeps the spinner line out of the way of every other line printed. */
export class ProgressView {
  private readonly running = new Map<string, LabProgressEvent>();
  private frame = 0;
  private timer?: NodeJS.Timeout;
  private statusShown = false;
  private readonly live: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    live = Boolean(out.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
  ) {
    this.live = live;
  }

  event(event: LabProgressEvent): void {
    const key = `${event.lab}\u0000${event.host ?? event.step}`;
    if (event.state === 'start') {
      this.running.set(key, event);
      this.redraw();
      return;
    }
    this.running.delete(key);
    // `lab <name>` first, so a host line never reads (or greps) like a check's `  ✔ <ID>` line.
    const lab = `lab ${event.lab.padEnd(Math.max(12, event.lab.length))}`;
    const host = (event.host ?? event.step).padEnd(22);
    const ms = `${String(event.ms ?? 0).padStart(5)} ms`;
    if (event.state === 'done') this.line(`  ${lab} ${paint('passed', '✔')} ${host} ${ms}`);
    else this.line(`  ${lab} ${paint('failed', '✘')} ${host} ${ms}  ${event.detail ?? 'failed'}`);
  }

  /** Print a permanent line (a host, a check) above the spinner. */
  line(text: string): void {
    this.clearStatus();
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
    this.redraw();
  }

  end(): void {
    this.running.clear();
    this.clearStatus();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private redraw(): void {
    if (!this.live) return;
    this.clearStatus();
    if (this.running.size === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const names = [...this.running.values()].map((event) => `${event.lab} ${event.host ?? event.step}`);
    const width = Math.max(20, (this.out.columns || 100) - 4);
    let text = `lab ${SPINNER[this.frame % SPINNER.length]} starting ${names.join(', ')}`;
    if (text.length > width) text = `${text.slice(0, width - 1)}…`;
    this.out.write(`  ${text}`);
    this.statusShown = true;
    if (!this.timer) {
      this.timer = setInterval(() => {
        this.frame++;
        this.redraw();
      }, 120);
      this.timer.unref();
    }
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.out.write('\r\u001b[2K');
    this.statusShown = false;
  }
}
