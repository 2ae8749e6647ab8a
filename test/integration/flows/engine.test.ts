import type { Admin, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { manualClock } from '../../../core/clock';
import type { SiteConfig } from '../../../core/config';
import { createKafka } from '../../../core/kafka';
import { silentLogger } from '../../../core/logger';
import { flowKeys } from '../../../core/names/redis-keys';
import { topicsForPrefix } from '../../../core/names/topics';
import { createRedis, type Redis } from '../../../core/redis';
import { createSchemaResolver } from '../../../core/registry';
import { readTopicsToEnd } from '../../../dlq/topic-reader';
import {
  FLOW_KEYLESS_METRIC,
  FLOW_EXPIRED_METRIC,
  FLOW_METRIC_NAMES,
  flowLog,
  flowMetrics,
  hourStart,
  latencyBucket,
  SCORE_FIELDS,
  type FlowAlert,
  type FlowDefinition,
  type IngressFact,
} from '../../../flows';
import {
  createFlowEngine,
  DEFAULT_GRACE_MS,
  flowAlertEncoder,
  flowAlertId,
  STEPS_PER_CALL,
  type AlertEncoder,
  type FlowEngine,
} from '../../../flows/engine';
import { decodeEvent, loadCatalog } from '../../../schemas';
import { scanMatching } from '../../../core/redis-scan';
import { createTopics, randomName, testEndpoints } from '../../helpers/stack';

/**
 * The flow engine (issue #17, "flow instances, deadlines and alerts") against the stack's Redis,
 * Kafka and registry, each test with its own Redis prefix and topic prefix, the clock injected:
 * the outcomes of each step, the alerts on `<prefix>.flow.alerts` (exact ids, kinds, steps), the
 * counters and the scorecard hour-hash fields, two scanners on one Redis, and a tracker that dies
 * between claiming an alert and publishing it, or between publishing it and forgetting the claim.
 */

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 10, 2, 8); // a whole hour
const FLOW = 'order-to-cash';

const ORDER_TO_CASH: FlowDefinition = {
  name: FLOW,
  expireAfterMs: 14 * D,
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
      withinMs: 48 * H,
      withinBySiteGroup: { mexico: 72 * H },
      where: [],
    },
    {
      index: 2,
      eventType: 'InvoiceGenerated',
      key: { kind: 'correlationId' },
      withinMs: 24 * H,
      withinBySiteGroup: {},
      where: [{ field: 'totalAmount', range: { gte: 0 } }],
    },
  ],
};
const STEP_TYPES = ORDER_TO_CASH.steps.map((s) => s.eventType);

const SITES: Record<string, SiteConfig> = {
  'us-dal': { id: 'us-dal', name: 'Dallas', country: 'US', groups: ['us'], connector: { kind: 'sdk' } },
  'mx-mty': {
    id: 'mx-mty',
    name: 'Monterrey',
    country: 'MX',
    groups: ['mexico'],
    connector: { kind: 'sdk' },
  },
};

let seq = 0;
function uuid(): string {
  seq++;
  return `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`;
}

/** An accepted fact of step `step` of instance `key`, its event at `at` (received 1 s later). */
function fact(step: number, key: string, at: number, extra: Partial<IngressFact> = {}): IngressFact {
  return {
    topic: 'cd.ingress.us-dal',
    partition: 0,
    offset: String(seq),
    siteId: 'us-dal',
    eventId: uuid(),
    eventType: STEP_TYPES[step]!,
    deprecated: false,
    occurredAt: at,
    receivedAt: at + 1000,
    outcome: 'accepted',
    event: { metadata: { correlationId: key }, totalAmount: '120.50' },
    correlationId: key,
    ...extra,
  };
}

interface Rig {
  engine: FlowEngine;
  metrics: Registry;
}

describe('flows/engine: instances, deadlines and alerts', () => {
  let redis: Redis;
  let kafka: Kafka;
  let admin: Admin;
  const engines: FlowEngine[] = [];
  const encode: AlertEncoder = flowAlertEncoder(loadCatalog(), testEndpoints().registry);

  beforeAll(async () => {
    redis = createRedis({ connection: testEndpoints().redis, name: 'flows-engine-test' });
    kafka = createKafka({ brokers: testEndpoints().kafkaBrokers, clientId: randomName('flows-engine') });
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop();
  });

  afterAll(async () => {
    await admin.disconnect();
    redis.disconnect();
  });

  /** A fresh prefix: its alerts topic, and an engine factory on it. */
  async function setup() {
    const prefix = randomName('fl');
    const topic = topicsForPrefix(prefix).flowAlerts;
    await createTopics(admin, [topic]);
    const clock = manualClock(T0);
    const make = (options: { encode?: AlertEncoder } = {}): Rig => {
      const metrics = new Registry();
      const engine = createFlowEngine({
        redis,
        redisPrefix: `${prefix}:`,
        flows: () => [ORDER_TO_CASH],
        sites: () => SITES,
        clock,
        metrics: flowMetrics(metrics),
        log: flowLog(silentLogger()),
        alerts: {
          kafka,
          topic,
          encode: options.encode ?? encode,
          checkGroupPrefix: `${prefix}.flow-alerts-check-`,
        },
      });
      engines.push(engine);
      return { engine, metrics };
    };
    const keys = flowKeys(`${prefix}:`);
    /** The alerts on the topic, decoded, in order. */
    const onTopic = async (): Promise<Array<Record<string, unknown>>> => {
      const resolver = createSchemaResolver(testEndpoints().registry);
      const raw: Buffer[] = [];
      await readTopicsToEnd({ kafka, topics: [topic], onMessage: (_t, _p, m) => void raw.push(m.value!) });
      const out: Array<Record<string, unknown>> = [];
      for (const b of raw) out.push((await decodeEvent(resolver, b)).event);
      return out;
    };
    const hour = (site: string, at: number) => redis.hgetall(keys.siteHour(site, hourStart(at)));
    return { prefix, topic, clock, make, keys, onTopic, hour };
  }

  async function counter(r: Registry, name: string, labels: Record<string, string>): Promise<number> {
    const m = (await r.getMetricsAsJSON()).find((x) => x.name === name);
    const v = (m?.values ?? []).find((x) =>
      Object.entries(labels).every(([k, want]) => String((x.labels as Record<string, unknown>)[k]) === want),
    );
    return v ? Number(v.value) : 0;
  }

  const summaryOf = (alert: Record<string, unknown>) => ({
    id: (alert.metadata as { eventId: string }).eventId,
    alertId: alert.alertId,
    kind: alert.kind,
    step: alert.step,
    stepIndex: alert.stepIndex,
    observed: alert.observed,
  });

  it('a flow that completes in time: every step on time, completed on time, no alert', async () => {
    const { make, clock, onTopic, hour, keys } = await setup();
    const { engine, metrics } = make();
    const key = randomName('ord');
    await engine.onFacts([fact(0, key, T0)]);
    expect(await engine.summary()).toEqual([{ flow: FLOW, open: 1, overdue: 0 }]);
    await engine.onFacts([fact(1, key, T0 + 10 * H)]);
    await engine.onFacts([fact(2, key, T0 + 20 * H)]);
    clock.set(T0 + 20 * D);
    expect(await engine.scanOnce()).toEqual([]);

    const inst = await engine.getInstance(FLOW, key);
    expect(inst).toMatchObject({
      flow: FLOW,
      key,
      siteId: 'us-dal',
      startedAt: T0,
      complete: true,
      alerts: [],
    });
    expect(inst.steps.map((s) => [s.at, s.dueAt, s.late])).toEqual([
      [T0, undefined, false],
      [T0 + 10 * H, T0 + 48 * H, false],
      [T0 + 20 * H, T0 + 34 * H, false],
    ]);
    expect(await engine.summary()).toEqual([{ flow: FLOW, open: 0, overdue: 0 }]);
    expect(await redis.zcard(keys.deadlines)).toBe(0);

    for (const [i, site] of [0, 1, 2].map((i) => [i, 'us-dal'] as const))
      expect(
        await counter(metrics, FLOW_METRIC_NAMES.steps, {
          flow: FLOW,
          step: STEP_TYPES[i]!,
          site,
          outcome: 'on_time',
        }),
      ).toBe(1);
    expect(await counter(metrics, FLOW_METRIC_NAMES.started, { flow: FLOW, site: 'us-dal' })).toBe(1);
    expect(
      await counter(metrics, FLOW_METRIC_NAMES.completed, { flow: FLOW, site: 'us-dal', on_time: 'true' }),
    ).toBe(1);

    const f = SCORE_FIELDS;
    expect(await hour('us-dal', T0 + 1000)).toEqual({
      [f.flowStarted(FLOW)]: '1',
      [f.stepArrived(FLOW, 0)]: '1',
      [f.stepOnTime(FLOW, 0)]: '1',
    });
    expect(await hour('us-dal', T0 + 10 * H + 1000)).toEqual({
      [f.stepArrived(FLOW, 1)]: '1',
      [f.stepOnTime(FLOW, 1)]: '1',
      [f.stepLatency(FLOW, 1, latencyBucket(10 * H))]: '1',
    });
    expect(await hour('us-dal', T0 + 20 * H + 1000)).toEqual({
      [f.stepArrived(FLOW, 2)]: '1',
      [f.stepOnTime(FLOW, 2)]: '1',
      [f.stepLatency(FLOW, 2, latencyBucket(10 * H))]: '1',
      [f.flowCompleted(FLOW)]: '1',
      [f.flowCompletedOnTime(FLOW)]: '1',
    });
    expect(await redis.smembers(keys.sites)).toEqual(['us-dal']);
    expect(await onTopic()).toEqual([]);
  });

  it('late at each step: STEP_LATE (missing) once per step, the step then counted late, no second alert', async () => {
    const { make, clock, onTopic, hour } = await setup();
    const { engine, metrics } = make();
    const key = randomName('ord');
    await engine.onFacts([fact(0, key, T0)]);

    clock.set(T0 + 48 * H - 1);
    expect(await engine.scanOnce()).toEqual([]);
    clock.set(T0 + 48 * H);
    const first = await engine.scanOnce();
    expect(first.map((a) => [a.kind, a.stepIndex, a.dueAt, a.observed])).toEqual([
      ['STEP_LATE', 1, T0 + 48 * H, 'missing'],
    ]);
    expect(await engine.summary()).toEqual([{ flow: FLOW, open: 1, overdue: 1 }]);
    expect(await engine.listOverdue(10)).toEqual([
      {
        flow: FLOW,
        key,
        siteId: 'us-dal',
        step: 'ShipmentConfirmed',
        stepIndex: 1,
        dueAt: T0 + 48 * H,
        alertId: flowAlertId('STEP_LATE', FLOW, key, 1),
      },
    ]);
    expect(await engine.scanOnce()).toEqual([]);

    clock.set(T0 + 50 * H);
    await engine.onFacts([fact(1, key, T0 + 50 * H)]);
    expect(await engine.summary()).toEqual([{ flow: FLOW, open: 1, overdue: 0 }]);
    expect(await engine.scanOnce()).toEqual([]);

    clock.set(T0 + 74 * H);
    const second = await engine.scanOnce();
    expect(second.map((a) => [a.kind, a.stepIndex, a.dueAt])).toEqual([['STEP_LATE', 2, T0 + 74 * H]]);
    clock.set(T0 + 80 * H);
    await engine.onFacts([fact(2, key, T0 + 80 * H)]);
    clock.set(T0 + 30 * D);
    expect(await engine.scanOnce()).toEqual([]);

    const alerts = (await onTopic()).map(summaryOf);
    const id1 = flowAlertId('STEP_LATE', FLOW, key, 1);
    const id2 = flowAlertId('STEP_LATE', FLOW, key, 2);
    expect(alerts).toEqual([
      {
        id: id1,
        alertId: id1,
        kind: 'STEP_LATE',
        step: 'ShipmentConfirmed',
        stepIndex: 1,
        observed: 'MISSING',
      },
      {
        id: id2,
        alertId: id2,
        kind: 'STEP_LATE',
        step: 'InvoiceGenerated',
        stepIndex: 2,
        observed: 'MISSING',
      },
    ]);
    const inst = await engine.getInstance(FLOW, key);
    expect(inst.complete).toBe(true);
    expect(inst.alerts).toEqual([id1, id2]);
    expect(inst.steps.map((s) => s.late)).toEqual([false, true, true]);

    expect(
      await counter(metrics, FLOW_METRIC_NAMES.steps, { step: 'ShipmentConfirmed', outcome: 'late' }),
    ).toBe(1);
    expect(
      await counter(metrics, FLOW_METRIC_NAMES.steps, { step: 'InvoiceGenerated', outcome: 'late' }),
    ).toBe(1);
    expect(
      await counter(metrics, FLOW_METRIC_NAMES.alerts, { step: 'ShipmentConfirmed', kind: 'STEP_LATE' }),
    ).toBe(1);
    expect(
      await counter(metrics, FLOW_METRIC_NAMES.alerts, { step: 'InvoiceGenerated', kind: 'STEP_LATE' }),
    ).toBe(1);
    expect(await counter(metrics, FLOW_METRIC_NAMES.completed, { on_time: 'false' })).toBe(1);
    expect(await counter(metrics, FLOW_METRIC_NAMES.completed, { on_time: 'true' })).toBe(0);

    const f = SCORE_FIELDS;
    expect(await hour('us-dal', T0 + 48 * H)).toEqual({ [f.flowAlerts(FLOW)]: '1' });
    expect(await hour('us-dal', T0 + 50 * H + 1000)).toEqual({
      [f.stepArrived(FLOW, 1)]: '1',
      [f.stepLatency(FLOW, 1, latencyBucket(50 * H))]: '1',
    });
    expect(await hour('us-dal', T0 + 74 * H)).toEqual({ [f.flowAlerts(FLOW)]: '1' });
    expect(await hour('us-dal', T0 + 80 * H + 1000)).toEqual({
      [f.stepArrived(FLOW, 2)]: '1',
      [f.stepLatency(FLOW, 2, latencyBucket(30 * H))]: '1',
      [f.flowCompleted(FLOW)]: '1',
    });
  });

  it('a step that arrives late before any scan raises STEP_LATE (arrived_late) once; a site group has its own deadline', async () => {
    const { make, clock, onTopic } = await setup();
    const { engine, metrics } = make();
    const dal = randomName('ord');
    const mty = randomName('ord');
    await engine.onFacts([fact(0, dal, T0), fact(0, mty, T0, { siteId: 'mx-mty' })]);
    clock.set(T0 + 60 * H);
    // 60 h: late for us-dal (48 h), on time for mx-mty (mexico: 72 h).
    await engine.onFacts([fact(1, dal, T0 + 60 * H), fact(1, mty, T0 + 60 * H, { siteId: 'mx-mty' })]);
    await engine.onFacts([fact(1, dal, T0 + 60 * H)]); // a duplicate (another event), no second alert
    expect(await engine.scanOnce()).toEqual([]);

    const id = flowAlertId('STEP_LATE', FLOW, dal, 1);
    const alerts = await onTopic();
    expect(alerts.map(summaryOf)).toEqual([
      {
        id,
        alertId: id,
        kind: 'STEP_LATE',
        step: 'ShipmentConfirmed',
        stepIndex: 1,
        observed: 'ARRIVED_LATE',
      },
    ]);
    const a = alerts[0]!;
    expect(a).toMatchObject({ flow: FLOW, instanceKey: dal, siteId: 'us-dal' });
    expect((a.dueAt as Date).getTime()).toBe(T0 + 48 * H);
    expect((a.raisedAt as Date).getTime()).toBe(T0 + 60 * H);
    expect((a.metadata as Record<string, unknown>).siteId).toBe('crossdock');
    expect((a.metadata as Record<string, unknown>).correlationId).toBe(dal);
    expect((a.stepEventIds as string[]).length).toBe(3);
    expect((a.stepEventIds as string[])[2]).toBe('');

    expect(
      await counter(metrics, FLOW_METRIC_NAMES.steps, {
        site: 'us-dal',
        step: 'ShipmentConfirmed',
        outcome: 'late',
      }),
    ).toBe(1);
    expect(
      await counter(metrics, FLOW_METRIC_NAMES.steps, {
        site: 'mx-mty',
        step: 'ShipmentConfirmed',
        outcome: 'on_time',
      }),
    ).toBe(1);
    expect(await counter(metrics, FLOW_METRIC_NAMES.steps, { site: 'us-dal', outcome: 'duplicate' })).toBe(1);
    expect(await counter(metrics, FLOW_METRIC_NAMES.alerts, { kind: 'STEP_LATE' })).toBe(1);
    expect((await engine.getInstance(FLOW, mty)).steps[1]!.dueAt).toBe(T0 + 72 * H);
  });

  it('a missing step: STEP_LATE, then FLOW_INCOMPLETE at the expiry (counted incomplete, open and overdue back to 0)', async () => {
    const { make, clock, onTopic, hour, keys } = await setup();
    const { engine, metrics } = make();
    const key = randomName('ord');
    await engine.onFacts([fact(0, key, T0)]);
    await engine.onFacts([fact(1, key, T0 + 5 * H)]);
    clock.set(T0 + 29 * H);
    expect((await engine.scanOnce()).map((a) => [a.kind, a.stepIndex])).toEqual([['STEP_LATE', 2]]);
    expect(await engine.summary()).toEqual([{ flow: FLOW, open: 1, overdue: 1 }]);
    clock.set(T0 + 14 * D - 1);
    expect(await engine.scanOnce()).toEqual([]);
    clock.set(T0 + 14 * D);
    const inc = await engine.scanOnce();
    expect(inc.map((a) => [a.kind, a.step, a.stepIndex, a.dueAt])).toEqual([
      ['FLOW_INCOMPLETE', 'InvoiceGenerated', 2, T0 + 14 * D],
    ]);
    expect(await engine.summary()).toEqual([{ flow: FLOW, open: 0, overdue: 0 }]);
    expect(await engine.listOverdue(10)).toEqual([]);
    expect(await redis.zcard(keys.deadlines)).toBe(0);
    clock.set(T0 + 20 * D);
    expect(await engine.scanOnce()).toEqual([]);

    const late = flowAlertId('STEP_LATE', FLOW, key, 2);
    const incomplete = flowAlertId('FLOW_INCOMPLETE', FLOW, key, 2);
    expect((await onTopic()).map((a) => [a.alertId, a.kind, a.stepIndex])).toEqual([
      [late, 'STEP_LATE', 2],
      [incomplete, 'FLOW_INCOMPLETE', 2],
    ]);
    expect((await engine.getInstance(FLOW, key)).alerts).toEqual([late, incomplete]);
    expect(await counter(metrics, FLOW_METRIC_NAMES.incomplete, { flow: FLOW, site: 'us-dal' })).toBe(1);
    expect(
      await counter(metrics, FLOW_METRIC_NAMES.alerts, { kind: 'FLOW_INCOMPLETE', step: 'InvoiceGenerated' }),
    ).toBe(1);
    expect(await hour('us-dal', T0 + 14 * D)).toEqual({
      [SCORE_FIELDS.flowAlerts(FLOW)]: '1',
      [SCORE_FIELDS.flowIncomplete(FLOW)]: '1',
    });
  });

  it('out of order: an instance started by step 1, then step 0 and step 2; counted out of order once', async () => {
    const { make, clock, hour } = await setup();
    const { engine, metrics } = make();
    const key = randomName('ord');
    await engine.onFacts([fact(1, key, T0 + 2 * H)]);
    await engine.onFacts([fact(0, key, T0)]);
    clock.set(T0 + 3 * H);
    expect(await engine.scanOnce()).toEqual([]);
    await engine.onFacts([fact(2, key, T0 + 4 * H)]);
    const inst = await engine.getInstance(FLOW, key);
    expect(inst).toMatchObject({ complete: true, startedAt: T0 + 2 * H, alerts: [] });
    expect(
      await counter(metrics, FLOW_METRIC_NAMES.steps, { step: 'ShipmentConfirmed', outcome: 'out_of_order' }),
    ).toBe(1);
    expect(
      await counter(metrics, FLOW_METRIC_NAMES.steps, { step: 'OrderReleased', outcome: 'on_time' }),
    ).toBe(1);
    expect(
      await counter(metrics, FLOW_METRIC_NAMES.steps, { step: 'InvoiceGenerated', outcome: 'on_time' }),
    ).toBe(1);
    expect(await counter(metrics, FLOW_METRIC_NAMES.completed, { on_time: 'true' })).toBe(1);
    expect(await hour('us-dal', T0 + 2 * H + 1000)).toEqual({
      [SCORE_FIELDS.flowStarted(FLOW)]: '1',
      [SCORE_FIELDS.flowOutOfOrder(FLOW)]: '1',
      [SCORE_FIELDS.stepArrived(FLOW, 1)]: '1',
      [SCORE_FIELDS.stepOnTime(FLOW, 1)]: '1',
    });
  });

  it("steps sent by another site than the instance's, in one batch: judged and counted with the instance's site, in order, within a script call and across calls", async () => {
    const { make, clock, hour } = await setup();
    const { engine, metrics } = make();
    const near = randomName('ord'); // its later steps in one script call
    const far = randomName('ord'); // its step 2 more than STEPS_PER_CALL steps after its step 1
    const mty = { siteId: 'mx-mty' };
    await engine.onFacts([fact(0, near, T0, mty), fact(0, far, T0, mty)]);
    clock.set(T0 + 70 * H);
    // Step 1 comes from us-dal 60 h later: late by us-dal's 48 h, on time by the instance's site
    // (mx-mty, group mexico: 72 h). Step 2 comes from mx-mty and must be applied after step 1.
    const padding = Array.from({ length: STEPS_PER_CALL }, () => fact(0, randomName('pad'), T0 + 60 * H));
    await engine.onFacts([
      fact(1, near, T0 + 60 * H),
      fact(2, near, T0 + 61 * H, mty),
      fact(1, far, T0 + 60 * H),
      ...padding,
      fact(2, far, T0 + 61 * H, mty),
    ]);
    for (const key of [near, far]) {
      const inst = await engine.getInstance(FLOW, key);
      expect(inst).toMatchObject({ siteId: 'mx-mty', complete: true, alerts: [] });
      expect(inst.steps.map((s) => s.late)).toEqual([false, false, false]);
    }
    for (const step of STEP_TYPES)
      expect(
        await counter(metrics, FLOW_METRIC_NAMES.steps, { site: 'mx-mty', step, outcome: 'on_time' }),
      ).toBe(2);
    expect(await counter(metrics, FLOW_METRIC_NAMES.steps, { outcome: 'out_of_order' })).toBe(0);
    expect(await counter(metrics, FLOW_METRIC_NAMES.steps, { outcome: 'late' })).toBe(0);
    expect(await counter(metrics, FLOW_METRIC_NAMES.completed, { site: 'mx-mty', on_time: 'true' })).toBe(2);
    expect(await hour('mx-mty', T0 + 60 * H + 1000)).toEqual({
      [SCORE_FIELDS.stepArrived(FLOW, 1)]: '2',
      [SCORE_FIELDS.stepOnTime(FLOW, 1)]: '2',
      [SCORE_FIELDS.stepLatency(FLOW, 1, latencyBucket(60 * H))]: '2',
    });
    // Nothing of the instances in us-dal's hour: only the padding's own instances.
    expect(await hour('us-dal', T0 + 60 * H + 1000)).toEqual({
      [SCORE_FIELDS.flowStarted(FLOW)]: String(STEPS_PER_CALL),
      [SCORE_FIELDS.stepArrived(FLOW, 0)]: String(STEPS_PER_CALL),
      [SCORE_FIELDS.stepOnTime(FLOW, 0)]: String(STEPS_PER_CALL),
    });
  });

  it('a duplicate step (another event) is counted once as duplicate; the same fact again changes nothing', async () => {
    const { make, keys, prefix } = await setup();
    const { engine, metrics } = make();
    const key = randomName('ord');
    const f0 = fact(0, key, T0);
    await engine.onFacts([f0]);
    await engine.onFacts([fact(0, key, T0 + 60_000)]);
    const snapshot = async () => {
      const out: Record<string, unknown> = {};
      const found: string[] = [];
      // SCAN of each primary on a cluster (KEYS would ask one node only).
      await scanMatching(redis, `${prefix}:*`, async (k) => void found.push(...k));
      for (const k of found.sort()) {
        const type = await redis.type(k);
        out[k] =
          type === 'hash'
            ? await redis.hgetall(k)
            : type === 'zset'
              ? await redis.zrange(k, 0, -1, 'WITHSCORES')
              : type === 'set'
                ? await redis.smembers(k)
                : await redis.get(k);
      }
      return out;
    };
    const before = await snapshot();
    const metricsBefore = await metrics.metrics();
    await engine.onFacts([f0]);
    await engine.onFacts([f0, f0]);
    expect(await snapshot()).toEqual(before);
    expect(await metrics.metrics()).toEqual(metricsBefore);
    expect(await counter(metrics, FLOW_METRIC_NAMES.steps, { outcome: 'duplicate' })).toBe(1);
    expect(await counter(metrics, FLOW_METRIC_NAMES.started, {})).toBe(1);
    expect(await redis.hget(keys.siteHour('us-dal', hourStart(T0)), SCORE_FIELDS.flowDuplicates(FLOW))).toBe(
      '1',
    );
    expect((await engine.getInstance(FLOW, key)).steps[0]!.eventId).toBe(f0.eventId);
  });

  it('conditions and keys: an invoice with a negative total is no step; an event without a key value is counted, not tracked', async () => {
    const { make } = await setup();
    const { engine, metrics } = make();
    const key = randomName('ord');
    await engine.onFacts([fact(0, key, T0), fact(1, key, T0 + H)]);
    await engine.onFacts([
      fact(2, key, T0 + 2 * H, { event: { metadata: { correlationId: key }, totalAmount: '-5.00' } }),
    ]);
    expect((await engine.getInstance(FLOW, key)).complete).toBe(false);
    await engine.onFacts([
      fact(0, '', T0, { correlationId: '', event: { metadata: { correlationId: '' } } }),
    ]);
    expect(await counter(metrics, FLOW_KEYLESS_METRIC, { flow: FLOW, step: 'OrderReleased' })).toBe(1);
    expect(await engine.summary()).toEqual([{ flow: FLOW, open: 1, overdue: 0 }]);
  });

  it("an event older than its flow's expiry when it comes is counted expired, not tracked: no instance, no alert", async () => {
    const { make, onTopic, keys } = await setup();
    const { engine, metrics } = make();
    const old = randomName('ord');
    const fresh = randomName('ord');
    // Released 14 days (expireAfter) before the tracker's clock: an instance of it is over already.
    await engine.onFacts([fact(0, old, T0 - 14 * D), fact(0, fresh, T0 - 14 * D + 1)]);
    expect(await counter(metrics, FLOW_EXPIRED_METRIC, { flow: FLOW, step: 'OrderReleased' })).toBe(1);
    expect(await redis.exists(keys.instance(FLOW, old))).toBe(0);
    expect((await engine.getInstance(FLOW, fresh)).steps[0]!.eventId).toBeDefined();
    // The fresh one (expiring 1 ms after the clock) is long overdue for its shipment: one
    // STEP_LATE, for it alone.
    await engine.scanOnce();
    const alerts = await onTopic();
    expect(alerts.map((a) => [a.instanceKey, a.kind])).toEqual([[fresh, 'STEP_LATE']]);
  });

  it('two engines scanning the same Redis raise each alert once', async () => {
    const { make, clock, onTopic } = await setup();
    const a = make();
    const b = make();
    const keys = Array.from({ length: 40 }, () => randomName('ord'));
    await a.engine.onFacts(keys.map((k) => fact(0, k, T0)));
    clock.set(T0 + 49 * H);
    const [fromA, fromB] = await Promise.all([a.engine.scanOnce(), b.engine.scanOnce()]);
    const ids = [...fromA, ...fromB].map((x) => x.alertId).sort();
    const want = keys.map((k) => flowAlertId('STEP_LATE', FLOW, k, 1)).sort();
    expect(ids).toEqual(want);
    expect((await onTopic()).map((x) => x.alertId).sort()).toEqual(want);
    const count = async (r: Registry) => counter(r, FLOW_METRIC_NAMES.alerts, { kind: 'STEP_LATE' });
    expect((await count(a.metrics)) + (await count(b.metrics))).toBe(40);
  });

  it('killed after claiming, before publishing: the restart (past the grace) publishes the alert once', async () => {
    const { make, clock, onTopic, keys } = await setup();
    const failing: AlertEncoder = () => Promise.reject(new Error('killed before publishing'));
    const dead = make({ encode: failing });
    const key = randomName('ord');
    await dead.engine.onFacts([fact(0, key, T0)]);
    clock.set(T0 + 49 * H);
    const claimed = await dead.engine.scanOnce();
    expect(claimed.map((x) => x.alertId)).toEqual([flowAlertId('STEP_LATE', FLOW, key, 1)]);
    expect(await redis.hkeys(keys.pendingAlerts)).toEqual([claimed[0]!.alertId]);
    expect(await onTopic()).toEqual([]);

    // Within the grace a claim may be another tracker's publish in flight: left alone.
    clock.advance(DEFAULT_GRACE_MS - 1);
    const early = make();
    await early.engine.start();
    await early.engine.stop();
    expect(await redis.hkeys(keys.pendingAlerts)).toEqual([claimed[0]!.alertId]);
    expect(await onTopic()).toEqual([]);
    clock.advance(1);
    const restarted = make();
    await restarted.engine.start();
    await restarted.engine.stop();
    expect(await redis.hlen(keys.pendingAlerts)).toBe(0);
    const again = make();
    await again.engine.start();
    await again.engine.stop();
    expect((await onTopic()).map((x) => x.alertId)).toEqual([claimed[0]!.alertId]);
    // Counted at the claim, once: the restart counts nothing.
    expect(await counter(restarted.metrics, FLOW_METRIC_NAMES.alerts, {})).toBe(0);
    expect(await counter(dead.metrics, FLOW_METRIC_NAMES.alerts, { kind: 'STEP_LATE' })).toBe(1);
  });

  it('killed after publishing, before forgetting the claim: the restart publishes nothing new', async () => {
    const { make, clock, onTopic, keys } = await setup();
    const { engine } = make();
    const key = randomName('ord');
    await engine.onFacts([fact(0, key, T0)]);
    clock.set(T0 + 49 * H);
    const claimed: FlowAlert[] = await engine.scanOnce();
    expect(claimed).toHaveLength(1);
    // The crash: the claim is still pending although the alert is on the topic.
    await redis.hset(keys.pendingAlerts, claimed[0]!.alertId, JSON.stringify(claimed[0]));
    clock.advance(DEFAULT_GRACE_MS);
    const restarted = make();
    await restarted.engine.start();
    await restarted.engine.stop();
    expect(await redis.hlen(keys.pendingAlerts)).toBe(0);
    expect((await onTopic()).map((x) => x.alertId)).toEqual([claimed[0]!.alertId]);
  });
});
