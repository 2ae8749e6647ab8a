import type { RouterPreview } from '../../router';
import type { DeadLetterRecord, DeadLetterState, ReplayPrediction } from '../contract';

/**
 * The prediction rules of a replay, pure: each takes the facts read elsewhere (the record, the
 * configuration, a Redis value, the router's verdict) and says what replaying the dead letter
 * would do. The dry run (dlq/replay/service.ts) and the job runner's re-check before each send
 * (dlq/replay/runner.ts) apply the same rules, so what a dry run shows is what a job does, event
 * by event, as long as nothing changes in between.
 */

/** States a dry run or a new job may replay from. */
export const REPLAYABLE_STATES: readonly DeadLetterState[] = Object.freeze(['new', 'claimed']);

/** What the idempotency record of a delivery says (retry/lua/admit-many.lua: `done` or a lease owner). */
export function isDone(idempotency: string | null | undefined): boolean {
  return idempotency === 'done';
}

/** A prediction of `outcome` for `record`. */
function prediction(
  record: DeadLetterRecord,
  outcome: ReplayPrediction['outcome'],
  extra: Partial<ReplayPrediction> = {},
): ReplayPrediction {
  return {
    id: record.id,
    ...(record.eventId !== undefined ? { eventId: record.eventId } : {}),
    outcome,
    subscribers: [],
    ...extra,
  };
}

function refused(record: DeadLetterRecord, code: string, message: string): ReplayPrediction {
  return prediction(record, 'refused', { code, message });
}

/** The loop guard: an event replayed `maxReplays` times already is not replayed again. */
export function loopGuard(record: DeadLetterRecord, maxReplays: number): ReplayPrediction | undefined {
  if (record.replayCount < maxReplays) return undefined;
  return refused(
    record,
    'CD_E_DLQ_REPLAY_LOOP',
    `replayed ${record.replayCount} time(s) already (deadLetters.replay.maxReplays=${maxReplays})`,
  );
}

/** Whether the letter's state allows sending it (`states`: open ones for a dry run, `replaying` in a job). */
export function stateGuard(
  record: DeadLetterRecord,
  states: readonly DeadLetterState[],
): ReplayPrediction | undefined {
  if (states.includes(record.state)) return undefined;
  return refused(
    record,
    'CD_E_DLQ_STATE_INVALID',
    `the dead letter is ${record.state}; only ${states.join(' or ')} ones are replayed`,
  );
}

export interface DeliveryFacts {
  /** Whether the running configuration still has the record's subscriber. */
  subscriberConfigured: boolean;
  maxReplays: number;
  /** States the letter may be in (REPLAYABLE_STATES for a dry run). */
  states: readonly DeadLetterState[];
  /** The subscriber's idempotency record of the event (null when absent). */
  idempotency: string | null;
  /** The business key is held behind this dead letter (ordering `hold`): the replay goes first. */
  heldKey?: string;
}

/**
 * A delivery dead letter (kind `deliver`): back to its one subscriber, unless the subscriber is
 * gone, the loop guard or the state refuses it, or its idempotency record says the effect already
 * happened (`skip`).
 */
export function predictDelivery(record: DeadLetterRecord, f: DeliveryFacts): ReplayPrediction {
  const sub = record.subscriber ?? '';
  if (!f.subscriberConfigured)
    return refused(
      record,
      'CD_E_DLQ_SUBSCRIBER_GONE',
      `subscriber ${JSON.stringify(sub)} is not in the running configuration`,
    );
  const guard = loopGuard(record, f.maxReplays) ?? stateGuard(record, f.states);
  if (guard) return guard;
  if (!record.eventId)
    // The connector would dead-letter it again at once (connectors/sinks/engine.ts).
    return prediction(record, 'fail', {
      code: 'CD_E_DELIVERY_NO_EVENT_ID',
      message: 'no eventId: the record has no ce_id header and its value is not a canonical event',
    });
  if (isDone(f.idempotency))
    return prediction(record, 'skip', {
      message: `already delivered to ${sub} (its idempotency record is done)`,
    });
  return prediction(record, 'deliver', {
    subscribers: [sub],
    ...(f.heldKey !== undefined
      ? {
          message: `business key ${JSON.stringify(f.heldKey)} is held behind this dead letter: the replay goes first and lifts the hold`,
        }
      : {}),
  });
}

export interface RouterFacts {
  maxReplays: number;
  states: readonly DeadLetterState[];
  /** The site of the record's original (ingress) topic; undefined when it is not an ingress topic. */
  siteId: string | undefined;
}

/**
 * The guards of a router dead letter (kind `router`) before the router's own verdict: loop guard,
 * state, and an original topic the router reads (an ingress topic, the flow alerts topic). Undefined:
 * ask the router.
 */
export function routerGuard(record: DeadLetterRecord, f: RouterFacts): ReplayPrediction | undefined {
  const guard = loopGuard(record, f.maxReplays) ?? stateGuard(record, f.states);
  if (guard) return guard;
  if (f.siteId === undefined)
    return refused(
      record,
      'CD_E_DLQ_ORIGIN_UNKNOWN',
      `original topic ${JSON.stringify(record.original.topic)} is not a topic this hub's router reads`,
    );
  return undefined;
}

/** A router dead letter's prediction from the router's read-only verdict (router/replay-check.ts). */
export function predictRouter(record: DeadLetterRecord, verdict: RouterPreview): ReplayPrediction {
  if (!verdict.ok)
    return prediction(record, 'fail', {
      ...(verdict.rejection.eventId !== undefined && record.eventId === undefined
        ? { eventId: verdict.rejection.eventId }
        : {}),
      code: verdict.rejection.code,
      message: `${verdict.rejection.stage}: ${verdict.rejection.message}`,
    });
  const eventId = record.eventId ?? verdict.eventId;
  if (verdict.seen === 'duplicate')
    return prediction(record, 'skip', {
      eventId,
      message: `eventId ${verdict.eventId} was already routed with the same payload (the router drops the copy)`,
    });
  if (verdict.subscribers.length === 0) return prediction(record, 'unrouted', { eventId });
  return prediction(record, 'route', {
    eventId,
    subscribers: [...verdict.subscribers],
    routes: { ...verdict.routes },
  });
}
