import { formatDuration, parseDuration } from '../../../../flows/duration';

describe('flow durations', () => {
  it('reads a whole number and one unit s, m, h or d into ms', () => {
    expect(parseDuration('90s')).toEqual({ ms: 90_000 });
    expect(parseDuration('30m')).toEqual({ ms: 1_800_000 });
    expect(parseDuration('48h')).toEqual({ ms: 172_800_000 });
    expect(parseDuration('14d')).toEqual({ ms: 1_209_600_000 });
    expect(parseDuration('366d')).toEqual({ ms: 366 * 86_400_000 });
  });

  it.each([
    ['2 days', 'is not a duration'],
    ['48 h', 'is not a duration'],
    ['1.5h', 'is not a duration'],
    ['1h30m', 'is not a duration'],
    ['48H', 'is not a duration'],
    ['-1h', 'is not a duration'],
    ['', 'is not a duration'],
    ['0h', 'is zero'],
    ['367d', 'is more than 366 days'],
  ])('refuses %j, saying why and quoting it', (text, why) => {
    const res = parseDuration(text);
    expect('error' in res && res.error).toContain(why);
    expect('error' in res && res.error).toContain(JSON.stringify(text));
  });

  it('refuses a number (YAML `within: 48`), asking for a unit', () => {
    const res = parseDuration(48);
    expect('error' in res && res.error).toMatch(/^48 is not a duration: write a number and a unit/);
  });

  it('writes ms back in the largest unit that divides them', () => {
    expect(formatDuration(2 * 86_400_000)).toBe('2d');
    expect(formatDuration(36 * 3_600_000)).toBe('36h');
    expect(formatDuration(90 * 60_000)).toBe('90m');
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(1500)).toBe('1500ms');
    expect(formatDuration(172_800_000)).toBe('2d'); // 48h
    for (const t of ['90s', '30m', '36h', '14d']) {
      const r = parseDuration(t);
      expect('ms' in r && formatDuration(r.ms)).toBe(t);
    }
  });
});
