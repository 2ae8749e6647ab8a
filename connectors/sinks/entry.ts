import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { RetryEntry } from '../../retry';

/** Kafka headers as one Buffer each (the first value of a repeated header). */
export function headersOf(raw: IHeaders | undefined): Record<string, Buffer> {
  if (raw === undefined) return {};
  // kafkajs hands each header over as one Buffer: then the object is used as it is (no copy).
  let plain = true;
  for (const k in raw) {
    if (!Buffer.isBuffer(raw[k])) {
      plain = false;
      break;
    }
  }
  if (plain) return raw as Record<string, Buffer>;
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (one !== undefined) out[k] = Buffer.isBuffer(one) ? one : Buffer.from(String(one));
  }
  return out;
}

/**
 * The event id: the CloudEvents id header the copy carries from ingress (the router checked that it
 * equals the canonical eventId). An event without one gets its position as id, so it is still
 * delivered exactly once per position.
 */
export function eventIdOf(
  headers: Record<string, Buffer>,
  topic: string,
  partition: number,
  offset: string,
): string {
  return headers.ce_id?.toString('utf8') || `${topic}-${partition}-${offset}`;
}

/**
 * A message read from the deliver topic → the engine's entry (no attempt yet). `orderedByKey`:
 * the subscriber orders by key, so a keyed event carries its key as `orderKey`.
 */
export function entryOf(
  orderedByKey: boolean,
  topic: string,
  partition: number,
  m: KafkaMessage,
): RetryEntry {
  const headers = headersOf(m.headers);
  const ordered = orderedByKey && m.key !== null && m.key.length > 0;
  return {
    eventId: eventIdOf(headers, topic, partition, m.offset),
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value ?? Buffer.alloc(0),
    headers,
    attempts: 0,
    ...(ordered ? { orderKey: m.key!.toString('utf8') } : {}),
  };
}
