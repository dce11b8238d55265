import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

/** Log lines kept in memory for the report and appended to `<logs.dir>/node-proxy.log`. */
export class ProxyLog {
  private readonly lines: string[] = [];
  private readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, 'node-proxy.log');
  }

  write(line: string): void {
    const stamped = `${new Date().toISOString()} ${line}`;
    this.lines.push(stamped);
    try {
      appendFileSync(this.file, stamped + '\n');
    } catch {
      // The in-memory copy is the evidence; a missing log dir must not break the proxy.
    }
  }

  all(): string[] {
    return [...this.lines];
  }
}
