import { defineCodes } from '../../core/errors';

/** Error codes of the site scorecards (reader, `crossdock sites scorecard`, the admin API). */
export const SCORECARD_CODES = defineCodes({
  CD_E_SCORECARD_PERIOD_INVALID: {
    meaning:
      'The period of a scorecard is not one: `since` is not a duration ago (30m, 24h, 7d), an ISO date or date-time, or epoch milliseconds, or it is not before `until`.',
    action: 'Give --since as `24h`, `7d` or `2026-03-02T00:00:00Z` (and, with the API, `until` after it).',
    retriable: false,
  },
  CD_E_SCORECARD_SITE_NOT_FOUND: {
    meaning:
      'No scorecard for this site: it is not in the configuration and the hub holds no figures of it (figures are kept 35 days).',
    action: 'Check the site id with `crossdock site list`, or leave --site out to see every site.',
    retriable: false,
  },
  CD_E_SCORECARD_UNAVAILABLE: {
    meaning: 'Redis did not answer while the scorecards were read.',
    action: 'Check Redis (`crossdock stack status`); the read can be repeated once it is back.',
    retriable: true,
  },
});
