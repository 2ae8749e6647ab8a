import type { IHeaders } from 'kafkajs';

/**
 * Dead-letter headers (docs/design.md "Dead letters"): the value of a dead letter is the original bytes,
 * untouched; the reason travels in these headers. A wire contract, like the topic names: written
 * by the router (`cd.dlq.router`) and the sinks (`cd.dlq.deliver.<subscriber>`), read by the
 * dead-letter index and replay (dlq/), so both DLQs read the same way.
 */
export const DLQ_HEADERS = Object.freeze({
  code: 'cd-error-code',
  message: 'cd-error-message',
  stage: 'cd-error-stage',
  attempts: 'cd-attempts',
  firstFailedAt: 'cd-first-failed-at',
  lastFailedAt: 'cd-last-failed-at',
  originalTopic: 'cd-original-topic',
  originalPartition: 'cd-original-partition',
  originalOffset: 'cd-original-offset',
  subscriber: 'cd-subscriber',
  /** The data rule a CD_E_RULE_VIOLATION dead letter broke (hub `rules:` name); absent otherwise. */
  rule: 'cd-error-rule',
});

/**
 * Headers of a replayed event (docs/design.md "Replay"): what it replays (the dead letter's id,
 * `<topic>:<partition>:<offset>`), how many times this event has been replayed, and the replay
 * job. They travel with the event through the router and into a new dead letter if it fails again,
 * so the loop guard sees the count.
 */
export const REPLAY_HEADERS = Object.freeze({
  of: 'cd-replay-of',
  count: 'cd-replay-count',
  id: 'cd-replay-id',
});

/** True for the `cd-replay-*` headers, the only `cd-*` headers the router keeps on its copies. */
export function isReplayHeader(name: string): boolean {
  return name === REPLAY_HEADERS.of || name === REPLAY_HEADERS.count || name === REPLAY_HEADERS.id;
}

export interface DeadLetterReason {
  /** Stable error code, e.g. CD_E_SITE_MISMATCH. */
  code: string;
  /** One line for a person; truncated to `maxMessageBytes`. */
  message: string;
  /** Where it failed: e.g. `router.framing`, `router.rules`, `deliver.http`. */
  stage: string;
  /** How many attempts were made (1 for the router). @defaultValue 1 */
  attempts?: number;
  /** Epoch ms of the first failure. @defaultValue lastFailedAt */
  firstFailedAt?: number;
  /** Epoch ms of the last failure. */
  lastFailedAt: number;
  original: { topic: string; partition: number; offset: string };
  /** Subscriber id, for delivery dead letters. */
  subscriber?: string;
  /** The data rule broken, for CD_E_RULE_VIOLATION (travels as cd-error-rule). */
  rule?: string;
}

/** Header values as kafkajs hands them in (Buffer, string, arrays, undefined). */
function headerString(v: IHeaders[string]): string | undefined {
  if (v === undefined || v === null) return undefined;
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

/** Headers of a Kafka record as plain strings (first value of a repeated header). */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const s = headerString(v);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

const MAX_MESSAGE_BYTES = 1024;

/**
 * The headers of a dead letter: the reason, the origin, and the original record's CloudEvents
 * (`ce_*`), `content-type`, `traceparent` and replay (`cd-replay-*`) headers, copied as they were
 * (bytes untouched).
 */
export function deadLetterHeaders(reason: DeadLetterReason, originalHeaders: IHeaders | undefined): IHeaders {
  const out: IHeaders = {};
  for (const [k, v] of Object.entries(originalHeaders ?? {})) {
    if (
      (k.startsWith('ce_') ||
        k === 'content-type' ||
        k === 'traceparent' ||
        k === 'tracestate' ||
        isReplayHeader(k)) &&
      v !== undefined
    )
      out[k] = v;
  }
  const message = reason.message.replace(/[\r\n]+/g, ' ');
  out[DLQ_HEADERS.code] = reason.code;
  out[DLQ_HEADERS.message] =
    Buffer.byteLength(message) > MAX_MESSAGE_BYTES
      ? Buffer.from(message).subarray(0, MAX_MESSAGE_BYTES).toString('utf8')
      : message;
  out[DLQ_HEADERS.stage] = reason.stage;
  out[DLQ_HEADERS.attempts] = String(reason.attempts ?? 1);
  out[DLQ_HEADERS.firstFailedAt] = new Date(reason.firstFailedAt ?? reason.lastFailedAt).toISOString();
  out[DLQ_HEADERS.lastFailedAt] = new Date(reason.lastFailedAt).toISOString();
  out[DLQ_HEADERS.originalTopic] = reason.original.topic;
  out[DLQ_HEADERS.originalPartition] = String(reason.original.partition);
  out[DLQ_HEADERS.originalOffset] = reason.original.offset;
  if (reason.subscriber) out[DLQ_HEADERS.subscriber] = reason.subscriber;
  if (reason.rule) out[DLQ_HEADERS.rule] = reason.rule;
  return out;
}
