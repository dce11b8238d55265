// What a host records as it runs — its request journal, DNS query logs, the DC beacon's connections —
// read the same way whether the host runs in this process or in a container. A container host
// appends each record to a JSON-lines file in the lab directory (bind-mounted), synchronously, before
// it answers; so by the time a client has its answer, the record is on disk for the check to read.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface LogReader<T> {
  entries(): T[];
  mark(): number;
  since(mark: number): T[];
}

/** An in-memory list as a LogReader (the DC beacon's connections). */
export function listLog<T>(list: T[]): LogReader<T> {
  return {
    entries: () => list.map((entry) => structuredClone(entry)),
    mark: () => list.length,
    since: (mark) => list.slice(mark).map((entry) => structuredClone(entry)),
  };
}

/** Appends one record per line; the writer side, inside a container host. */
export function jsonLinesWriter<T>(file: string): (entry: T) => void {
  return (entry) => appendFileSync(file, JSON.stringify(entry) + '\n');
}

/** Reads a JSON-lines file on every call (small files; a check reads a handful of times). */
export function jsonLinesLog<T>(file: string): LogReader<T> {
  const read = (): T[] => {
    if (!existsSync(file)) return [];
    const text = readFileSync(file, 'utf8');
    // A line being written while we read is left for the next read.
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    return complete
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as T);
  };
  return { entries: read, mark: () => read().length, since: (mark) => read().slice(mark) };
}
