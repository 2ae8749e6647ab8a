import { REPLAY_HEADERS } from '../../core/dead-letters';
import type { DeadLetterPayload, DeadLetterRecord } from '../contract';

/**
 * What a replay sends: the dead letter's original key and value bytes, untouched, and its headers
 * without the hub's `cd-*` ones (the dead-letter reason `cd-error-*`, `cd-attempts`,
 * `cd-original-*`, `cd-subscriber`, `cd-last-*`, and the replay headers of an earlier replay),
 * plus the replay headers of this replay (core/dead-letters.ts REPLAY_HEADERS): `cd-replay-of` =
 * the dead letter's id, `cd-replay-count` = how many times the event has been replayed with this
 * one, `cd-replay-id` = the job. What is left is what the original record carried: the CloudEvents
 * `ce_*` headers, `content-type`, `traceparent`, `tracestate`.
 */
export function replayHeaders(
  stored: Readonly<Record<string, string>>,
  record: Pick<DeadLetterRecord, 'id' | 'replayCount'>,
  jobId: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(stored)) if (!k.startsWith('cd-')) out[k] = v;
  out[REPLAY_HEADERS.of] = record.id;
  out[REPLAY_HEADERS.count] = String(record.replayCount + 1);
  out[REPLAY_HEADERS.id] = jobId;
  return out;
}

/** The Kafka message of a replay. */
export function replayMessage(
  payload: DeadLetterPayload,
  record: Pick<DeadLetterRecord, 'id' | 'replayCount'>,
  jobId: string,
): { key: Buffer | null; value: Buffer; headers: Record<string, string> } {
  return { key: payload.key, value: payload.value, headers: replayHeaders(payload.headers, record, jobId) };
}
