import type { ConsumedRecord } from '../core/kafka';
import { DLQ_HEADERS, REPLAY_HEADERS, headersToStrings } from '../core/dead-letters';
import { CrossdockError } from '../core/errors';
import { metadataPrefixOf, schemaIdOf } from '../core/event-metadata';
import type { HubTopics } from '../core/names/topics';
import type { DeadLetterPayload, DeadLetterRecord, OperatorState } from './contract';

/**
 * One Kafka record of a dead-letter topic → its index record: the reason and origin from the
 * dead-letter headers (core/dead-letters.ts), the event's identity from its CloudEvents headers
 * and the metadata at the start of its value (read without the registry). Pure: the schema
 * version and the due time are looked up by the caller and handed in.
 */

/** A record as read from a dead-letter topic. */
export interface DeadLetterMessage extends ConsumedRecord {
  /** Kafka timestamp (epoch ms as a string), the fallback failure time. */
  timestamp?: string;
}

/** The id of a dead letter: `<topic>:<partition>:<offset>` (topic names hold no `:`). */
export function deadLetterId(topic: string, partition: number, offset: string): string {
  return `${topic}:${partition}:${offset}`;
}

const ID_RE = /^([A-Za-z0-9._-]+):(\d{1,9}):(\d{1,19})$/;

/**
 * The parts of a dead-letter id.
 * @throws CrossdockError CD_E_DLQ_SELECTOR_INVALID naming the id when it is not `<topic>:<partition>:<offset>`
 */
export function parseDeadLetterId(id: string): { topic: string; partition: number; offset: string } {
  const m = ID_RE.exec(id);
  if (!m)
    throw new CrossdockError(
      'CD_E_DLQ_SELECTOR_INVALID',
      `${JSON.stringify(id)} is not a dead-letter id: expected <topic>:<partition>:<offset> as crossdock dlq list shows it`,
      { details: { id } },
    );
  return { topic: m[1]!, partition: Number(m[2]), offset: m[3]! };
}

/** The group of a dead letter: code × site × subscriber × schema version, `-` for what is absent. */
export function groupKeyOf(
  r: Pick<DeadLetterRecord, 'code' | 'site' | 'subscriber' | 'schemaVersion'>,
): string {
  return [r.code, r.site ?? '-', r.subscriber ?? '-', r.schemaVersion ?? '-'].join('|');
}

function epochOf(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

/** The site in a CloudEvents source `crossdock://sites/<site>/…` or `/sites/<site>`, if any. */
function siteOfSource(source: string | undefined): string | undefined {
  const m = source ? /\/sites?\/([a-z0-9][a-z0-9-]*)/.exec(source) : null;
  return m ? m[1] : undefined;
}

export interface ReadContext {
  topics: HubTopics;
  /** Epoch ms now (indexedAt; the failure time when the record says none). */
  now: number;
  /** The version of a registry schema id in its subject, when known. */
  schemaVersion?: number;
  /** The operator state restored from `<prefix>.dlq.state`, if any. */
  operator?: OperatorState;
  /** Due time of a new dead letter (the service levels), from the record as read. */
  dueAt(record: Pick<DeadLetterRecord, 'code' | 'eventType' | 'subscriber' | 'lastFailedAt'>): number;
}

/** The index record and the bytes of one dead-letter message. */
export function readDeadLetter(
  msg: DeadLetterMessage,
  ctx: ReadContext,
): { record: DeadLetterRecord; payload: DeadLetterPayload } {
  const h = headersToStrings(msg.headers);
  const value = msg.value ?? Buffer.alloc(0);
  const meta = metadataPrefixOf(value);
  const subscriber = h[DLQ_HEADERS.subscriber] ?? ctx.topics.subscriberOfDlq(msg.topic);
  const originalTopic = h[DLQ_HEADERS.originalTopic] ?? '';
  const site =
    (meta?.siteId || undefined) ?? ctx.topics.siteOfRouted(originalTopic) ?? siteOfSource(h.ce_source);
  const kafkaTime = msg.timestamp !== undefined ? Number(msg.timestamp) : undefined;
  const lastFailedAt =
    epochOf(h[DLQ_HEADERS.lastFailedAt]) ??
    (kafkaTime !== undefined && Number.isFinite(kafkaTime) ? kafkaTime : ctx.now);
  const firstFailedAt = epochOf(h[DLQ_HEADERS.firstFailedAt]) ?? lastFailedAt;
  const replayCount = Number(h[REPLAY_HEADERS.count] ?? 0);
  const schemaId = schemaIdOf(value);
  const base = {
    id: deadLetterId(msg.topic, msg.partition, msg.offset),
    topic: msg.topic,
    partition: msg.partition,
    offset: msg.offset,
    kind: subscriber ? ('deliver' as const) : ('router' as const),
    code: h[DLQ_HEADERS.code] ?? 'CD_E_DLQ_NO_REASON',
    message: h[DLQ_HEADERS.message] ?? 'the record carries no cd-error-message header',
    stage: h[DLQ_HEADERS.stage] ?? 'unknown',
    ...(site ? { site } : {}),
    ...(subscriber ? { subscriber } : {}),
    ...((h.ce_type ?? meta?.eventType) ? { eventType: h.ce_type ?? meta?.eventType } : {}),
    ...(schemaId !== undefined ? { schemaId } : {}),
    ...(ctx.schemaVersion !== undefined ? { schemaVersion: ctx.schemaVersion } : {}),
    ...((h.ce_id ?? meta?.eventId) ? { eventId: h.ce_id ?? meta?.eventId } : {}),
    ...(meta?.correlationId ? { correlationId: meta.correlationId } : {}),
    attempts: Number(h[DLQ_HEADERS.attempts] ?? 1) || 1,
    firstFailedAt,
    lastFailedAt,
    original: {
      topic: originalTopic,
      partition: Number(h[DLQ_HEADERS.originalPartition] ?? 0),
      offset: h[DLQ_HEADERS.originalOffset] ?? '',
    },
    ...(h[REPLAY_HEADERS.of] ? { replayOf: h[REPLAY_HEADERS.of] } : {}),
    replayCount: Number.isFinite(replayCount) && replayCount > 0 ? Math.floor(replayCount) : 0,
    indexedAt: ctx.now,
  };
  const group = groupKeyOf(base);
  const operator: OperatorState = ctx.operator ?? {
    state: 'new',
    dueAt: ctx.dueAt(base),
    notes: [],
    replays: [],
    updatedAt: ctx.now,
    updatedBy: 'indexer',
  };
  return {
    record: { ...base, group, ...operator, dueAt: operator.dueAt ?? ctx.dueAt(base) },
    payload: { key: msg.key, value, headers: h },
  };
}
