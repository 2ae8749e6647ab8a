import type { KafkaMessage } from 'kafkajs';
import type { Redis } from '../../core/redis';
import { routerKeys } from '../../core/names/redis-keys';
import { execGroups } from '../../core/redis-pipeline';
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
  const n = messages.length;
  // Plain arrays by record index (no per-record wrapper objects: the feed runs this per record).
  const reads = new Array<ReadRecord>(n);
  const rejections = new Array<RouterRejection | undefined>(n);
  const askIds: string[] = [];
  const askAt: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const rejection = deps.rejectionOf(topic, partition, BigInt(m.offset));
    rejections[i] = rejection;
    const r = await deps.read(m.value, !rejection);
    reads[i] = r;
    if (!rejection && r.eventId !== '') {
      askIds.push(r.eventId);
      askAt.push(i);
    }
  }
  const firstOf = new Array<string | undefined>(n);
  if (askIds.length > 0) {
    const origins = await deps.firstOrigins(askIds);
    for (let x = 0; x < askAt.length; x++) firstOf[askAt[x]!] = origins[x];
  }
  const originPrefix = `${topic}/${partition}/`;
  const out = new Array<IngressFact>(n);
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const r = reads[i]!;
    const rejection = rejections[i];
    const receivedAt = Number(m.timestamp);
    const fact: IngressFact = {
      topic,
      partition,
      offset: m.offset,
      siteId,
      eventId: r.eventId,
      eventType: r.eventType,
      deprecated: r.deprecated,
      occurredAt: r.occurredAt ?? receivedAt,
      receivedAt,
      outcome: 'accepted',
    };
    if (r.schemaVersion !== undefined) fact.schemaVersion = r.schemaVersion;
    const first = firstOf[i];
    if (rejection) {
      fact.outcome = 'rejected';
      fact.rejection = { ...rejection };
    } else if (first !== undefined && first !== originPrefix + m.offset) {
      fact.outcome = 'duplicate';
      if (r.correlationId) fact.correlationId = r.correlationId;
    } else {
      if (r.failure) deps.onUndecodable?.(topic, partition, m.offset, r.failure);
      if (r.event) fact.event = r.event;
      if (r.correlationId !== undefined) fact.correlationId = r.correlationId;
    }
    out[i] = fact;
  }
  return out;
}

/**
 * The router's marks, read: one MGET per key hash tag (core/names/redis-keys.ts: at most 16, so
 * each MGET's keys share a slot on a Redis Cluster too), in one pipeline on one server and one
 * per tag on a cluster (execGroups; router/dedupe.ts parseSeenMark).
 */
export function routerMarkOrigins(
  redis: Redis,
  redisPrefix: string,
): (eventIds: readonly string[]) => Promise<Array<string | undefined>> {
  const keys = routerKeys(redisPrefix);
  return async (eventIds) => {
    const groups = new Map<string, { keys: string[]; at: number[] }>();
    eventIds.forEach((id, i) => {
      const tag = keys.seenGroup(id);
      let g = groups.get(tag);
      if (!g) groups.set(tag, (g = { keys: [], at: [] }));
      g.keys.push(keys.seen(id));
      g.at.push(i);
    });
    // One pipeline on one server; one per tag (slot) on a cluster (core/redis-pipeline.ts).
    const res = await execGroups(
      redis,
      [...groups.values()].map((g) => (p) => void p.mget(g.keys)),
    );
    const out = new Array<string | undefined>(eventIds.length).fill(undefined);
    let r = 0;
    for (const g of groups.values()) {
      const [err, values] = res[r++] ?? [new Error('no reply')];
      if (err) throw err;
      const list = values as Array<string | null>;
      g.at.forEach((i, x) => {
        const value = list[x];
        const mark = typeof value === 'string' ? parseSeenMark(value) : undefined;
        out[i] = mark ? `${mark.origin.topic}/${mark.origin.partition}/${mark.origin.offset}` : undefined;
      });
    }
    return out;
  };
}
