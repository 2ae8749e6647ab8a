import { CrossdockError } from '../../core/errors';
import { hourStart } from '../contract';

const HOUR_MS = 3_600_000;
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS };

/** The default period of a scorecard: the last 24 hours. */
export const DEFAULT_SCORECARD_SINCE = '24h';

function invalid(message: string, value: unknown): CrossdockError {
  return new CrossdockError('CD_E_SCORECARD_PERIOD_INVALID', message, { details: { value } });
}

/**
 * A scorecard's start (or end) as a time: a duration ago (`30m`, `24h`, `7d`), an ISO date or
 * date-time (`2026-03-02`, `2026-03-02T15:00:00Z`), or epoch milliseconds.
 * @throws CD_E_SCORECARD_PERIOD_INVALID naming `where`
 */
export function parseScorecardTime(value: string | number, where: string, now: number): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw invalid(`${where}: ${value} is not a time (epoch milliseconds)`, value);
  }
  const text = value.trim();
  if (/^\d{10,}$/.test(text)) return parseScorecardTime(Number(text), where, now);
  const rel = /^(\d+)([mhd])$/.exec(text);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return at;
  }
  throw invalid(
    `${where}: ${JSON.stringify(value)} is not a time: give a duration ago (30m, 24h, 7d), an ISO date or date-time (2026-03-02, 2026-03-02T15:00:00Z) or epoch milliseconds`,
    value,
  );
}

/**
 * The hours a scorecard reads: figures are kept per UTC hour, so a period is rounded out to whole
 * hours, from the start of the hour `since` falls in to the end of the hour `until` falls in:
 * [hourStart(since), hourStart(until) + 1 h). `--since 24h` at 14:20 reads 13:00 yesterday to
 * 15:00 today (25 hours, the current one included).
 * @throws CD_E_SCORECARD_PERIOD_INVALID when since is after until
 */
export function scorecardHours(since: number, until: number): { from: number; to: number; hours: number[] } {
  if (since > until)
    throw invalid(
      `since (${new Date(since).toISOString()}) is after until (${new Date(until).toISOString()})`,
      { since, until },
    );
  const from = hourStart(since);
  const to = hourStart(until) + HOUR_MS;
  const hours: number[] = [];
  for (let h = from; h < to; h += HOUR_MS) hours.push(h);
  return { from, to, hours };
}
