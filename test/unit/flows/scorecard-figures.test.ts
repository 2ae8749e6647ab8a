import path from 'node:path';
import { isCrossdockError } from '../../../core/errors';
import type { HubConfig, SiteConfig } from '../../../core/config/types';
import { loadConfig } from '../../../hub';
import { LATENCY_BUCKETS_MS, SCORE_FIELDS as F, type FlowDefinition, type IngressFact } from '../../../flows';
import {
  completionRate,
  conformance,
  histogramQuantile,
  siteScorecard,
  sumHours,
  worstFirst,
} from '../../../flows/scorecard/figures';
import { parseScorecardTime, scorecardHours } from '../../../flows/scorecard/period';
import { factFields, sumFacts } from '../../../flows/scorecard/recorder';
import { mappingVariantOf } from '../../../flows/scorecard/variant';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-02T14:20:00Z');

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isCrossdockError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a coded error');
}

/** A histogram with `n` latencies in each bucket named. */
function hist(entries: Record<number, number>): number[] {
  const out = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const [b, n] of Object.entries(entries)) out[Number(b)] = n;
  return out;
}

const ORDER_TO_CASH: FlowDefinition = {
  name: 'o2c',
  expireAfterMs: 14 * 86_400_000,
  steps: [
    {
      index: 0,
      eventType: 'OrderReleased',
      key: { kind: 'correlationId' },
      withinMs: 0,
      withinBySiteGroup: {},
      where: [],
    },
    {
      index: 1,
      eventType: 'ShipmentConfirmed',
      key: { kind: 'correlationId' },
      withinMs: 48 * HOUR,
      withinBySiteGroup: { mexico: 72 * HOUR, canada: 60 * HOUR },
      where: [],
    },
  ],
};

describe('latency quantiles by nearest rank over the histogram', () => {
  it('is null for an empty histogram', () => {
    expect(histogramQuantile(hist({}), 0.5)).toBeNull();
  });

  it('reports the upper bound of the bucket holding the nearest rank', () => {
    // 10 latencies: 4 in bucket 0 (≤1000 ms), 5 in bucket 3 (≤3375 ms), 1 in bucket 10.
    const h = hist({ 0: 4, 3: 5, 10: 1 });
    // p50: rank ceil(0.5 × 10) = 5 → the 5th is the first of bucket 3.
    expect(histogramQuantile(h, 0.5)).toBe(LATENCY_BUCKETS_MS[3]);
    // p95: rank ceil(0.95 × 10) = 10 → the one in bucket 10.
    expect(histogramQuantile(h, 0.95)).toBe(LATENCY_BUCKETS_MS[10]);
    // rank 4 (p40) is still bucket 0.
    expect(histogramQuantile(h, 0.4)).toBe(1000);
  });

  it('reports the last bound for the open bucket above it', () => {
    const open = LATENCY_BUCKETS_MS.length;
    expect(histogramQuantile(hist({ [open]: 3 }), 0.95)).toBe(LATENCY_BUCKETS_MS[open - 1]);
    expect(LATENCY_BUCKETS_MS[open - 1]).toBe(60 * 86_400_000);
  });

  it('a single latency is every quantile', () => {
    expect(histogramQuantile(hist({ 7: 1 }), 0.5)).toBe(LATENCY_BUCKETS_MS[7]);
    expect(histogramQuantile(hist({ 7: 1 }), 0.95)).toBe(LATENCY_BUCKETS_MS[7]);
  });
});

describe('completion rate and conformance', () => {
  it('completion: completed over completed + incomplete, null when none ended', () => {
    expect(completionRate(3, 1)).toBe(0.75);
    expect(completionRate(0, 2)).toBe(0);
    expect(completionRate(0, 0)).toBeNull();
  });

  it('conformance multiplies accepted share, current-version share and on-time share', () => {
    // accepted 8 of 10, 2 of 8 deprecated, 3 of 4 ended instances on time.
    expect(
      conformance({ accepted: 8, rejected: 2, deprecated: 2, completedOnTime: 3, ended: 4 }),
    ).toBeCloseTo(0.8 * (1 - 2 / 8) * 0.75, 12);
  });

  it('a factor without data counts 1', () => {
    expect(conformance({ accepted: 0, rejected: 0, deprecated: 0, completedOnTime: 0, ended: 0 })).toBe(1);
    expect(conformance({ accepted: 4, rejected: 0, deprecated: 1, completedOnTime: 0, ended: 0 })).toBe(0.75);
    expect(conformance({ accepted: 0, rejected: 5, deprecated: 0, completedOnTime: 0, ended: 0 })).toBe(0);
  });
});

describe('a site scorecard from its hour hashes', () => {
  const hours: Array<Record<string, string>> = [
    {
      [F.accepted]: '6',
      [F.rejected]: '2',
      [F.duplicates]: '1',
      [F.deprecated]: '2',
      [F.rejectedBy('CD_E_RULE_VIOLATION', 'positive-qty')]: '2',
      [F.version('OrderReleased', 1, true)]: '2',
      [F.version('OrderReleased', 2, false)]: '4',
      [F.lastEventAt]: String(NOW - 2 * HOUR),
      [F.flowStarted('o2c')]: '3',
      [F.flowCompleted('o2c')]: '1',
      [F.flowCompletedOnTime('o2c')]: '1',
      [F.stepArrived('o2c', 1)]: '2',
      [F.stepOnTime('o2c', 1)]: '1',
      [F.stepLatency('o2c', 1, 2)]: '1',
    },
    {},
    {
      [F.accepted]: '2',
      [F.rejected]: '1',
      [F.rejectedBy('CD_E_SCHEMA_INVALID')]: '1',
      [F.version('OrderReleased', 2, false)]: '2',
      [F.lastEventAt]: String(NOW - 5 * HOUR),
      [F.flowCompleted('o2c')]: '2',
      [F.flowIncomplete('o2c')]: '1',
      [F.flowOutOfOrder('o2c')]: '1',
      [F.flowAlerts('o2c')]: '2',
      [F.stepArrived('o2c', 1)]: '2',
      [F.stepLatency('o2c', 1, 9)]: '2',
    },
  ];
  const sum = sumHours(hours);
  const card = siteScorecard(sum, {
    siteId: 'mx-gdl',
    from: 0,
    to: 3 * HOUR,
    groups: ['mexico'],
    configured: true,
    mappingVariant: 'mx-gdl > csv-legacy > base',
    flows: [ORDER_TO_CASH],
  });

  it('sums counts and keeps the newest last event', () => {
    expect(sum.get(F.lastEventAt)).toBe(NOW - 2 * HOUR);
    expect(card).toMatchObject({
      accepted: 8,
      rejected: 3,
      duplicates: 1,
      deprecated: 2,
      lastEventAt: NOW - 2 * HOUR,
    });
    expect(card.deprecatedShare).toBe(2 / 8);
  });

  it('breaks rejections down by code and rule, most first, and versions by type and version', () => {
    expect(card.rejectedBy).toEqual([
      { code: 'CD_E_RULE_VIOLATION', rule: 'positive-qty', count: 2 },
      { code: 'CD_E_SCHEMA_INVALID', count: 1 },
    ]);
    expect(card.versions).toEqual([
      { eventType: 'OrderReleased', version: 1, deprecated: true, count: 2 },
      { eventType: 'OrderReleased', version: 2, deprecated: false, count: 6 },
    ]);
  });

  it('computes the flow figures with the deadline of the site group', () => {
    const f = card.flows[0]!;
    expect(f).toMatchObject({ flow: 'o2c', started: 3, completed: 3, completedOnTime: 1, incomplete: 1 });
    expect(f).toMatchObject({ outOfOrder: 1, duplicates: 0, alerts: 2 });
    expect(f.completionRate).toBe(3 / 4);
    const s1 = f.steps[1]!;
    expect(s1).toMatchObject({ step: 'ShipmentConfirmed', arrived: 4, onTime: 1, withinMs: 72 * HOUR });
    // 3 latencies: one in bucket 2, two in bucket 9. p50 rank 2 → bucket 9; p95 rank 3 → bucket 9.
    expect(s1.p50Ms).toBe(LATENCY_BUCKETS_MS[9]);
    expect(s1.p95Ms).toBe(LATENCY_BUCKETS_MS[9]);
    expect(f.steps[0]).toMatchObject({ arrived: 0, p50Ms: null, p95Ms: null, withinMs: 0 });
  });

  it('conformance from the figures: 8/11 × (1 − 2/8) × 1/4', () => {
    expect(card.conformance).toBeCloseTo((8 / 11) * (1 - 2 / 8) * (1 / 4), 12);
  });

  it('a site with no figures has zeros, nulls and conformance 1', () => {
    const empty = siteScorecard(sumHours([{}, {}]), {
      siteId: 'us-atl',
      from: 0,
      to: HOUR,
      groups: [],
      configured: true,
      mappingVariant: 'sdk',
      flows: [ORDER_TO_CASH],
    });
    expect(empty).toMatchObject({
      accepted: 0,
      rejected: 0,
      deprecatedShare: null,
      lastEventAt: null,
      conformance: 1,
    });
    expect(empty.flows[0]!.completionRate).toBeNull();
    expect(empty.flows[0]!.steps[1]!.withinMs).toBe(48 * HOUR);
  });

  it('sorts worst conformance first', () => {
    const a = { ...card, siteId: 'a', conformance: 0.9 };
    const b = { ...card, siteId: 'b', conformance: 0.2 };
    const c = { ...card, siteId: 'c', conformance: 0.5 };
    expect([a, b, c].sort(worstFirst).map((x) => x.siteId)).toEqual(['b', 'c', 'a']);
  });
});

/** An accepted fact of site `s`, partition 0 of topic `t`. */
const base: IngressFact = {
  topic: 't',
  partition: 0,
  offset: '1',
  siteId: 's',
  eventId: 'e',
  eventType: 'OrderReleased',
  deprecated: false,
  occurredAt: 1,
  receivedAt: 2,
  outcome: 'accepted',
};

describe('the fields a fact increments', () => {
  it('accepted: acc, its version, dep when deprecated', () => {
    expect(factFields({ ...base, schemaVersion: 1, deprecated: true })).toEqual([
      'acc',
      'ver:OrderReleased|1|1',
      'dep',
    ]);
    expect(factFields(base)).toEqual(['acc']);
  });
  it('rejected: rej and its code and rule; duplicate: dup', () => {
    expect(factFields({ ...base, outcome: 'rejected', rejection: { code: 'CD_E_X', rule: 'r1' } })).toEqual([
      'rej',
      'rej:CD_E_X|r1',
    ]);
    expect(factFields({ ...base, outcome: 'rejected' })).toEqual(['rej', 'rej:unknown|']);
    expect(factFields({ ...base, outcome: 'duplicate' })).toEqual(['dup']);
  });
});

describe('a batch added up for record.lua (sumFacts)', () => {
  const key = (site: string, hour: number) => `${site}@${hour}`;
  it('by partition in their order, first and last offset, then by site hour with each field counted', () => {
    const H = 3_600_000;
    const sums = sumFacts(
      [
        { ...base, offset: '5', schemaVersion: 1, receivedAt: H + 10 },
        { ...base, partition: 1, offset: '9', siteId: 'u', outcome: 'duplicate', receivedAt: 40 },
        { ...base, offset: '6', schemaVersion: 1, deprecated: true, receivedAt: H + 900.7 },
        { ...base, offset: '8', outcome: 'rejected', rejection: { code: 'CD_E_X' }, receivedAt: 7 },
        { ...base, offset: '10', schemaVersion: 1, receivedAt: H + 20 },
      ],
      key,
    );
    expect(
      sums.map((p) => ({
        ...p,
        hours: [...p.hours].map(([k, h]) => ({
          k,
          site: h.site,
          newest: h.newest,
          fields: Object.fromEntries(h.fields),
        })),
      })),
    ).toEqual([
      {
        position: 't/0',
        first: '5',
        last: '10',
        facts: 4,
        hours: [
          {
            k: `s@${H}`,
            site: 's',
            newest: H + 900,
            fields: { acc: 3, 'ver:OrderReleased|1|0': 2, 'ver:OrderReleased|1|1': 1, dep: 1 },
          },
          { k: 's@0', site: 's', newest: 7, fields: { rej: 1, 'rej:CD_E_X|': 1 } },
        ],
      },
      {
        position: 't/1',
        first: '9',
        last: '9',
        facts: 1,
        hours: [{ k: 'u@0', site: 'u', newest: 40, fields: { dup: 1 } }],
      },
    ]);
  });
  it('nothing for no facts', () => {
    expect(sumFacts([], key)).toEqual([]);
  });
});

describe('periods are whole UTC hours', () => {
  it('reads durations ago, ISO times and epoch ms; refuses the rest with a code', () => {
    expect(parseScorecardTime('24h', 'since', NOW)).toBe(NOW - 24 * HOUR);
    expect(parseScorecardTime('7d', 'since', NOW)).toBe(NOW - 7 * 24 * HOUR);
    expect(parseScorecardTime('2026-03-02T10:00:00Z', 'since', NOW)).toBe(Date.parse('2026-03-02T10:00:00Z'));
    expect(parseScorecardTime(String(NOW), 'since', NOW)).toBe(NOW);
    for (const bad of ['yesterday', '24', '-3h', '2026-13-45', ''])
      expect(code(() => parseScorecardTime(bad, 'since', NOW))).toBe('CD_E_SCORECARD_PERIOD_INVALID');
  });

  it('rounds out to the hours that hold since and until', () => {
    const p = scorecardHours(NOW - 24 * HOUR, NOW);
    expect(p.from).toBe(Date.parse('2026-03-01T14:00:00Z'));
    expect(p.to).toBe(Date.parse('2026-03-02T15:00:00Z'));
    expect(p.hours).toHaveLength(25);
    expect(code(() => scorecardHours(NOW, NOW - 1))).toBe('CD_E_SCORECARD_PERIOD_INVALID');
  });
});

describe('the mapping variant in use', () => {
  const config: HubConfig = loadConfig(path.join(__dirname, '../../../examples/hub.yaml'));
  const site = (id: string): SiteConfig => config.siteById[id]!;

  it('a csv or http site: its mapping and the chain it extends, down to base', () => {
    expect(mappingVariantOf(config, site('us-dal'))).toBe('us-dal > csv-legacy > base');
    expect(mappingVariantOf(config, site('mx-gdl'))).toBe('mx-gdl > csv-legacy > base');
    expect(mappingVariantOf(config, site('us-chi'))).toBe('us-chi > base');
    expect(mappingVariantOf(config, site('mx-mty'))).toBe('mx-mty > mx-erp > base');
  });

  it('an sdk site: the connector kind', () => {
    expect(mappingVariantOf(config, site('us-atl'))).toBe('sdk');
  });

  it('a mapping that does not load is named and marked', () => {
    const broken = {
      ...site('us-dal'),
      id: 'zz-none',
      connector: { kind: 'csv', mapping: 'no-such-mapping' },
    };
    expect(mappingVariantOf(config, broken)).toBe('no-such-mapping (invalid)');
  });
});
