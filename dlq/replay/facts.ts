import type { Clock } from '../../core/clock';
import type { HubConfig, SubscriberConfig } from '../../core/config';
import { deliveryKeys } from '../../core/names/redis-keys';
import { topics as hubTopics } from '../../core/names/topics';
import type { Redis } from '../../core/redis';
import type { SchemaResolver } from '../../core/registry';
import { compileDeliverySettings } from '../../retry';
import { createRouterPreviewer, type RouterPreviewer } from '../../router';
import type { CatalogEntry } from '../../schemas';
import type {
  DeadLetterPayload,
  DeadLetterRecord,
  DeadLetterState,
  DeadLetterStore,
  ReplayPrediction,
} from '../contract';
import { replayHeaders } from './message';
import { predictDelivery, predictRouter, routerGuard } from './predict';

/**
 * Reading the facts a prediction needs (dlq/replay/predict.ts has the rules), read-only: the
 * running configuration, the subscriber's idempotency record and held keys (GET, SISMEMBER), the
 * dead letter's bytes, and for a router dead letter the router's own checks (router/replay-check.ts,
 * which only GETs the duplicate mark). Nothing is written anywhere.
 */

export interface FactsDeps {
  redis: Redis;
  /** Prefix of the hub's Redis keys (the sinks' and the router's). */
  redisPrefix: string;
  store: DeadLetterStore;
  resolver: SchemaResolver;
  /** The catalog in force (a follower's current(): schemas/follow.ts). */
  catalog: () => readonly CatalogEntry[];
  clock: Clock;
}

/** Whether a subscriber orders by key and holds a key behind a dead letter (docs/retry.md). */
export function holdsKeys(sub: SubscriberConfig): boolean {
  const s = compileDeliverySettings(sub.delivery);
  return s.ordering.mode === 'key' && s.ordering.onDeadLetter === 'hold';
}

/** The business key of a delivery dead letter (its Kafka key), when it has a non-empty one. */
export function orderKeyOf(payload: DeadLetterPayload | undefined): string | undefined {
  return payload?.key && payload.key.length > 0 ? payload.key.toString('utf8') : undefined;
}

export interface Facts {
  /** The prediction for one letter, letters allowed in `states`; `ignoreDone`: do not skip on a done record. */
  predict(
    record: DeadLetterRecord,
    states: readonly DeadLetterState[],
    options?: { ignoreDone?: boolean; payload?: DeadLetterPayload; jobId?: string },
  ): Promise<ReplayPrediction>;
}

/** Facts against one configuration (make a new one when the configuration changes). */
export function createFacts(deps: FactsDeps, config: HubConfig): Facts {
  const topics = hubTopics(config);
  const max = config.deadLetters.replay.maxReplays;
  let previewer: RouterPreviewer | undefined;
  const router = () =>
    (previewer ??= createRouterPreviewer({
      config,
      resolver: deps.resolver,
      catalog: deps.catalog,
      redis: deps.redis,
      redisPrefix: deps.redisPrefix,
      clock: deps.clock,
    }));

  async function delivery(
    record: DeadLetterRecord,
    states: readonly DeadLetterState[],
    ignoreDone: boolean,
    given: DeadLetterPayload | undefined,
  ): Promise<ReplayPrediction> {
    const sub = record.subscriber !== undefined ? config.subscriberById[record.subscriber] : undefined;
    const keys = sub ? deliveryKeys(deps.redisPrefix, sub.id) : undefined;
    const idem =
      keys && record.eventId && !ignoreDone ? await deps.redis.get(keys.idempotency(record.eventId)) : null;
    let heldKey: string | undefined;
    if (sub && keys && holdsKeys(sub)) {
      const key = orderKeyOf(given ?? (await deps.store.payload(record.id)));
      if (key !== undefined && (await deps.redis.sismember(keys.held, key)) === 1) heldKey = key;
    }
    return predictDelivery(record, {
      subscriberConfigured: sub !== undefined,
      maxReplays: max,
      states,
      idempotency: idem,
      ...(heldKey !== undefined ? { heldKey } : {}),
    });
  }

  async function routed(
    record: DeadLetterRecord,
    states: readonly DeadLetterState[],
    given: DeadLetterPayload | undefined,
    jobId: string,
  ): Promise<ReplayPrediction> {
    const siteId = topics.siteOfRouted(record.original.topic);
    const guard = routerGuard(record, { maxReplays: max, states, siteId });
    if (guard) return guard;
    const payload = given ?? (await deps.store.payload(record.id));
    if (!payload)
      return {
        id: record.id,
        ...(record.eventId !== undefined ? { eventId: record.eventId } : {}),
        outcome: 'refused',
        subscribers: [],
        code: 'CD_E_DLQ_NOT_FOUND',
        message: 'the index holds no bytes for this dead letter (reindex it)',
      };
    // The record exactly as the router will read it: the same bytes and the replay's headers.
    const verdict = await router().preview(
      {
        topic: record.original.topic,
        partition: record.original.partition,
        offset: record.original.offset,
        key: payload.key,
        value: payload.value,
        headers: replayHeaders(payload.headers, record, jobId),
      },
      siteId!,
    );
    return predictRouter(record, verdict);
  }

  return {
    predict(record, states, options = {}) {
      return record.kind === 'deliver'
        ? delivery(record, states, options.ignoreDone === true, options.payload)
        : routed(record, states, options.payload, options.jobId ?? 'dry-run');
    },
  };
}
