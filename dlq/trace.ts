import type { HubConfig } from '../core/config';
import { CrossdockError, isCrossdockError } from '../core/errors';
import { routerKeys } from '../core/names/redis-keys';
import { topics } from '../core/names/topics';
import type { Redis } from '../core/redis';
import { deliveryKeys, inspectDeliveries, type DeliveryInspection } from '../retry';
import { parseSeenMark, type SeenMark } from '../router';
import type { DeadLetterRecord, DeadLetterStore, EventTrace, SubscriberTraceState, Tracer } from './contract';

/**
 * Where one event is (`crossdock events trace <eventId>`, `GET /api/v1/events/{eventId}/trace`).
 * Nothing is written; every source is what the hub keeps anyway:
 *
 * - accepted and routed: the router's duplicate mark of the eventId (router/dedupe.ts: origin,
 *   first-seen time, subscribers with their routes), kept `hub.router.duplicateWindowSeconds`;
 * - rejected, dead-lettered, replayed: the dead-letter index (DeadLetterStore.ofEvent);
 * - delivered, in retry, parked: each subscriber's delivery state in Redis
 *   (retry/inspect.ts: the idempotency record, the retry entry, the due schedule, the key queue).
 *
 * What is older than those records' lifetimes (the duplicate window, `delivery.idempotency.ttlMs`)
 * is no longer known: the trace then says less, never something false.
 */
export interface TracerOptions {
  redis: Redis;
  /** Prefix of every Redis key (core/names/redis-keys.ts `resolveRedisPrefix`). */
  redisPrefix: string;
  /** The configuration in force now (its subscribers and topic prefix; `config apply` changes it). */
  config: () => HubConfig;
  store: DeadLetterStore;
}

const MAX_EVENT_ID = 200;

/** Refuses an eventId that cannot name an event (CD_E_EVENT_ID_INVALID). */
export function checkEventId(eventId: string): string {
  // eslint-disable-next-line no-control-regex
  if (!eventId || eventId.length > MAX_EVENT_ID || /[\s\u0000-\u001f\u007f]/.test(eventId))
    throw new CrossdockError(
      'CD_E_EVENT_ID_INVALID',
      `eventId ${JSON.stringify(eventId.slice(0, MAX_EVENT_ID))} is not an event id: it must be 1 to ${MAX_EVENT_ID} characters without spaces or control characters`,
      { details: { eventId: eventId.slice(0, MAX_EVENT_ID) } },
    );
  return eventId;
}

/** What the tracer read about one event, before it is told as an EventTrace (buildTrace). */
export interface TraceFacts {
  eventId: string;
  /** The router's duplicate mark, parsed (absent: none, or not readable). */
  mark?: SeenMark;
  /** The site of an ingress topic of the current prefix. */
  siteOf: (topic: string) => string | undefined;
  /** The subscribers configured now, in configuration order. */
  configured: readonly string[];
  /** Every indexed dead letter of the eventId (router and delivery). */
  deadLetters: readonly DeadLetterRecord[];
  /** The delivery state of every subscriber looked at. */
  deliveries: readonly DeliveryInspection[];
}

type TracedDeadLetter = { id: string; code: string; at: number; state: DeadLetterRecord['state'] };

/** Oldest failure first; the same failure time in topic-partition-offset order. */
function byFailure(a: DeadLetterRecord, b: DeadLetterRecord): number {
  if (a.lastFailedAt !== b.lastFailedAt) return a.lastFailedAt - b.lastFailedAt;
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  const d = BigInt(a.offset) - BigInt(b.offset);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

function traced(r: DeadLetterRecord): TracedDeadLetter {
  return { id: r.id, code: r.code, at: r.lastFailedAt, state: r.state };
}

/**
 * The subscribers a trace looks at: those the mark routed to, every configured one, and those
 * with a delivery dead letter of the event (a subscriber removed from the configuration since).
 */
export function subscribersToInspect(
  mark: SeenMark | undefined,
  configured: readonly string[],
  deadLetters: readonly DeadLetterRecord[],
): string[] {
  const all = new Set<string>();
  for (const r of mark?.routed ?? []) all.add(r.subscriber);
  for (const s of configured) all.add(s);
  for (const d of deadLetters) if (d.kind === 'deliver' && d.subscriber) all.add(d.subscriber);
  return [...all];
}

/**
 * The trace told by the facts (pure). Per subscriber, the first that holds:
 * 1. `delivered`: its idempotency record is `done`;
 * 2. `in-retry`: its retry entry is in the due schedule (attempts, next attempt, last code);
 *    `parked`: the entry exists and is not due (behind an earlier event of its key, or held);
 * 3. its newest delivery dead letter of the event: `replayed` when that letter's state is
 *    `replayed` (nothing newer happened: no delivery, no retry, no newer failure), else
 *    `dead-lettered`;
 * 4. `pending`: the router sent it there and nothing else is known yet (the event waits in the
 *    subscriber's topic, or an instance is delivering it now: its lease is held);
 * 5. `unknown`: the router sent it there, but the subscriber is no longer configured and has no
 *    state of it.
 * A configured subscriber the router did not send it to is listed only when it has state of the
 * event (a delivery, a retry entry, a lease, a dead letter). Dead letters are listed on every
 * state where there are some (a delivered event may have been dead-lettered and replayed first).
 */
export function buildTrace(facts: TraceFacts): EventTrace {
  const { mark } = facts;
  const trace: EventTrace = { eventId: facts.eventId, subscribers: [] };
  if (mark) {
    const site = facts.siteOf(mark.origin.topic);
    trace.accepted = {
      ...(site !== undefined ? { site } : {}),
      topic: mark.origin.topic,
      partition: mark.origin.partition,
      offset: mark.origin.offset,
      ...(mark.firstSeenAt !== undefined ? { at: mark.firstSeenAt } : {}),
    };
    if (mark.routed)
      trace.routed = mark.routed.map((r) => ({
        subscriber: r.subscriber,
        ...(r.route ? { route: r.route } : {}),
      }));
  }
  const sorted = [...facts.deadLetters].sort(byFailure);
  const rejected = sorted.filter((d) => d.kind === 'router');
  if (rejected.length) trace.rejected = rejected.map(traced);

  const routedTo = new Set((mark?.routed ?? []).map((r) => r.subscriber));
  const configured = new Set(facts.configured);
  const deliveries = new Map(facts.deliveries.map((d) => [d.subscriberId, d]));
  for (const sub of subscribersToInspect(mark, facts.configured, facts.deadLetters)) {
    const d = deliveries.get(sub);
    const letters = sorted.filter((l) => l.kind === 'deliver' && l.subscriber === sub);
    const newest = letters[letters.length - 1];
    const entry = d?.entry;
    let state: SubscriberTraceState;
    if (d?.idempotency === 'done') state = 'delivered';
    else if (entry) state = entry.dueAt !== undefined ? 'in-retry' : 'parked';
    else if (newest) state = newest.state === 'replayed' ? 'replayed' : 'dead-lettered';
    else if (routedTo.has(sub))
      state = configured.has(sub) || d?.idempotency === 'leased' ? 'pending' : 'unknown';
    else if (d?.idempotency === 'leased') state = 'pending';
    else continue;
    const item: EventTrace['subscribers'][number] = { subscriber: sub, state };
    if (entry) {
      item.attempts = entry.attempts;
      if (state === 'in-retry') item.nextAttemptAt = entry.dueAt;
      if (entry.lastCode !== undefined) item.lastCode = entry.lastCode;
      if (state === 'parked') {
        if (entry.orderKey !== undefined) item.orderKey = entry.orderKey;
        if (entry.held) item.held = true;
        if (entry.waitingBehind !== undefined) item.waitingBehind = entry.waitingBehind;
      }
    }
    if (letters.length) item.deadLetters = letters.map(traced);
    trace.subscribers.push(item);
  }
  return trace;
}

/** The Tracer over Redis and the dead-letter index (dlq/contract.ts). */
export function createTracer(options: TracerOptions): Tracer {
  const { redis, redisPrefix, store } = options;
  const marks = routerKeys(redisPrefix);
  const unavailable = (what: string, err: unknown) =>
    isCrossdockError(err)
      ? err
      : new CrossdockError(
          'CD_E_TRACE_UNAVAILABLE',
          `${what}: ${err instanceof Error ? err.message : String(err)}`,
          { retriable: true, cause: err },
        );
  return {
    async trace(eventId) {
      checkEventId(eventId);
      const config = options.config();
      const [markText, deadLetters] = await Promise.all([
        redis.get(marks.seen(eventId)).catch((err: unknown) => {
          throw unavailable(`reading the router's mark of ${eventId}`, err);
        }),
        store
          .ofEvent(eventId)
          .then((ids) => Promise.all(ids.map((id) => store.get(id))))
          .then((records) => records.filter((r): r is DeadLetterRecord => r !== undefined)),
      ]);
      const mark = markText === null ? undefined : parseSeenMark(markText);
      const configured = config.subscribers.map((s) => s.id);
      const inspect = subscribersToInspect(mark, configured, deadLetters);
      const deliveries = await inspectDeliveries(
        redis,
        inspect.map((s) => deliveryKeys(redisPrefix, s)),
        eventId,
      ).catch((err: unknown) => {
        throw unavailable(`reading the delivery state of ${eventId}`, err);
      });
      const t = topics(config);
      return buildTrace({
        eventId,
        ...(mark ? { mark } : {}),
        siteOf: (topic) => t.siteOfRouted(topic),
        configured,
        deadLetters,
        deliveries,
      });
    },
  };
}
