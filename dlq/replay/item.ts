import type { Message, Producer } from 'kafkajs';
import type { Clock } from '../../core/clock';
import type { HubConfig } from '../../core/config';
import { deliveryKeys } from '../../core/names/redis-keys';
import { topics as hubTopics } from '../../core/names/topics';
import type { Redis } from '../../core/redis';
import { replayHeldHead } from '../../retry';
import type { DeadLetterPayload, DeadLetterRecord, DeadLetterStore, ReplayPrediction } from '../contract';
import type { Facts } from './facts';
import { holdsKeys, orderKeyOf } from './facts';
import { replayMessage } from './message';

/**
 * A batch of a replay job's items (consecutive, from the job's cursor): re-check each, then send,
 * then record. The prediction is taken again against the configuration and state of now
 * (dlq/replay/predict.ts, the letter must be `replaying`):
 * - refused (loop guard, state changed, subscriber gone): not sent; the letter is open again
 *   (`new`, or `claimed` when it has an owner) with a note; counted refused;
 * - skip (its effect already happened): not sent; the letter is `resolved` with a note; skipped;
 * - otherwise it is sent and the letter becomes `replayed` (StateChange `replay: jobId`); sent.
 *   A router dead letter goes to its original ingress topic (the router checks it again there);
 *   a delivery dead letter goes to `<prefix>.deliver.<subscriber>` of its one subscriber — or,
 *   when that subscriber holds the event's business key behind it (ordering `hold`), straight
 *   into the subscriber's retry state as the key's head, due now, releasing the key
 *   (retry/replay-head.ts), so it is delivered before the key's later events.
 * The batch's sends go out in their order, as one produce request where they can.
 *
 * `resend(i)`: item i was being sent when the job's last runner stopped without recording it (a
 * crash between the send and the cursor's advance). It is sent again without the skip check: the
 * subscriber's idempotency record, or the router's duplicate mark, makes its effect single.
 * Nothing is sent or recorded before `gate(n)` (the rate limit for n sends, then the job's lease
 * marking the batch in flight) says yes; when it says no (the job was paused or cancelled, the
 * lease lost), only the items before the first send are recorded and the rest is left for whoever
 * runs the job next.
 */

export interface ItemDeps {
  store: DeadLetterStore;
  redis: Redis;
  redisPrefix: string;
  /** An idempotent producer (acks all). */
  producer: Pick<Producer, 'sendBatch'>;
  clock: Clock;
}

export interface BatchContext {
  jobId: string;
  /** Who the job's state changes are made for (the job's creator). */
  by: string;
  config: HubConfig;
  facts: Facts;
  /** Whether item i of the batch may have been sent already (see above). */
  resend: (i: number) => boolean;
  /** Waits for the rate limit for `sends` sends and marks the batch in flight; false: stop. */
  gate: (sends: number) => Promise<boolean>;
  /** Instrumentation: awaited after the sends, before anything of them is recorded (tests crash here). */
  afterSend?: () => Promise<void>;
}

export type Counter = 'sent' | 'skipped' | 'refused';

export interface ItemResult {
  id: string;
  counter: Counter;
  prediction?: ReplayPrediction;
  /** Sent again after a crash in the send window. */
  resent?: boolean;
}

export interface BatchResult {
  /** The handled items, in order (fewer than asked when the gate said stop). */
  items: ItemResult[];
  stopped: boolean;
}

/** Open again: `claimed` when it has an owner, else `new`. */
export function reopenedState(record: Pick<DeadLetterRecord, 'owner'>): 'new' | 'claimed' {
  return record.owner ? 'claimed' : 'new';
}

type Decision =
  | { kind: 'record'; result: ItemResult; apply?: () => Promise<unknown> }
  | {
      kind: 'send';
      id: string;
      record: DeadLetterRecord;
      payload: DeadLetterPayload;
      prediction: ReplayPrediction;
      resent: boolean;
    };

async function decide(deps: ItemDeps, ctx: BatchContext, id: string, resend: boolean): Promise<Decision> {
  const { store } = deps;
  const at = () => deps.clock.now();
  const [record, payload] = await Promise.all([store.get(id), store.payload(id)]);
  if (!record) return { kind: 'record', result: { id, counter: 'refused' } };
  // Sent by this job already: a crash came between the state change and the cursor's advance.
  if (record.state === 'replayed' && record.replays.includes(ctx.jobId))
    return { kind: 'record', result: { id, counter: 'sent' } };
  const prediction: ReplayPrediction = payload
    ? await ctx.facts.predict(record, ['replaying'], { ignoreDone: resend, payload, jobId: ctx.jobId })
    : {
        id,
        outcome: 'refused',
        subscribers: [],
        code: 'CD_E_DLQ_NOT_FOUND',
        message: 'the index holds no bytes for this dead letter',
      };
  if (prediction.outcome === 'refused')
    return {
      kind: 'record',
      result: { id, counter: 'refused', prediction },
      // Open again, unless its state is not ours to change (someone discarded it meanwhile).
      ...(record.state === 'replaying'
        ? {
            apply: () =>
              store.applyState(id, {
                state: reopenedState(record),
                note: `replay ${ctx.jobId} refused it: ${prediction.code ?? ''} ${prediction.message ?? ''}`.trim(),
                by: ctx.by,
                at: at(),
              }),
          }
        : {}),
    };
  if (prediction.outcome === 'skip' && !resend)
    return {
      kind: 'record',
      result: { id, counter: 'skipped', prediction },
      apply: () =>
        store.applyState(id, {
          state: 'resolved',
          note: `replay ${ctx.jobId}: already delivered (${prediction.message ?? 'its effect already happened'})`,
          by: ctx.by,
          at: at(),
        }),
    };
  return { kind: 'send', id, record, payload: payload!, prediction, resent: resend };
}

export async function handleBatch(
  deps: ItemDeps,
  ctx: BatchContext,
  ids: readonly string[],
): Promise<BatchResult> {
  const decisions = await Promise.all(ids.map((id, i) => decide(deps, ctx, id, ctx.resend(i))));
  const sends = decisions.filter((d) => d.kind === 'send');
  if (sends.length > 0 && !(await ctx.gate(sends.length))) {
    // Stopped: record only what comes before the first send (the cursor moves over exactly that).
    const first = decisions.findIndex((d) => d.kind === 'send');
    const before = decisions.slice(0, first) as Array<Extract<Decision, { kind: 'record' }>>;
    await Promise.all(before.map((d) => d.apply?.()));
    return { items: before.map((d) => d.result), stopped: true };
  }
  await Promise.all(decisions.map((d) => (d.kind === 'record' ? d.apply?.() : undefined)));
  const outcomes = await sendInOrder(deps, ctx, sends as Array<Extract<Decision, { kind: 'send' }>>);
  if (sends.length > 0) await ctx.afterSend?.();
  const at = deps.clock.now();
  const results = new Map<string, ItemResult>();
  await Promise.all(
    (sends as Array<Extract<Decision, { kind: 'send' }>>).map(async (d, i) => {
      if (outcomes[i] === 'done') {
        // The held-key path found the effect already there (and released the key).
        await deps.store.applyState(d.id, {
          state: 'resolved',
          note: `replay ${ctx.jobId}: already delivered (its idempotency record is done)`,
          by: ctx.by,
          at,
        });
        results.set(d.id, { id: d.id, counter: 'skipped', prediction: d.prediction });
        return;
      }
      await deps.store.applyState(d.id, { state: 'replayed', replay: ctx.jobId, by: ctx.by, at });
      results.set(d.id, {
        id: d.id,
        counter: 'sent',
        prediction: d.prediction,
        ...(d.resent ? { resent: true } : {}),
      });
    }),
  );
  return {
    items: decisions.map((d) => (d.kind === 'record' ? d.result : results.get(d.id)!)),
    stopped: false,
  };
}

/**
 * Sends in batch order: consecutive Kafka messages go out as one request (acks all); a held key's
 * head goes through its script where it stands. 'done': the held-key path found the effect there.
 */
async function sendInOrder(
  deps: ItemDeps,
  ctx: BatchContext,
  sends: ReadonlyArray<Extract<Decision, { kind: 'send' }>>,
): Promise<Array<'sent' | 'done'>> {
  const topics = hubTopics(ctx.config);
  const out: Array<'sent' | 'done'> = [];
  let pending: Array<{ topic: string; message: Message }> = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const p of pending) {
      const list = byTopic.get(p.topic);
      if (list) list.push(p.message);
      else byTopic.set(p.topic, [p.message]);
    }
    pending = [];
    await deps.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  };
  for (const d of sends) {
    const { record, payload } = d;
    const message = replayMessage(payload, record, ctx.jobId);
    if (record.kind === 'router') {
      pending.push({ topic: record.original.topic, message });
      out.push('sent');
      continue;
    }
    const sub = ctx.config.subscriberById[record.subscriber!]!;
    const orderKey = orderKeyOf(payload);
    if (orderKey !== undefined && record.eventId && holdsKeys(sub)) {
      await flush();
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
      if (res === 'queued' || (res === 'done' && d.resent)) {
        out.push('sent');
        continue;
      }
      if (res === 'done') {
        out.push('done');
        continue;
      }
    }
    pending.push({ topic: topics.deliver(sub.id), message });
    out.push('sent');
  }
  await flush();
  return out;
}
