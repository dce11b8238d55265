// Terminal styling: colour only on a TTY and without NO_COLOR; symbols always, so a verdict
// reads the same in a CI log, a pipe or print.
import type { Verdict } from './results.js';

const useColour = process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
const COLOURS: Record<Verdict | 'not-covered', string> = {
  passed: '32',
  failed: '31',
  blocked: '33',
  error: '35',
  'not-applicable': '2',
  'not-covered': '33',
  'expected-failure': '36',
  'unexpected-pass': '31',
};
const SYMBOLS: Record<Verdict | 'not-covered', string> = {
  passed: '✔',
  failed: '✘',
  blocked: '⊘',
  error: '!',
  'not-applicable': '–',
  'not-covered': '?',
  'expected-failure': '≈',
  'unexpected-pass': '✘',
};

export function symbolOf(status: Verdict | 'not-covered'): string {
  return SYMBOLS[status];
}

export function paint(status: Verdict | 'not-covered', text: string): string {
  return useColour ? `\u001b[${COLOURS[status]}m${text}\u001b[0m` : text;
}

export function bold(text: string): string {
  return useColour ? `\u001b[1m${text}\u001b[0m` : text;
}
