import path from 'node:path';
import type { HubConfig } from '../../../core/config/types';
import { flowKeys } from '../../../core/names/redis-keys';
import { topicsForPrefix } from '../../../core/names/topics';
import { createRedis, type Redis } from '../../../core/redis';
import {
  LATENCY_BUCKETS_MS,
  SCORE_FIELDS as F,
  SITE_HOUR_TTL_MS,
  createScorecardRecorder,
  hourStart,
  latencyBucket,
  readScorecards,
  scorecardSource,
  type FlowDefinition,
  type IngressFact,
  type SiteScorecard,
} from '../../../flows';
import { loadConfig } from '../../../hub';
import { randomName, testEndpoints } from '../../helpers/stack';

/**
 * The scorecard recorder and reader on real Redis: a known stream of ingress facts (accepted on
 * current and deprecated versions, rejected by code and rule, duplicates; two sites, two hours, a
 * site no longer configured) and hand-written engine flow fields for one site; every figure is
 * computed by hand below. Facts handed again change nothing.
 */

const HOUR = 3_600_000;
const NOW = Date.now();
const H1 = hourStart(NOW) - 2 * HOUR;
const H2 = hourStart(NOW) - HOUR;

const O2C: FlowDefinition = {
  name: 'order-to-cash',
  expireAfterMs: 14 * 24 * HOUR,
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
      withinBySiteGroup: { mexico: 72 * HOUR },
      where: [],
    },
    {
      index: 2,
      eventType: 'InvoiceGenerated',
      key: { kind: 'correlationId' },
      withinMs: 24 * HOUR,
      withinBySiteGroup: {},
      where: [],
    },
  ],
};

const base = loadConfig(path.join(__dirname, '../../../examples/hub.yaml'));
const config = { ...base, flows: [O2C] } as HubConfig;
const prefix = `${randomName('score')}:`;
const t = topicsForPrefix(randomName('score'));
const keys = flowKeys(prefix);

type Kind =
  | { outcome: 'accepted'; type: string; version: number; deprecated?: boolean }
  | { outcome: 'rejected'; code: string; rule?: string }
  | { outcome: 'duplicate' };

/** One site's facts on partition 0 of its ingress topic, offsets from 0, at the times given. */
function facts(site: string, items: Array<[at: number, kind: Kind]>): IngressFact[] {
  return items.map(([at, k], i) => ({
    topic: t.ingress(site),
    partition: 0,
    offset: String(i),
    siteId: site,
    eventId: `${site}-${i}`,
    eventType: k.outcome === 'accepted' ? k.type : 'OrderReleased',
    ...(k.outcome === 'accepted' ? { schemaVersion: k.version } : {}),
    deprecated: k.outcome === 'accepted' && Boolean(k.deprecated),
    occurredAt: at - 1000,
    receivedAt: at,
    outcome: k.outcome,
    ...(k.outcome === 'rejected' ? { rejection: { code: k.code, ...(k.rule ? { rule: k.rule } : {}) } } : {}),
  }));
}

const RULE = { outcome: 'rejected', code: 'CD_E_RULE_VIOLATION', rule: 'positive-quantities' } as const;
const SCHEMA = { outcome: 'rejected', code: 'CD_E_SCHEMA_INVALID' } as const;
const REL1_DEP = { outcome: 'accepted', type: 'OrderReleased', version: 1, deprecated: true } as const;
const REL2 = { outcome: 'accepted', type: 'OrderReleased', version: 2 } as const;
const SHIP1 = { outcome: 'accepted', type: 'ShipmentConfirmed', version: 1 } as const;
const DUP = { outcome: 'duplicate' } as const;

const DAL = facts('us-dal', [
  [H1 + 60_000, REL1_DEP],
  [H1 + 120_000, REL2],
  [H1 + 180_000, RULE],
  [H1 + 240_000, DUP],
  [H2 + 60_000, SHIP1],
  [H2 + 120_000, SCHEMA],
  [H2 + 180_000, RULE],
  [H2 + 240_000, REL1_DEP],
  [H2 + 300_000, REL2],
]);
const GDL = facts('mx-gdl', [
  [H1 + 1_000, REL2],
  [H1 + 2_000, REL2],
  [H2 + 3_000, SHIP1],
  [H2 + 4_000, { outcome: 'rejected', code: 'CD_E_RULE_VIOLATION', rule: 'mx-tax-id' }],
]);
const GONE = facts('zz-gone', [[H2 + 5_000, REL2]]);

let redis: Redis;
const card = (cards: SiteScorecard[], id: string) => cards.find((c) => c.siteId === id)!;
const read = (site?: string) =>
  readScorecards({ redis, redisPrefix: prefix, config, since: H1, until: NOW, ...(site ? { site } : {}) });

beforeAll(async () => {
  redis = createRedis({ url: testEndpoints().redisUrl, name: 'scorecard-test' });
  const recorder = createScorecardRecorder({ redis, redisPrefix: prefix });
  // The two sites interleaved, in batches that cut through both hours.
  await recorder.onFacts([...DAL.slice(0, 3), ...GDL.slice(0, 1)]);
  await recorder.onFacts([...GDL.slice(1), ...DAL.slice(3, 6)]);
  await recorder.onFacts([...DAL.slice(6), ...GONE]);
  // What the engine writes for us-dal (flows/engine's step script), by hand: in H1 two instances
  // started and one shipped 3 h after its release (late for nothing: on time); in H2 one completed
  // on time (its invoice 20 h after shipping, on time) and one expired incomplete (alert raised).
  const h1 = keys.siteHour('us-dal', H1);
  const h2 = keys.siteHour('us-dal', H2);
  const b3h = latencyBucket(3 * HOUR);
  const b20h = latencyBucket(20 * HOUR);
  const b50h = latencyBucket(50 * HOUR);
  await redis
    .multi()
    .hincrby(h1, F.flowStarted('order-to-cash'), 2)
    .hincrby(h1, F.stepArrived('order-to-cash', 0), 2)
    .hincrby(h1, F.stepArrived('order-to-cash', 1), 2)
    .hincrby(h1, F.stepOnTime('order-to-cash', 1), 1)
    .hincrby(h1, F.stepLatency('order-to-cash', 1, b3h), 1)
    .hincrby(h1, F.stepLatency('order-to-cash', 1, b50h), 1)
    .hincrby(h2, F.stepArrived('order-to-cash', 2), 1)
    .hincrby(h2, F.stepOnTime('order-to-cash', 2), 1)
    .hincrby(h2, F.stepLatency('order-to-cash', 2, b20h), 1)
    .hincrby(h2, F.flowCompleted('order-to-cash'), 1)
    .hincrby(h2, F.flowCompletedOnTime('order-to-cash'), 1)
    .hincrby(h2, F.flowIncomplete('order-to-cash'), 1)
    .hincrby(h2, F.flowAlerts('order-to-cash'), 2)
    .hincrby(h2, F.flowOutOfOrder('order-to-cash'), 1)
    .exec();
});

afterAll(async () => {
  const all = await redis.keys(`${prefix}*`);
  if (all.length) await redis.del(...all);
  redis.disconnect();
});

describe('site scorecards from a known stream', () => {
  it('us-dal: ingress figures by hand', async () => {
    const dal = card(await read(), 'us-dal');
    // accepted: REL1_DEP, REL2 (H1) + SHIP1, REL1_DEP, REL2 (H2) = 5; rejected: RULE (H1) +
    // SCHEMA, RULE (H2) = 3; one duplicate; deprecated: the two REL1_DEP.
    expect(dal).toMatchObject({ accepted: 5, rejected: 3, duplicates: 1, deprecated: 2, configured: true });
    expect(dal.deprecatedShare).toBe(2 / 5);
    expect(dal.rejectedBy).toEqual([
      { code: 'CD_E_RULE_VIOLATION', rule: 'positive-quantities', count: 2 },
      { code: 'CD_E_SCHEMA_INVALID', count: 1 },
    ]);
    expect(dal.versions).toEqual([
      { eventType: 'OrderReleased', version: 1, deprecated: true, count: 2 },
      { eventType: 'OrderReleased', version: 2, deprecated: false, count: 2 },
      { eventType: 'ShipmentConfirmed', version: 1, deprecated: false, count: 1 },
    ]);
    expect(dal.lastEventAt).toBe(H2 + 300_000);
    expect(dal.mappingVariant).toBe('us-dal > csv-legacy > base');
    expect(dal.from).toBe(H1);
    expect(dal.to).toBe(hourStart(NOW) + HOUR);
  });

  it('us-dal: flow figures by hand, deadlines of its groups', async () => {
    const dal = card(await read(), 'us-dal');
    const f = dal.flows.find((x) => x.flow === 'order-to-cash')!;
    expect(f).toMatchObject({
      started: 2,
      completed: 1,
      completedOnTime: 1,
      incomplete: 1,
      outOfOrder: 1,
      alerts: 2,
    });
    // 1 completed of 1 completed + 1 incomplete.
    expect(f.completionRate).toBe(1 / 2);
    const [s0, s1, s2] = f.steps;
    expect(s0).toMatchObject({ step: 'OrderReleased', arrived: 2, p50Ms: null, withinMs: 0 });
    // Step 1: latencies 3 h and 50 h; nearest rank p50 = ceil(0.5 × 2) = 1st (3 h's bucket),
    // p95 = ceil(0.95 × 2) = 2nd (50 h's bucket); us-dal's groups (us-central, cross-border) have
    // no override: 48 h.
    expect(s1).toMatchObject({ step: 'ShipmentConfirmed', arrived: 2, onTime: 1, withinMs: 48 * HOUR });
    expect(s1!.p50Ms).toBe(LATENCY_BUCKETS_MS[latencyBucket(3 * HOUR)]);
    expect(s1!.p95Ms).toBe(LATENCY_BUCKETS_MS[latencyBucket(50 * HOUR)]);
    expect(s1!.p50Ms!).toBeGreaterThanOrEqual(3 * HOUR);
    expect(s1!.p95Ms!).toBeGreaterThanOrEqual(50 * HOUR);
    expect(s2).toMatchObject({ arrived: 1, onTime: 1, withinMs: 24 * HOUR });
    expect(s2!.p50Ms).toBe(LATENCY_BUCKETS_MS[latencyBucket(20 * HOUR)]);
    // conformance: accepted share 5 / 8 × current-version share (1 − 2/5) × on time 1 / 2.
    expect(dal.conformance).toBeCloseTo((5 / 8) * (3 / 5) * (1 / 2), 12);
  });

  it('mx-gdl: its figures, the mexico deadline, no flow data', async () => {
    const gdl = card(await read(), 'mx-gdl');
    expect(gdl).toMatchObject({ accepted: 3, rejected: 1, duplicates: 0, deprecated: 0, deprecatedShare: 0 });
    expect(gdl.rejectedBy).toEqual([{ code: 'CD_E_RULE_VIOLATION', rule: 'mx-tax-id', count: 1 }]);
    expect(gdl.lastEventAt).toBe(H2 + 4_000);
    expect(gdl.flows[0]!.completionRate).toBeNull();
    expect(gdl.flows[0]!.steps[1]!.withinMs).toBe(72 * HOUR);
    // 3 / 4 accepted, nothing deprecated, no ended flow (factor 1).
    expect(gdl.conformance).toBe(3 / 4);
  });

  it('lists every configured site, marks a site no longer configured, worst first', async () => {
    const cards = await read();
    const atl = card(cards, 'us-atl');
    expect(atl).toMatchObject({
      accepted: 0,
      rejected: 0,
      lastEventAt: null,
      conformance: 1,
      mappingVariant: 'sdk',
    });
    expect(card(cards, 'zz-gone')).toMatchObject({ accepted: 1, configured: false, conformance: 1 });
    expect(cards.map((c) => c.siteId)).toEqual(
      expect.arrayContaining([...config.sites.map((s) => s.id), 'zz-gone']),
    );
    expect(cards).toHaveLength(config.sites.length + 1);
    expect(cards[0]!.siteId).toBe('us-dal');
    expect(cards[1]!.siteId).toBe('mx-gdl');
    for (let i = 1; i < cards.length; i++)
      expect(cards[i - 1]!.conformance).toBeLessThanOrEqual(cards[i]!.conformance);
  });

  it('a period of one hour reads only that hour', async () => {
    const [dal] = await readScorecards({
      redis,
      redisPrefix: prefix,
      config,
      since: H2,
      until: H2 + 10,
      site: 'us-dal',
    });
    // H2 alone: accepted SHIP1, REL1_DEP, REL2 = 3; rejected SCHEMA, RULE = 2; deprecated 1.
    expect(dal).toMatchObject({
      accepted: 3,
      rejected: 2,
      duplicates: 0,
      deprecated: 1,
      from: H2,
      to: H2 + HOUR,
    });
  });

  it('an unknown site is refused with a code', async () => {
    await expect(read('no-such-site')).rejects.toMatchObject({ code: 'CD_E_SCORECARD_SITE_NOT_FOUND' });
  });

  it('sets the TTL of the hours it writes and remembers the sites', async () => {
    const ttl = await redis.pttl(keys.siteHour('mx-gdl', H1));
    expect(ttl).toBeGreaterThan(SITE_HOUR_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(SITE_HOUR_TTL_MS);
    expect((await redis.smembers(keys.sites)).sort()).toEqual(['mx-gdl', 'us-dal', 'zz-gone']);
    expect(await redis.hget(keys.applied, `${t.ingress('us-dal')}/0`)).toBe(String(DAL.length - 1));
  });

  it('facts handed again (a restart, overlapping batches) change nothing', async () => {
    const before = await read();
    const recorder = createScorecardRecorder({ redis, redisPrefix: prefix });
    await recorder.onFacts([...DAL.slice(2), ...GDL]);
    await recorder.onFacts([...GONE, ...DAL.slice(0, 4)]);
    expect(await read()).toEqual(before);
    // A new fact after them counts.
    const next = { ...DAL[DAL.length - 1]!, offset: String(DAL.length), receivedAt: H2 + 400_000 };
    await recorder.onFacts([...DAL.slice(-2), next]);
    const dal = card(await read(), 'us-dal');
    expect(dal.accepted).toBe(6);
    expect(dal.lastEventAt).toBe(H2 + 400_000);
  });

  it('the metrics source reads the last 24 hours once per cache period', async () => {
    let now = NOW;
    const source = scorecardSource({
      redis,
      redisPrefix: prefix,
      config: () => config,
      clock: () => now,
      cacheMs: 5000,
    });
    const first = await source();
    expect(card(first, 'mx-gdl').accepted).toBe(3);
    expect(await source()).toBe(first);
    now += 5000;
    expect(await source()).not.toBe(first);
    // A component's client that does not exist yet (or any more): no scorecards, no error.
    const holder: { client?: Redis } = {};
    const lazy = scorecardSource({ redis: () => holder.client, redisPrefix: prefix, config: () => config });
    expect(await lazy()).toEqual([]);
    holder.client = redis;
    expect(card(await lazy(), 'mx-gdl').accepted).toBe(3);
  });
});
