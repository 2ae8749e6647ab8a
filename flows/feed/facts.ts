import type { KafkaMessage } from 'kafkajs';
import type { Redis } from '../../core/redis';
import { routerKeys } from '../../core/names/redis-keys';
import { parseSeenMark } from '../../router';
import type { IngressFact } from '../contract';
import type { RouterRejection } from './dead-letters';
import type { ReadRecord } from './read-record';

/**
 * One ingress record, decided by the router, → its IngressFact:
 * - `rejected` when a router dead letter names it (topic, partition, offset): code and rule from
 *   the letter;
 * - else `duplicate` when the router's duplicate mark of its eventId (router/dedupe.ts) names
 *   another origin: the mark holds the origin of the first copy the router accepted, and is only
 *   written by a first sighting, so a record the router accepted and did not dead-letter whose
 *   mark names another record is a repeat it dropped (a conflict, same eventId with another
 *   payload, is dead-lettered and so already `rejected`);
 * - else `accepted` (its own mark, or no mark any more: one expires after the router's
 *   hub.router.duplicateWindowSeconds, so a tracker that lags the router by more than that window
 *   counts a dropped repeat as accepted; docs/flows.md).
 */
export interface FactDeps {
  siteOf(topic: string): string | undefined;
  rejectionOf(topic: string, partition: number, offset: bigint): RouterRejection | undefined;
  /** Reads a value; with the event as JSON when `withEvent`. */
  read(value: Buffer | null, withEvent: boolean): Promise<ReadRecord>;
  /** The origin (`topic/partition/offset`) the router's mark of each eventId names, in order. */
  firstOrigins(eventIds: readonly string[]): Promise<Array<string | undefined>>;
  /** A record the router accepted did not decode (logged by the caller). */
  onUndecodable?(topic: string, partition: number, offset: string, failure: string): void;
}

export async function factsOf(
  deps: FactDeps,
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
): Promise<IngressFact[]> {
  const siteId = deps.siteOf(topic) ?? 'unknown';
  const read: Array<{ m: KafkaMessage; r: ReadRecord; rejection?: RouterRejection }> = [];
  for (const m of messages) {
    const rejection = deps.rejectionOf(topic, partition, BigInt(m.offset));
    const r = await deps.read(m.value, !rejection);
    read.push(rejection ? { m, r, rejection } : { m, r });
  }
  const ask = read.filter((x) => !x.rejection && x.r.eventId !== '');
  const origins = ask.length ? await deps.firstOrigins(ask.map((x) => x.r.eventId)) : [];
  const originOf = new Map(ask.map((x, i) => [x, origins[i]]));
  return read.map((x): IngressFact => {
    const { m, r, rejection } = x;
    const receivedAt = Number(m.timestamp);
    const base = {
      topic,
      partition,
      offset: m.offset,
      siteId,
      eventId: r.eventId,
      eventType: r.eventType,
      ...(r.schemaVersion !== undefined ? { schemaVersion: r.schemaVersion } : {}),
      deprecated: r.deprecated,
      occurredAt: r.occurredAt ?? receivedAt,
      receivedAt,
    };
    if (rejection) return { ...base, outcome: 'rejected', rejection: { ...rejection } };
    const first = originOf.get(x);
    if (first !== undefined && first !== `${topic}/${partition}/${m.offset}`)
      return {
        ...base,
        outcome: 'duplicate',
        ...(r.correlationId ? { correlationId: r.correlationId } : {}),
      };
    if (r.failure) deps.onUndecodable?.(topic, partition, m.offset, r.failure);
    return {
      ...base,
      outcome: 'accepted',
      ...(r.event ? { event: r.event } : {}),
      ...(r.correlationId !== undefined ? { correlationId: r.correlationId } : {}),
    };
  });
}

/** The router's marks, read: one pipelined GET per eventId (router/dedupe.ts parseSeenMark). */
export function routerMarkOrigins(
  redis: Redis,
  redisPrefix: string,
): (eventIds: readonly string[]) => Promise<Array<string | undefined>> {
  const keys = routerKeys(redisPrefix);
  return async (eventIds) => {
    const pipeline = redis.pipeline();
    for (const id of eventIds) pipeline.get(keys.seen(id));
    const res = (await pipeline.exec()) ?? [];
    return eventIds.map((_, i) => {
      const [err, value] = res[i] ?? [new Error('no reply')];
      if (err) throw err;
      const mark = typeof value === 'string' ? parseSeenMark(value) : undefined;
      return mark ? `${mark.origin.topic}/${mark.origin.partition}/${mark.origin.offset}` : undefined;
    });
  };
}
