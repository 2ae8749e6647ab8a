import { CrossdockError } from '../core/errors';
import { assertKeysShareSlot } from '../core/lua';
import { isCluster, type Redis } from '../core/redis';
import type { Clock } from '../core/clock';
import type { DeliveryKeys } from './keys';
import { scriptRunner, type ScriptRunner } from './scripts';
import { DEFAULT_DELIVERY } from './settings';

/**
 * One event held in Redis (waiting for a retry, or parked behind an earlier event of its key).
 * It carries the original bytes and position so that the offset can be committed as soon as the
 * entry is written, and so that the dead letter, if it comes to that, is the original event.
 */
export interface RetryEntry {
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer;
  /** Original Kafka headers (ce_*, traceparent...). */
  headers: Record<string, Buffer>;
  /** Attempts made so far (0 for an event parked before its first attempt). */
  attempts: number;
  firstFailedAt?: number;
  lastFailedAt?: number;
  lastCode?: string;
  lastReason?: string;
  lastStatus?: number;
  /** Business key when the subscriber orders by key. */
  orderKey?: string;
}

/** A retry entry as the field, value pairs of its hash (the scripts write them as they are). */
export function entryFields(e: RetryEntry): string[] {
  const f: string[] = [
    'eventId',
    e.eventId,
    'topic',
    e.topic,
    'partition',
    String(e.partition),
    'offset',
    e.offset,
    'value',
    e.value.toString('base64'),
    'headers',
    JSON.stringify(Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, v.toString('base64')]))),
    'attempts',
    String(e.attempts),
  ];
  if (e.key) f.push('key', e.key.toString('base64'));
  if (e.firstFailedAt !== undefined) f.push('firstFailedAt', String(e.firstFailedAt));
  if (e.lastFailedAt !== undefined) f.push('lastFailedAt', String(e.lastFailedAt));
  if (e.lastCode !== undefined) f.push('lastCode', e.lastCode);
  if (e.lastReason !== undefined) f.push('lastReason', e.lastReason);
  if (e.lastStatus !== undefined) f.push('lastStatus', String(e.lastStatus));
  if (e.orderKey !== undefined) f.push('orderKey', e.orderKey);
  return f;
}

function fromFields(h: Record<string, string>): RetryEntry | undefined {
  if (!h.eventId || h.value === undefined) return undefined;
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  const headers = Object.fromEntries(
    Object.entries(JSON.parse(h.headers ?? '{}') as Record<string, string>).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64'),
    ]),
  );
  return {
    eventId: h.eventId,
    topic: h.topic ?? '',
    partition: Number(h.partition ?? 0),
    offset: h.offset ?? '0',
    key: h.key !== undefined ? Buffer.from(h.key, 'base64') : null,
    value: Buffer.from(h.value, 'base64'),
    headers,
    attempts: Number(h.attempts ?? 0),
    firstFailedAt: num(h.firstFailedAt),
    lastFailedAt: num(h.lastFailedAt),
    lastCode: h.lastCode,
    lastReason: h.lastReason,
    lastStatus: num(h.lastStatus),
    orderKey: h.orderKey,
  };
}

export type AdmitResult =
  | { kind: 'admitted' }
  | { kind: 'already-done' }
  | { kind: 'leased'; retryInMs: number }
  | { kind: 'rate-limited'; retryInMs: number }
  | { kind: 'at-capacity' };

export interface AdmitLimits {
  /** Tokens per second; 0 = no rate limit. */
  ratePerSecond: number;
  burst: number;
  /** Concurrency cap shared by all instances; 0 = none. */
  sharedConcurrency: number;
}

export interface DeliveryStateOptions {
  redis: Redis;
  keys: DeliveryKeys;
  clock: Clock;
  /** Lease owner name of this instance (unique per process). */
  owner: string;
  /** How long an idempotency lease or a shared slot outlives a crashed owner. @defaultValue 30000 */
  leaseMs?: number;
  /** How long a 'done' record is kept. @defaultValue 7 days */
  doneTtlMs?: number;
  /**
   * How long finish() calls wait for company before going to Redis as one script call (they are
   * off the delivery's critical path). A crash inside this window repeats the request of an event
   * whose 2xx was not yet recorded (the Idempotency-Key covers it). @defaultValue 2
   */
  finishDelayMs?: number;
  /**
   * Bounds on new retry entries (delivery.capacity): a park or a first schedule that would pass
   * one throws CD_E_DELIVERY_STATE_FULL (retriable) and writes nothing.
   * @defaultValue the delivery schema's defaults
   */
  capacity?: { maxHeldEvents: number; maxParkedPerKey: number };
  /** Told each time a bound refuses an entry (a metric). */
  onFull?: (bound: CapacityBound) => void;
  /**
   * Makes finish() wait until `replicas` replicas hold the records it wrote (Redis WAIT, sent in
   * the same pipeline as the finish script, so to the node that holds the subscriber's slot, on
   * its connection), at most `timeoutMs`. Replication is asynchronous: without it a 'done' record
   * the primary acknowledged and a failover lost lets the event be delivered again. With it a
   * record finish() resolved for (WAIT answered `replicas`) is on that many replicas, so a
   * failover that promotes one of them keeps it. WAIT blocks the node's connection meanwhile, so
   * every command of this client to that node waits behind it (docs/scaling.md "What a failover
   * can cost"). WAIT answering fewer replicas (none in sync, or the timeout) does not fail the
   * finish: the effect happened; `onReplicaShortfall` is told. park() and schedule(), which hold
   * an event in Redis in place of Kafka, WAIT the same way and throw CD_E_REDIS_REPLICA_SHORT
   * (retriable) on a shortfall: the event is not settled, so a failover cannot lose it. Absent or
   * replicas 0: no WAIT.
   */
  replicaAck?: { replicas: number; timeoutMs: number };
  /** Told when WAIT answered fewer replicas than `replicaAck.replicas`, with the batch's events. */
  onReplicaShortfall?: (acked: number, eventIds: readonly string[]) => void;
}

/** Which delivery.capacity bound refused an entry. */
export type CapacityBound = 'maxHeldEvents' | 'maxParkedPerKey';

/**
 * The delivery state of one subscriber in Redis: idempotency records, shared limits, the retry
 * schedule and per-key queues. Every change is one Lua script call (atomic).
 */
export interface DeliveryState {
  admit(eventId: string, limits: AdmitLimits): Promise<AdmitResult>;
  /**
   * Admits several events in one script call (up to 256 ids per call), results in the same order:
   * the connector admits a window of a fetched batch ahead of delivery with it.
   */
  admitMany(eventIds: readonly string[], limits: AdmitLimits): Promise<AdmitResult[]>;
  /** 'done': the effect happened; 'release': it did not (or failed), let anyone try again. */
  finish(eventId: string, outcome: 'done' | 'release'): Promise<void>;
  /**
   * Per-key ordering: 'parked' when the event now waits behind earlier events of its key (or
   * already did: an event read again is never queued twice), 'done' when its effect already
   * happened (idempotency record), 'free' when its key has nothing waiting (deliver it now).
   * @throws CrossdockError CD_E_DELIVERY_STATE_FULL when a bound refuses it
   */
  park(entry: RetryEntry & { orderKey: string }): Promise<'parked' | 'done' | 'free'>;
  /**
   * Writes the entry and makes it due at dueAt; 'waiting' when it is queued behind its key's head.
   * A new entry is bounded by `capacity` unless `bounded` is false (an entry completed at once).
   * @throws CrossdockError CD_E_DELIVERY_STATE_FULL when a bound refuses a new entry
   */
  schedule(entry: RetryEntry, dueAt: number, bounded?: boolean): Promise<'due' | 'waiting'>;
  /** Claims up to `max` due entries for `leaseMs`. Missing entries (completed meanwhile) are dropped. */
  claimDue(max: number, leaseMs: number): Promise<RetryEntry[]>;
  /** The entry leaves retry state; returns the id of its key's next event made due, if any. */
  complete(entry: RetryEntry, how: 'delivered' | 'continue' | 'hold'): Promise<string | null>;
  releaseHeld(orderKey: string): Promise<number>;
  /** Entries due now (or later: waiting for an attempt), and every entry held (scheduled or parked). */
  counts(): Promise<{ scheduled: number; held: number }>;
  /** The earliest due time in the schedule, or null when nothing is scheduled. */
  nextDueAt(): Promise<number | null>;
}

function admitResult(code: number, n: number): AdmitResult {
  switch (code) {
    case 0:
      return { kind: 'admitted' };
    case 1:
      return { kind: 'already-done' };
    case 2:
      return { kind: 'leased', retryInMs: Math.max(1, n) };
    case 3:
      return { kind: 'rate-limited', retryInMs: Math.max(1, n) };
    default:
      return { kind: 'at-capacity' };
  }
}

/**
 * Gathers the calls made during one event-loop turn (or within `delayMs`, when set) and runs them
 * as one batch (at most `max` items; calls with different `group` keys never share a batch). A
 * batch that reaches `max` items goes at once. Each caller gets its own result or the batch's error.
 */
function coalesce<I, O>(
  run: (items: I[]) => Promise<O[]>,
  group: (item: I) => string = () => '',
  max = 256,
  delayMs = 0,
): (item: I) => Promise<O> {
  let pending: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  let scheduled = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    scheduled = false;
    clearTimeout(timer);
    timer = undefined;
    const all = pending;
    pending = [];
    const groups = new Map<string, typeof all>();
    for (const p of all) {
      const g = group(p.item);
      const list = groups.get(g);
      if (list) list.push(p);
      else groups.set(g, [p]);
    }
    for (const list of groups.values()) {
      for (let i = 0; i < list.length; i += max) {
        const chunk = list.slice(i, i + max);
        run(chunk.map((c) => c.item)).then(
          (out) => chunk.forEach((c, j) => c.resolve(out[j]!)),
          (err: unknown) => chunk.forEach((c) => c.reject(err)),
        );
      }
    }
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (delayMs > 0 && pending.length >= max) flush();
      else if (!scheduled) {
        scheduled = true;
        if (delayMs > 0) timer = setTimeout(flush, delayMs);
        else setImmediate(flush);
      }
    });
}

export function createDeliveryState(options: DeliveryStateOptions): DeliveryState {
  const { redis, keys, clock, owner } = options;
  const leaseMs = options.leaseMs ?? 30_000;
  const doneTtlMs = options.doneTtlMs ?? 7 * 24 * 3600 * 1000;
  // On a cluster every script of this state runs on one slot: refuse at start when its keys do not.
  if (isCluster(redis))
    assertKeysShareSlot(`the delivery state of subscriber ${keys.subscriberId}`, [
      keys.due,
      keys.held,
      keys.bucket,
      keys.slots,
      keys.entries,
      keys.entry('e'),
      keys.keyQueue('k'),
      keys.idempotency('e'),
    ]);
  const scripts: ScriptRunner = scriptRunner(redis);
  const capacity = options.capacity ?? DEFAULT_DELIVERY.capacity;
  const bounds = [capacity.maxHeldEvents, capacity.maxParkedPerKey];
  // -1 / -2 from park.lua and schedule.lua: a bound refused a new entry; nothing was written.
  const full = (res: unknown, entry: RetryEntry): void => {
    if (res !== -1 && res !== -2) return;
    const bound: CapacityBound = res === -1 ? 'maxHeldEvents' : 'maxParkedPerKey';
    options.onFull?.(bound);
    throw new CrossdockError(
      'CD_E_DELIVERY_STATE_FULL',
      bound === 'maxHeldEvents'
        ? `subscriber ${keys.subscriberId} holds delivery.capacity.maxHeldEvents=${capacity.maxHeldEvents} events in Redis; event ${entry.eventId} stays in Kafka and is read again`
        : `business key ${entry.orderKey} of subscriber ${keys.subscriberId} has delivery.capacity.maxParkedPerKey=${capacity.maxParkedPerKey} events waiting; event ${entry.eventId} stays in Kafka and is read again`,
      { retriable: true, details: { subscriberId: keys.subscriberId, bound, eventId: entry.eventId } },
    );
  };
  const slot = (eventId: string) => `${owner}:${eventId}`;
  // Slot members travel only once an admission of this instance used a shared concurrency cap
  // (without one, admit-many adds no slot, so finish-many has none to free): about half of
  // each call's bytes otherwise.
  let slotted = false;
  // Admissions and finishes issued in the same event-loop turn go to Redis as one script call
  // (many deliveries are in flight at once; this saves a round trip and a script run per event).
  const admitIds = async (ids: readonly string[], l: AdmitLimits): Promise<AdmitResult[]> => {
    if (l.sharedConcurrency > 0) slotted = true;
    const res = (await scripts.run(
      'admitMany',
      [keys.bucket, keys.slots, ...ids.map((id) => keys.idempotency(id))],
      [
        owner,
        leaseMs,
        clock.now(),
        l.ratePerSecond,
        Math.max(1, l.burst),
        l.sharedConcurrency,
        leaseMs,
        ...(l.sharedConcurrency > 0 ? ids.map(slot) : []),
      ],
    )) as number[];
    return ids.map((_, i) => admitResult(res[2 * i]!, res[2 * i + 1]!));
  };
  const admitBatch = coalesce<{ eventId: string; limits: AdmitLimits }, AdmitResult>(
    (items) =>
      admitIds(
        items.map((i) => i.eventId),
        items[0]!.limits,
      ),
    (item) => `${item.limits.ratePerSecond}/${item.limits.burst}/${item.limits.sharedConcurrency}`,
  );
  // Finishes are off the delivery's critical path (the request slot is already free), so they
  // wait up to finishDelayMs (2 ms by default) for company: one script call (one socket write) for many events. The crash
  // window this adds (a 2xx not yet marked done) is closed by the Idempotency-Key, as for any crash after a 2xx.
  const replicaAck = options.replicaAck && options.replicaAck.replicas > 0 ? options.replicaAck : undefined;
  /**
   * Runs one script followed by WAIT for `replicaAck.replicas` (one pipeline: the script's keys
   * send it to the slot's node, WAIT (no key) follows it there on the same connection and covers
   * every write that connection made before it). Answers the script's result and how many
   * replicas acknowledged. (ioredis sends a script as EVAL the first time on each connection, so
   * it does not meet NOSCRIPT there; only a SCRIPT FLUSH under a live connection would make it
   * resend the script after the pipeline, past the WAIT.)
   */
  const runAndWait = async (
    ack: { replicas: number; timeoutMs: number },
    name: Parameters<ScriptRunner['run']>[0],
    scriptKeys: string[],
    args: Array<string | number>,
  ): Promise<{ result: unknown; acked: number }> => {
    let res: Array<[Error | null, unknown]> = [];
    for (let attempt = 1; ; attempt++) {
      const pipe = redis.pipeline();
      scripts.queue(pipe, name, scriptKeys, args);
      pipe.call('wait', ack.replicas, ack.timeoutMs);
      res = (await pipe.exec()) ?? [];
      const err = res[0]?.[0];
      // ioredis follows a cluster's MOVED/ASK for a pipeline only when every command got it, and
      // WAIT (no key) never does: after a failover the script's MOVED comes back as it is, and the
      // slot map is not refreshed. Refresh it and send again (at most 3 times; then the error).
      if (!err || !isCluster(redis) || !/^(MOVED|ASK) /.test(err.message) || attempt === 3) break;
      const cluster = redis;
      await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
    }
    const [scriptErr, result] = res[0] ?? [new Error(`${name} pipeline returned no reply`)];
    if (scriptErr) throw scriptErr;
    const [waitErr, acked] = res[1] ?? [new Error('WAIT returned no reply')];
    if (waitErr) throw waitErr;
    return { result, acked: Number(acked) };
  };
  /**
   * park and schedule put an event into Redis in place of Kafka (the connector then commits its
   * offset): with replicaAck, the entry must be on the replicas first, else a failover in the
   * replication window would lose the event. A shortfall is CD_E_REDIS_REPLICA_SHORT (retriable):
   * the event is not settled, its partition is read again, and the scripts, which never hold an
   * event twice, run again.
   */
  const runHolding = async (
    name: 'park' | 'schedule',
    scriptKeys: string[],
    args: Array<string | number>,
    eventId: string,
  ): Promise<unknown> => {
    if (!replicaAck) return scripts.run(name, scriptKeys, args);
    const { result, acked } = await runAndWait(replicaAck, name, scriptKeys, args);
    if (acked < replicaAck.replicas)
      throw new CrossdockError(
        'CD_E_REDIS_REPLICA_SHORT',
        `event ${eventId} of subscriber ${keys.subscriberId} was written to Redis (${name}) but ${acked} of the ${replicaAck.replicas} replica(s) redis.waitReplicas asks for acknowledged it within ${replicaAck.timeoutMs} ms; it is not settled and is read again from Kafka`,
        {
          details: {
            subscriberId: keys.subscriberId,
            eventId,
            script: name,
            acked,
            replicas: replicaAck.replicas,
          },
        },
      );
    return result;
  };
  const finishBatch = coalesce<{ eventId: string; outcome: 'done' | 'release' }, void>(
    async (items) => {
      const finishKeys = [keys.slots, ...items.map((i) => keys.idempotency(i.eventId))];
      let outcomes = '';
      for (const i of items) outcomes += i.outcome === 'done' ? 'd' : 'r';
      const finishArgs = [owner, doneTtlMs, outcomes, ...(slotted ? items.map((i) => slot(i.eventId)) : [])];
      if (!replicaAck) {
        await scripts.run('finishMany', finishKeys, finishArgs);
        return items.map(() => undefined);
      }
      // A finish that WAIT did not cover still happened (the effect is at the subscriber): told,
      // not failed.
      const { acked } = await runAndWait(replicaAck, 'finishMany', finishKeys, finishArgs);
      if (acked < replicaAck.replicas)
        options.onReplicaShortfall?.(
          acked,
          items.map((i) => i.eventId),
        );
      return items.map(() => undefined);
    },
    () => '',
    256,
    options.finishDelayMs ?? 2,
  );
  // Unordered scripts still need a key of the subscriber's tag in the queue position.
  const queueKey = (e: RetryEntry) => (e.orderKey !== undefined ? keys.keyQueue(e.orderKey) : keys.held);

  return {
    admit(eventId, limits) {
      return admitBatch({ eventId, limits });
    },
    async admitMany(eventIds, limits) {
      const calls: Array<Promise<AdmitResult[]>> = [];
      for (let i = 0; i < eventIds.length; i += 256) calls.push(admitIds(eventIds.slice(i, i + 256), limits));
      return (await Promise.all(calls)).flat();
    },
    finish(eventId, outcome) {
      return finishBatch({ eventId, outcome });
    },
    async park(entry) {
      const res = await runHolding(
        'park',
        [
          keys.keyQueue(entry.orderKey),
          keys.held,
          keys.entry(entry.eventId),
          keys.entries,
          keys.idempotency(entry.eventId),
        ],
        [entry.eventId, entry.orderKey, ...bounds, ...entryFields(entry)],
        entry.eventId,
      );
      full(res, entry);
      return res === 1 ? 'parked' : res === 2 ? 'done' : 'free';
    },
    async schedule(entry, dueAt, bounded = true) {
      const ordered = entry.orderKey !== undefined;
      const res = await runHolding(
        'schedule',
        [keys.due, keys.entry(entry.eventId), queueKey(entry), keys.held, keys.entries],
        [
          entry.eventId,
          dueAt,
          ordered ? '1' : '0',
          entry.orderKey ?? '',
          bounded ? '1' : '0',
          ...bounds,
          ...entryFields(entry),
        ],
        entry.eventId,
      );
      full(res, entry);
      return res === 1 ? 'due' : 'waiting';
    },
    async claimDue(max, claimLeaseMs) {
      const ids = (await scripts.run('claim', [keys.due], [clock.now(), max, claimLeaseMs])) as string[];
      if (ids.length === 0) return [];
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hgetall(keys.entry(id));
      const rows = (await pipe.exec()) ?? [];
      const out: RetryEntry[] = [];
      for (let i = 0; i < ids.length; i++) {
        const row = rows[i];
        const entry = row && !row[0] ? fromFields(row[1] as Record<string, string>) : undefined;
        if (entry) out.push(entry);
        // An id without an entry was completed by someone else between claim and read: drop it.
        else await redis.zrem(keys.due, ids[i]!);
      }
      return out;
    },
    async complete(entry, how) {
      const ordered = entry.orderKey !== undefined;
      const res = await scripts.run(
        'complete',
        [keys.due, keys.entry(entry.eventId), queueKey(entry), keys.held, keys.entries],
        [entry.eventId, ordered ? '1' : '0', entry.orderKey ?? '', how, clock.now()],
      );
      return typeof res === 'string' ? res : null;
    },
    async releaseHeld(orderKey) {
      return (await scripts.run(
        'releaseHeld',
        [keys.held, keys.keyQueue(orderKey), keys.due],
        [orderKey, clock.now()],
      )) as number;
    },
    async counts() {
      const [scheduled, held] = await Promise.all([redis.zcard(keys.due), redis.get(keys.entries)]);
      return { scheduled, held: Math.max(0, Number(held ?? 0)) };
    },
    async nextDueAt() {
      const first = await redis.zrange(keys.due, 0, 0, 'WITHSCORES');
      return first[1] !== undefined ? Number(first[1]) : null;
    },
  };
}
