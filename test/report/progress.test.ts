// Lab start-up progress: events cross from a worker's stdout to the reporter; one line per host;
// on a terminal a spinner line that never stays in the way; with NO_COLOR or a pipe, plain lines.
import { describe, expect, it } from 'vitest';
import { ProgressView, labProgressToReporter, progressEventsIn } from '../../harness/report/progress.js';

function fakeOut(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const out = {
    isTTY,
    columns: 100,
    text: '',
    write(chunk: string) {
      out.text += chunk;
      return true;
    },
  };
  return out as unknown as NodeJS.WriteStream & { text: string };
}

describe('lab progress', () => {
  it('carries lab events from a worker to the reporter as marked stdout lines, leaving other output alone', () => {
    let written = '';
    const onProgress = labProgressToReporter('bridge-w0', (text) => (written += text));
    onProgress({ step: 'start', host: 'mp1', state: 'start' });
    onProgress({ step: 'start', host: 'mp1', state: 'done', ms: 25 });
    expect(progressEventsIn(`console noise\n${written}more noise\n`)).toEqual([
      { lab: 'bridge-w0', step: 'start', host: 'mp1', state: 'start' },
      { lab: 'bridge-w0', step: 'start', host: 'mp1', state: 'done', ms: 25 },
    ]);
  });

  it('prints one plain line per host when not on a terminal (no spinner, no escape codes)', () => {
    const out = fakeOut(false);
    const view = new ProgressView(out, false);
    view.event({ lab: 'bridge-w0', step: 'start', host: 'mp1', state: 'start' });
    view.event({ lab: 'bridge-w0', step: 'start', host: 'dp1', state: 'start' });
    view.event({ lab: 'bridge-w0', step: 'start', host: 'mp1', state: 'done', ms: 25 });
    view.event({
      lab: 'bridge-w0',
      step: 'start',
      host: 'dp1',
      state: 'failed',
      ms: 3,
      detail: 'could not listen on 127.16.2.11:20443: address already in use',
    });
    view.line('  ✔ PX-VERB-MP-HEAD bridge passed');
    view.end();
    expect(out.text).not.toMatch(/\u001b/);
    expect(out.text.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^ {2}lab bridge-w0 {4}✔ mp1 +25 ms$/),
      expect.stringMatching(/^ {2}lab bridge-w0 {4}✘ dp1 .* 3 ms {2}could not listen on 127\.16\.2\.11:20443: address already in use$/),
      '  ✔ PX-VERB-MP-HEAD bridge passed',
    ]);
  });

  it('on a terminal keeps a spinner line for what is starting and clears it before every other line', () => {
    const out = fakeOut(true);
    const view = new ProgressView(out, true);
    view.event({ lab: 'tunnel-w1', step: 'pki', host: 'ca', state: 'start' });
    expect(out.text).toMatch(/lab [⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] starting tunnel-w1 ca$/);
    view.event({ lab: 'tunnel-w1', step: 'pki', host: 'ca', state: 'done', ms: 180 });
    // The spinner was wiped before the host's line, and nothing is left running so no spinner returns.
    expect(out.text).toMatch(/starting tunnel-w1 ca\r\u001b\[2K {2}lab tunnel-w1 .*ca .* 180 ms\n$/);
    view.end();
  });
});
