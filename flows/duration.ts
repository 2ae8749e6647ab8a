/**
 * Durations as the `flows:` section writes them: a whole number and one unit, `<n>s`, `<n>m`,
 * `<n>h` or `<n>d` (`90s`, `30m`, `48h`, `14d`); no spaces, no fractions, no mixed units, more
 * than zero. A day is 24 hours (deadlines are elapsed time, not calendar days).
 */

const UNIT_MS = Object.freeze({ s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 });
type Unit = keyof typeof UNIT_MS;

/** The form a duration must have; the JSON Schema of `flows:` documents it with this pattern. */
export const DURATION_PATTERN = '^[0-9]+[smhd]$';

/** The longest duration accepted (366 days): beyond it a deadline is surely a typo. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d;

/** A duration in ms, or why the text is not one (a sentence that names what was written). */
export function parseDuration(text: unknown): { ms: number } | { error: string } {
  const shown = JSON.stringify(text);
  if (typeof text !== 'string')
    return { error: `${shown} is not a duration: write a number and a unit s, m, h or d, e.g. "48h"` };
  const m = /^([0-9]+)([smhd])$/.exec(text);
  if (!m)
    return {
      error: `${shown} is not a duration: write a whole number and one unit s, m, h or d, without spaces (e.g. "90s", "30m", "48h", "14d")`,
    };
  const ms = Number(m[1]) * UNIT_MS[m[2] as Unit];
  if (ms === 0) return { error: `${shown} is zero: a duration must be more than 0` };
  if (ms > MAX_DURATION_MS) return { error: `${shown} is more than 366 days` };
  return { ms };
}

/** A duration in ms in the largest unit that divides it: 172800000 → `2d`, 5400000 → `90m`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
