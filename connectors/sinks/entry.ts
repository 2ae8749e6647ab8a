import type { IHeaders } from 'kafkajs';
import type { GroupMessage } from '../../core/kafka-client/transactional';
import type { RetryEntry } from '../../retry';
import { metadataPrefixOf } from '../../core/event-metadata';

/** Kafka headers as one Buffer each (the first value of a repeated header). */
export function headersOf(raw: IHeaders | undefined): Record<string, Buffer> {
  if (raw === undefined) return {};
  // Both clients hand a header sent once over as one Buffer: then the object is used as it is (no copy).
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
 * The event's identity: the CloudEvents id header (the router stamps it on every copy and checked
 * that it equals the canonical eventId), else the eventId in the payload's metadata (a copy
 * written to the deliver topic by someone else); '' when neither says (then the engine
 * dead-letters it with CD_E_DELIVERY_NO_EVENT_ID: identity never comes from a position).
 */
export function eventIdOf(headers: Record<string, Buffer>, value: Buffer | null): string {
  const ce = headers.ce_id?.toString('utf8');
  if (ce) return ce;
  return (value && metadataPrefixOf(value)?.eventId) || '';
}

/**
 * A message read from the deliver topic → the engine's entry (no attempt yet). `orderedByKey`:
 * the subscriber orders by key, so a keyed event carries its key as `orderKey`.
 */
export function entryOf(
  orderedByKey: boolean,
  topic: string,
  partition: number,
  m: GroupMessage,
): RetryEntry {
  const headers = headersOf(m.headers);
  const ordered = orderedByKey && m.key !== null && m.key.length > 0;
  return {
    eventId: eventIdOf(headers, m.value),
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
