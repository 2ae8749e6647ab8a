import { summarize, withCliSection, type CliStartupResult } from '../../../bench/cli/startup';

describe('bench/cli/startup.ts: ratios pair by pair, and its docs section', () => {
  it('divides each run by the baseline run of the same repetition, not by the baseline median', () => {
    const s = summarize(
      { base: [100, 50, 200], help: [150, 100, 300], slow: [400, 200, 800] },
      'base',
      new Set(['help']),
    );
    expect(s.baselineMedianMs).toBe(100);
    const help = s.arms.find((a) => a.arm === 'help')!;
    expect(help.medianMs).toBe(150);
    expect(help.ratio).toEqual({ median: 1.5, min: 1.5, max: 2 });
    expect(help.goal).toEqual({ ratio: 3, met: true });
    const slow = s.arms.find((a) => a.arm === 'slow')!;
    expect(slow.ratio).toEqual({ median: 4, min: 4, max: 4 });
    expect(slow.goal).toBeUndefined();
  });

  it('a ratio above 3 is a goal not met', () => {
    const s = summarize({ base: [10, 10], help: [40, 31] }, 'base', new Set(['help']));
    expect(s.arms[0]!.goal).toEqual({ ratio: 3, met: false });
  });

  it('writes its section once: appended the first time, replaced in place afterwards', () => {
    const r = (ms: number): CliStartupResult => ({
      date: '2026-12-05T12:00:00.000Z',
      command: 'npm run bench:cli',
      machine: { cpus: 2, model: 'cpu', node: 'v20' },
      reps: 3,
      baselineMedianMs: 60,
      arms: [{ arm: 'crossdock --help', medianMs: ms, ratio: { median: 1.1, min: 1, max: 1.2 } }],
      samples: {},
    });
    const first = withCliSection('# Benchmarks\n\ntext\n', r(66));
    expect(first).toMatch(/^# Benchmarks\n\ntext\n\n<!-- cli:begin/);
    expect(first).toContain('| crossdock --help | 66 | 1.1 (1–1.2) | — |');
    const second = withCliSection(`${first}\nafter\n`, r(70));
    expect(second.match(/cli:begin/g)).toHaveLength(1);
    expect(second).toContain('| crossdock --help | 70 |');
    expect(second).not.toContain('| crossdock --help | 66 |');
    expect(second.endsWith('<!-- cli:end -->\n\nafter\n')).toBe(true);
  });
});
