import type { Producer } from 'kafkajs';
import type { Clock } from '../../core/clock';
import type { HubConfig } from '../../core/config';
import { deliveryKeys } from '../../core/names/redis-keys';
import { topics as hubTopics } from '../../core/names/topics';
import type { Redis } from '../../core/redis';
import { replayHeldHead } from '../../retry';
import type { DeadLetterPayload, DeadLetterRecord, DeadLetterStore, ReplayPrediction } from '../contract';
import type { Facts } from './facts';
import { holdsKeys, orderKeyOf } from './facts';
import type { Counter } from './jobs';
import { replayMessage } from './message';

/**
 * One item of a replay job: re-check, then send, then record. The prediction is taken again
 * against the configuration and state of now (dlq/replay/predict.ts, the letter must be
 * `replaying`):
 * - refused (loop guard, state changed, subscriber gone): not sent; the letter is open again
 *   (`new`, or `claimed` when it has an owner) with a note; counted refused;
 * - skip (its effect already happened): not sent; the letter is `resolved` with a note; skipped;
 * - otherwise it is sent and the letter becomes `replayed` (StateChange `replay: jobId`); sent.
 *   A router dead letter goes to its original ingress topic (the router checks it again there);
 *   a delivery dead letter goes to `<prefix>.deliver.<subscriber>` of its one subscriber — or,
 *   when that subscriber holds the event's business key behind it (ordering `hold`), straight
 *   into the subscriber's retry state as the key's head, due now, releasing the key
 *   (retry/replay-head.ts), so it is delivered before the key's later events.
 *
 * `resend`: this item was being sent when the job's last runner stopped without recording it (a
 * crash between the send and the cursor's advance). It is sent again without the skip check: the
 * subscriber's idempotency record, or the router's duplicate mark, makes its effect single.
 * Sending waits for `gate()` (the rate limit, then the job's lease marking the item in flight);
 * when the gate says no (the job was paused or cancelled, the lease lost) nothing is sent and the
 * item is left for whoever runs the job next.
 */

export interface ItemDeps {
  store: DeadLetterStore;
  redis: Redis;
  redisPrefix: string;
  /** An idempotent producer (acks all). */
  producer: Pick<Producer, 'send'>;
  clock: Clock;
}

export type ItemOutcome =
  | { counter: Counter; prediction?: ReplayPrediction; resent?: boolean }
  /** The gate said no: nothing was sent or recorded. */
  | { counter: 'stopped' };

export interface ItemContext {
  jobId: string;
  /** Who the job's state changes are made for (the job's creator). */
  by: string;
  config: HubConfig;
  facts: Facts;
  resend: boolean;
  gate: () => Promise<boolean>;
  /** Instrumentation: awaited after the send, before anything is recorded (tests crash here). */
  afterSend?: () => Promise<void>;
}

/** Open again: `claimed` when it has an owner, else `new`. */
export function reopenedState(record: Pick<DeadLetterRecord, 'owner'>): 'new' | 'claimed' {
  return record.owner ? 'claimed' : 'new';
}

export async function handleItem(deps: ItemDeps, ctx: ItemContext, id: string): Promise<ItemOutcome> {
  const { store, clock } = deps;
  const record = await store.get(id);
  if (!record) return { counter: 'refused' };
  // Sent by this job already: a crash came between the state change and the cursor's advance.
  if (record.state === 'replayed' && record.replays.includes(ctx.jobId)) return { counter: 'sent' };
  const payload = await store.payload(id);
  const prediction: ReplayPrediction = payload
    ? await ctx.facts.predict(record, ['replaying'], { ignoreDone: ctx.resend, payload, jobId: ctx.jobId })
    : {
        id,
        outcome: 'refused',
        subscribers: [],
        code: 'CD_E_DLQ_NOT_FOUND',
        message: 'the index holds no bytes for this dead letter',
      };
  const at = () => clock.now();
  if (prediction.outcome === 'refused') {
    // Open again, unless its state is not ours to change (someone discarded it meanwhile).
    if (record.state === 'replaying')
      await store.applyState(id, {
        state: reopenedState(record),
        note: `replay ${ctx.jobId} refused it: ${prediction.code ?? ''} ${prediction.message ?? ''}`.trim(),
        by: ctx.by,
        at: at(),
      });
    return { counter: 'refused', prediction };
  }
  if (prediction.outcome === 'skip' && !ctx.resend) {
    await store.applyState(id, {
      state: 'resolved',
      note: `replay ${ctx.jobId}: already delivered (${prediction.message ?? 'its effect already happened'})`,
      by: ctx.by,
      at: at(),
    });
    return { counter: 'skipped', prediction };
  }
  if (!(await ctx.gate())) return { counter: 'stopped' };
  const sent = await send(deps, ctx, record, payload!);
  await ctx.afterSend?.();
  if (sent === 'done') {
    // The held-key path found the effect already there (and released the key).
    await store.applyState(id, {
      state: 'resolved',
      note: `replay ${ctx.jobId}: already delivered (its idempotency record is done)`,
      by: ctx.by,
      at: at(),
    });
    return { counter: 'skipped', prediction };
  }
  await store.applyState(id, { state: 'replayed', replay: ctx.jobId, by: ctx.by, at: at() });
  return { counter: 'sent', prediction, ...(ctx.resend ? { resent: true } : {}) };
}

/** Sends one replay; 'done' when the held-key path found its effect already there. */
async function send(
  deps: ItemDeps,
  ctx: ItemContext,
  record: DeadLetterRecord,
  payload: DeadLetterPayload,
): Promise<'sent' | 'done'> {
  const message = replayMessage(payload, record, ctx.jobId);
  const topics = hubTopics(ctx.config);
  if (record.kind === 'router') {
    await deps.producer.send({ topic: record.original.topic, acks: -1, messages: [message] });
    return 'sent';
  }
  const sub = ctx.config.subscriberById[record.subscriber!]!;
  const orderKey = orderKeyOf(payload);
  if (orderKey !== undefined && record.eventId && holdsKeys(sub)) {
    const res = await replayHeldHead(
      deps.redis,
      deliveryKeys(deps.redisPrefix, sub.id),
      {
        eventId: record.eventId,
        topic: record.original.topic,
        partition: record.original.partition,
        offset: record.original.offset,
        key: payload.key,
        value: payload.value,
        headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, Buffer.from(v)])),
        attempts: 0,
        orderKey,
      },
      deps.clock.now(),
    );
    if (res === 'queued') return 'sent';
    if (res === 'done' && !ctx.resend) return 'done';
    if (res === 'done') return 'sent';
  }
  await deps.producer.send({ topic: topics.deliver(sub.id), acks: -1, messages: [message] });
  return 'sent';
}
