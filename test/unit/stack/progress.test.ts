import { PassThrough } from 'node:stream';
import { stderrProgress } from '../../../stack/progress';

describe('stderrProgress', () => {
  it('renders each declared stack event as one text line: elapsed seconds, part, message', () => {
    const out = new PassThrough();
    let t = 1000;
    const progress = stderrProgress(out, () => t);
    t = 3500;
    progress.emit('stack.ready', { part: 'kafka' }, 'ready');
    t = 13_400;
    progress.emit('stack.up', { seconds: 12.4, started: true }, 'up in 12.4s');
    expect(String(out.read())).toBe('[stack   2.5s] kafka    ready\n[stack  12.4s] stack    up in 12.4s\n');
  });

  it('refuses an undeclared step', () => {
    const progress = stderrProgress(new PassThrough());
    expect(() => progress.emit('stack.unknown' as 'stack.ready', { part: 'kafka' })).toThrow(
      'log event "stack.unknown" is not declared',
    );
  });
});
