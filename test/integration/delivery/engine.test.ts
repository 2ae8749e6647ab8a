import type { Producer } from 'kafkajs';
import type { RedisClient as Redis } from '../../../core/redis';
import { Registry } from 'prom-client';
import { manualClock } from '../../../core/clock';
import { silentLogger } from '../../../core/logger';
import { CircuitBreaker } from '../../../retry/breaker';
import type { DeliveryResult } from '../../../retry/classify';
import { deliveryKeys } from '../../../retry/keys';
import { backoffCeiling } from '../../../retry/policy';
import { compileDeliverySettings } from '../../../retry/settings';
import { createDeliveryState, type RetryEntry } from '../../../retry/state';
import type { Sink } from '../../../connectors/sinks';
import { DeliveryEngine } from '../../../connectors/sinks/engine';
import { deliveryMetrics } from '../../../connectors/sinks/metrics';
import { Semaphore } from '../../../connectors/sinks/semaphore';
import { randomName } from '../../helpers/stack';
import { testRedis } from './helpers';

/**
 * The delivery engine with an injected clock and random source, real Redis state, a scripted
 * sink and a recording dead-letter producer: exact backoff bounds without sleeping.
 */
describe('delivery engine: backoff bounds with an injected clock', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(() => redis.disconnect());

  function setup(results: DeliveryResult[], random: () => number, delivery: Record<string, unknown>) {
    const sub = randomName('eng');
    const keys = deliveryKeys(`${sub}:`, sub);
    const clock = manualClock(1_800_000_000_000);
    const settings = compileDeliverySettings(delivery);
    const state = createDeliveryState({ redis, keys, clock, owner: 'test' });
    const calls: number[] = [];
    const sink: Sink = {
      kind: 'http',
      start: async () => undefined,
      close: async () => undefined,
      deliver: async (e) => {
        calls.push(e.attempt);
        return results.shift() ?? { kind: 'ok', status: 200 };
      },
    };
    const dead: Array<{ headers: Record<string, unknown> }> = [];
    const dlqProducer = {
      send: async (r: { messages: Array<{ headers: Record<string, unknown> }> }) =>
        void dead.push(...r.messages),
    } as unknown as Producer;
    const engine = new DeliveryEngine({
      subscriberId: sub,
      sink,
      state,
      settings,
      breaker: new CircuitBreaker(settings.breaker, clock),
      metrics: deliveryMetrics(new Registry(), sub),
      slots: new Semaphore(4),
      dlqProducer,
      dlqTopic: 'dlq',
      logger: silentLogger(),
      clock,
      random,
      running: () => true,
    });
    const entry: RetryEntry = {
      eventId: 'e1',
      topic: 't',
      partition: 0,
      offset: '7',
      key: null,
      value: Buffer.from([0, 0, 0, 0, 1]),
      headers: {},
      attempts: 0,
    };
    const due = async () => Number(await redis.zscore(keys.due, 'e1'));
    return { clock, state, engine, entry, calls, dead, due, settings };
  }

  const e503: DeliveryResult = {
    kind: 'transient',
    code: 'CD_E_DELIVERY_SERVER_ERROR',
    reason: 'HTTP 503',
    status: 503,
  };

  it('each retry is due within [now, now + ceiling(n)]; the last attempt dead-letters with the attempt count', async () => {
    const policy = {
      retry: { maxAttempts: 5, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 5000 },
      breaker: { failureThreshold: 100 },
    };
    // random = 0.999…: the delay sits at the top of its window, the bound that matters.
    const t = setup([e503, e503, e503, e503, e503], () => 0.9999, policy);
    expect(await t.engine.fromTopic(t.entry)).toBe('held');
    const delays: number[] = [];
    for (let n = 1; n <= 4; n++) {
      const now = t.clock.now();
      const dueAt = await t.due();
      delays.push(dueAt - now);
      expect(dueAt - now).toBeGreaterThanOrEqual(0);
      expect(dueAt - now).toBeLessThanOrEqual(backoffCeiling(t.settings.retry, n));
      expect(await t.state.claimDue(10, 60_000)).toEqual([]); // not due a millisecond early
      t.clock.set(dueAt);
      const [claimed] = await t.state.claimDue(10, 60_000);
      expect(claimed!.attempts).toBe(n);
      expect(await t.engine.fromSchedule(claimed!)).toBe(n < 4 ? 'held' : 'dead-lettered');
    }
    expect(delays).toEqual([999, 1999, 3999, 4999]);
    expect(t.calls).toEqual([1, 2, 3, 4, 5]);
    expect(t.dead).toHaveLength(1);
    expect(t.dead[0]!.headers).toMatchObject({
      'cd-error-code': 'CD_E_DELIVERY_RETRIES_EXHAUSTED',
      'cd-attempts': '5',
      'cd-last-status': '503',
      'cd-original-offset': '7',
    });
    expect(await t.state.counts()).toEqual({ scheduled: 0, held: 0 });
  });

  it('random = 0 retries at once; Retry-After is a floor over the jitter', async () => {
    const t = setup(
      [
        e503,
        {
          kind: 'transient',
          code: 'CD_E_DELIVERY_THROTTLED',
          reason: 'HTTP 429',
          status: 429,
          retryAfterMs: 30_000,
        },
      ],
      () => 0,
      {},
    );
    await t.engine.fromTopic(t.entry);
    expect((await t.due()) - t.clock.now()).toBe(0);
    const [claimed] = await t.state.claimDue(10, 60_000);
    expect(await t.engine.fromSchedule(claimed!)).toBe('held');
    expect((await t.due()) - t.clock.now()).toBe(30_000);
  });

  it('max age: gives up when the next attempt would start too late after the first failure', async () => {
    const t = setup([e503, e503], () => 0.5, {
      retry: { maxAttempts: 100, initialDelayMs: 10_000, maxAgeMs: 12_000 },
    });
    await t.engine.fromTopic(t.entry); // first failure at T, retry due at T + 5 s
    t.clock.advance(5_000);
    const [claimed] = await t.state.claimDue(10, 60_000);
    // Second failure at T + 5 s: the next delay (10 s) would start at T + 15 s > 12 s.
    expect(await t.engine.fromSchedule(claimed!)).toBe('dead-lettered');
    expect(t.dead[0]!.headers).toMatchObject({
      'cd-attempts': '2',
      'cd-error-code': 'CD_E_DELIVERY_RETRIES_EXHAUSTED',
    });
    expect(String(t.dead[0]!.headers['cd-error-message'])).toContain('max-age');
  });

  it('an event already delivered is skipped without calling the sink (idempotency record)', async () => {
    const t = setup([], () => 0.5, {});
    expect(await t.engine.fromTopic(t.entry)).toBe('delivered');
    expect(await t.engine.fromTopic({ ...t.entry, offset: '99' })).toBe('delivered');
    expect(t.calls).toEqual([1]);
  });
});
