import type { SiteScorecard } from '../../../flows';
import { formatScorecard, formatScorecards, percent } from '../../../cli/scorecard-format';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-02T14:20:00Z');

function card(over: Partial<SiteScorecard>): SiteScorecard {
  return {
    siteId: 'us-dal',
    from: NOW - 25 * HOUR,
    to: NOW + 40 * 60_000,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    rejectedBy: [],
    deprecated: 0,
    deprecatedShare: null,
    versions: [],
    flows: [],
    mappingVariant: 'us-dal > csv-legacy > base',
    lastEventAt: null,
    conformance: 1,
    configured: true,
    ...over,
  };
}

const O2C = {
  flow: 'order-to-cash',
  started: 4,
  completed: 3,
  completedOnTime: 2,
  incomplete: 1,
  completionRate: 0.75,
  outOfOrder: 0,
  duplicates: 1,
  alerts: 2,
  steps: [
    { step: 'OrderReleased', stepIndex: 0, arrived: 4, onTime: 4, p50Ms: null, p95Ms: null, withinMs: 0 },
    {
      step: 'ShipmentConfirmed',
      stepIndex: 1,
      arrived: 3,
      onTime: 2,
      p50Ms: 3 * HOUR,
      p95Ms: 50 * HOUR,
      withinMs: 48 * HOUR,
    },
  ],
};

describe('crossdock sites scorecard: the human output', () => {
  it('percentages to one decimal, a dash for none', () => {
    expect(percent(0.75)).toBe('75.0%');
    expect(percent(1 / 3)).toBe('33.3%');
    expect(percent(null)).toBe('-');
    expect(percent(undefined)).toBe('-');
  });

  it('one line per site in the order given, a completion column per flow, marked unconfigured sites', () => {
    const text = formatScorecards(
      [
        card({
          accepted: 8,
          rejected: 2,
          deprecatedShare: 0.25,
          conformance: 0.45,
          lastEventAt: NOW - 2 * HOUR,
          flows: [O2C],
        }),
        card({ siteId: 'zz-gone', configured: false, mappingVariant: '(not configured)', accepted: 1 }),
      ],
      NOW,
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'Site scorecards, 2026-03-01 13:20:00Z to 2026-03-02 15:00:00Z (whole UTC hours), worst conformance first',
    );
    expect(lines[2]).toMatch(
      /^SITE\s+CONFORMANCE\s+ACCEPTED\s+REJECTED\s+DEPRECATED\s+ORDER-TO-CASH DONE\s+LAST EVENT\s+VARIANT$/,
    );
    expect(lines[3]).toMatch(
      /^us-dal\s+45\.0%\s+8\s+2\s+25\.0%\s+75\.0%\s+2h ago\s+us-dal > csv-legacy > base$/,
    );
    expect(lines[4]).toMatch(
      /^zz-gone \(not configured\)\s+100\.0%\s+1\s+0\s+-\s+-\s+never\s+\(not configured\)$/,
    );
  });

  it('one site in detail: rejections, versions, steps against the deadline', () => {
    const text = formatScorecard(
      card({
        accepted: 8,
        rejected: 2,
        deprecated: 2,
        deprecatedShare: 0.25,
        rejectedBy: [{ code: 'CD_E_RULE_VIOLATION', rule: 'positive-quantities', count: 2 }],
        versions: [{ eventType: 'OrderReleased', version: 1, deprecated: true, count: 2 }],
        flows: [O2C],
        lastEventAt: NOW - 90 * 60_000,
      }),
      NOW,
    );
    expect(text).toContain('deprecated        2 (25.0% of accepted)');
    expect(text).toContain('last event        2026-03-02 12:50:00Z (1h 30m ago)');
    expect(text).toMatch(/CD_E_RULE_VIOLATION\s+positive-quantities\s+2/);
    expect(text).toMatch(/OrderReleased\s+1\s+yes\s+2/);
    expect(text).toContain(
      'Flow order-to-cash: started 4, completed 3 (2 on time), incomplete 1, completion 75.0%, out of order 0, duplicates 1, alerts 2',
    );
    expect(text).toMatch(/0 OrderReleased\s+4\s+4\s+-\s+-\s+-/);
    expect(text).toMatch(/1 ShipmentConfirmed\s+3\s+2\s+3h\s+2d 2h\s+2d$/m);
  });

  it('says when there is nothing to show', () => {
    expect(formatScorecards([], NOW)).toContain('no sites');
    expect(formatScorecard(card({}), NOW)).toContain('No flows are configured.');
  });
});
