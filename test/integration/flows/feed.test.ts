import '../../helpers/integration-timeout';
import crypto from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { HubConfig } from '../../../core/config';
import { createHealthServer } from '../../../core/health';
import { silentLogger } from '../../../core/logger';
import { topics } from '../../../core/names/topics';
import { replayMessage } from '../../../dlq/replay/message';
import type { FactSink, IngressFact } from '../../../flows';
import { createFlowTracker, type FlowTrackerComponent } from '../../../flows/component';
import { rebuildFlowState } from '../../../flows';
import { flowKeys } from '../../../core/names/redis-keys';
import { createRedis, type Redis } from '../../../core/redis';
import { isCrossdockError } from '../../../core/errors';
import { createScorecardRecorder } from '../../../flows/scorecard/recorder';
import { eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { wireEvent, type WireEvent } from '../router/events';
import {
  Collector,
  allTopics,
  createConfigTopics,
  produce,
  startRouter,
  testConfig,
  type RunningRouter,
} from '../router/harness';

/**
 * The flow tracker's feed (flows/feed) against real Kafka, the registry, Redis and the real
 * router: one fact per ingress record, once the router decided it, the way it decided it.
 */
jest.setTimeout(240_000);

class Facts implements FactSink {
  readonly all: IngressFact[] = [];
  async onFacts(facts: readonly IngressFact[]): Promise<void> {
    this.all.push(...facts);
  }
  /** What the test compares: no record timestamps or decoded events. */
  summary(): Array<Record<string, unknown>> {
    return this.all.map((f) => ({
      offset: f.offset,
      siteId: f.siteId,
      eventId: f.eventId,
      outcome: f.outcome,
      eventType: f.eventType,
      schemaVersion: f.schemaVersion,
      deprecated: f.deprecated,
      ...(f.rejection ? { rejection: f.rejection } : {}),
    }));
  }
}

const registryUrl = testEndpoints().registryUrl;
const rules = {
  OrderReleased: [{ name: 'known-currency', schema: { properties: { currency: { enum: ['USD', 'CAD'] } } } }],
};
const config: HubConfig = testConfig({
  subscribers: ['erp'],
  routes: [{ name: 'orders', match: { eventTypes: ['Order*'] }, to: ['erp'] }],
  rules,
  partitions: 1,
});
const t = allTopics(config);
const ingress = t.ingress('us-chi');
const redisPrefix = `${randomName('fl')}:`;
const idOf = (w: WireEvent) => w.event.metadata.eventId as string;

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let router: RunningRouter | undefined;
let tracker: FlowTrackerComponent | undefined;
let sink: Facts;
let dlq: Collector;
let redis: Redis;

/** The tracker with the scorecard recorder (the default sinks' first) and the test's sink. */
function startTracker(facts: FactSink): Promise<FlowTrackerComponent> {
  const health = createHealthServer(undefined, { defaultMetrics: false });
  const c = createFlowTracker({
    config,
    endpoints: testEndpoints(),
    logger: silentLogger(),
    health,
    redisPrefix,
    sinks: [createScorecardRecorder({ redis, redisPrefix }), facts],
    sessionTimeoutMs: 6000,
  });
  return c.start().then(() => c);
}

beforeAll(async () => {
  redis = createRedis({ connection: testEndpoints().redis, name: 'flows-feed-test' });
  kafka = testKafka();
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
  await createConfigTopics(kafka, config);
  dlq = new Collector(kafka, [t.dlq]);
  await dlq.start();
});

afterAll(async () => {
  await tracker?.stop();
  await router?.stop();
  await dlq?.stop();
  await producer?.disconnect();
  await admin?.disconnect();
  redis?.disconnect();
});

// The records of the stream, in the order they are published to us-chi (one partition).
let v2: WireEvent;
let v1: WireEvent;
let badCurrency: WireEvent;
let otherSite: WireEvent;

describe('the feed', () => {
  it('decides nothing the router has not: records published while the router is stopped wait', async () => {
    sink = new Facts();
    tracker = await startTracker(sink);
    v2 = await wireEvent(registryUrl, { eventType: 'OrderReleased', version: 2 });
    v1 = await wireEvent(registryUrl, { eventType: 'OrderReleased', version: 1 });
    badCurrency = await wireEvent(registryUrl, {
      eventType: 'OrderReleased',
      version: 2,
      patch: (e) => (e.currency = 'EUR'),
    });
    otherSite = await wireEvent(registryUrl, { eventType: 'OrderReleased', version: 2, siteId: 'us-dal' });
    await produce(producer, ingress, [
      v2, // 0 accepted
      v1, // 1 accepted, a deprecated version
      badCurrency, // 2 rejected by the data rule
      otherSite, // 3 rejected: CD_E_SITE_MISMATCH
      { key: v2.key, value: v2.value, headers: v2.headers }, // 4 the same event again: duplicate
      { key: 'junk', value: Buffer.from('not avro at all') }, // 5 rejected: CD_E_BAD_FRAMING
    ]);
    const tr = tracker;
    await eventually(() => tr.undecided() === 6, 'the tracker to fetch the six records');
    // Two whole reads of the router's offsets since: the router has decided none of them.
    const seen = tr.refreshes();
    await eventually(() => tr.refreshes() >= seen + 2, 'two refreshes of the router horizon');
    expect(sink.all).toEqual([]);
    expect(tr.undecided()).toBe(6);
  });

  it('once the router runs, hands exactly one fact per record, decided as the router did, in order', async () => {
    router = await startRouter(config, { redisPrefix });
    await eventually(() => sink.all.length >= 6, 'six facts');
    expect(sink.summary()).toEqual([
      {
        offset: '0',
        siteId: 'us-chi',
        eventId: idOf(v2),
        outcome: 'accepted',
        eventType: 'OrderReleased',
        schemaVersion: 2,
        deprecated: false,
      },
      {
        offset: '1',
        siteId: 'us-chi',
        eventId: idOf(v1),
        outcome: 'accepted',
        eventType: 'OrderReleased',
        schemaVersion: 1,
        deprecated: true,
      },
      {
        offset: '2',
        siteId: 'us-chi',
        eventId: idOf(badCurrency),
        outcome: 'rejected',
        eventType: 'OrderReleased',
        schemaVersion: 2,
        deprecated: false,
        rejection: { code: 'CD_E_RULE_VIOLATION', rule: 'known-currency' },
      },
      {
        offset: '3',
        siteId: 'us-chi',
        eventId: idOf(otherSite),
        outcome: 'rejected',
        eventType: 'OrderReleased',
        schemaVersion: 2,
        deprecated: false,
        rejection: { code: 'CD_E_SITE_MISMATCH' },
      },
      {
        offset: '4',
        siteId: 'us-chi',
        eventId: idOf(v2),
        outcome: 'duplicate',
        eventType: 'OrderReleased',
        schemaVersion: 2,
        deprecated: false,
      },
      {
        offset: '5',
        siteId: 'us-chi',
        eventId: '',
        outcome: 'rejected',
        eventType: 'unknown',
        schemaVersion: undefined,
        deprecated: false,
        rejection: { code: 'CD_E_BAD_FRAMING' },
      },
    ]);
    // An accepted fact carries the decoded event as JSON (decimals as strings) and its correlation id.
    const first = sink.all[0]!;
    expect(first.correlationId).toBe(v2.event.metadata.correlationId);
    expect(first.event).toMatchObject({ orderId: v2.event.orderId, metadata: { eventId: idOf(v2) } });
    expect(first.occurredAt).toBe((v2.event.metadata.occurredAt as Date).getTime());
    expect(first.receivedAt).toBeGreaterThan(0);
    // The router wrote the rule's name on its dead letter.
    await eventually(() => dlq.get(t.dlq).length === 3, 'three dead letters');
    const letter = dlq.get(t.dlq).find((l) => l.headers['cd-original-offset'] === '2')!;
    expect(letter.headers['cd-error-rule']).toBe('known-currency');
  });

  it('a replayed router dead letter is a new fact of its own (here accepted: the rule is gone)', async () => {
    await router!.stop();
    router = await startRouter({ ...config, rules: {} }, { redisPrefix });
    const letter = dlq.get(t.dlq).find((l) => l.headers['cd-original-offset'] === '2')!;
    const again = replayMessage(
      {
        key: letter.key === null ? null : Buffer.from(letter.key),
        value: letter.value!,
        headers: letter.headers,
      } as never,
      { id: `${letter.topic}:${letter.partition}:${letter.offset}`, replayCount: 0 },
      'job-1',
    );
    await produce(producer, ingress, [again]);
    await eventually(() => sink.all.length >= 7, 'the seventh fact');
    expect(sink.summary()[6]).toEqual({
      offset: '6',
      siteId: 'us-chi',
      eventId: idOf(badCurrency),
      outcome: 'accepted',
      eventType: 'OrderReleased',
      schemaVersion: 2,
      deprecated: false,
    });
    expect(sink.all[6]!.event).toMatchObject({ currency: 'EUR' });
  });

  it('a restarted feed hands facts again only from its committed offset on', async () => {
    await tracker!.stop();
    tracker = undefined;
    const group = topics(config).flowTrackerGroup;
    const committed = await admin.fetchOffsets({ groupId: group, topics: [ingress] });
    expect(committed[0]!.partitions[0]!.offset).toBe('7');
    const next = await wireEvent(registryUrl, { eventType: 'OrderHoldPlaced', eventId: crypto.randomUUID() });
    await produce(producer, ingress, [next]);
    const after = new Facts();
    tracker = await startTracker(after);
    await eventually(() => after.all.length >= 1, 'the fact of the new record');
    const tr = tracker;
    await eventually(() => tr.lag() === 0 && tr.undecided() === 0, 'the tracker to be caught up');
    expect(after.summary()).toEqual([
      {
        offset: '7',
        siteId: 'us-chi',
        eventId: idOf(next),
        outcome: 'accepted',
        eventType: 'OrderHoldPlaced',
        schemaVersion: 1,
        deprecated: false,
      },
    ]);
  });

  it('flows rebuild is refused while the tracker runs; once it is stopped, the next tracker hands every record again', async () => {
    const keys = flowKeys(redisPrefix);
    expect(await redis.sismember(keys.sites, 'us-chi')).toBe(1);
    const names = topics(config);
    const running = await rebuildFlowState({ admin, redis, redisPrefix, topics: names }).catch(
      (e: unknown) => e,
    );
    expect(isCrossdockError(running) && running.code).toBe('CD_E_FLOWS_TRACKER_RUNNING');
    expect(await redis.sismember(keys.sites, 'us-chi')).toBe(1);

    await tracker!.stop();
    tracker = undefined;
    const res = await rebuildFlowState({ admin, redis, redisPrefix, topics: names });
    expect(res.groupDeleted).toBe(true);
    expect(res.keysDeleted).toBeGreaterThan(0);
    expect(await redis.exists(keys.sites, keys.applied)).toBe(0);

    const again = new Facts();
    tracker = await startTracker(again);
    await eventually(() => again.all.length >= 8, 'every record handed again');
    expect(again.all.map((f) => [f.offset, f.outcome])).toEqual([
      ['0', 'accepted'],
      ['1', 'accepted'],
      ['2', 'rejected'],
      ['3', 'rejected'],
      ['4', 'duplicate'],
      ['5', 'rejected'],
      ['6', 'accepted'],
      ['7', 'accepted'],
    ]);
    expect(await redis.sismember(keys.sites, 'us-chi')).toBe(1);
  });
});
