import crypto from 'node:crypto';
import type { Message } from 'kafkajs';
import type { MappedRecord, SourcePath } from './mapping/engine';
import type { SiteMappings } from './mapping/types';
import { buildMetadata, cloudEventHeaders, uuidV5 } from './envelope';

/**
 * What a source connector needs from the schema side: the catalog facts of an event type, a
 * schema check with paths, and Confluent-framed encoding (schemas/ and core/registry.ts provide
 * them; codec.ts adapts). Kept as an interface so the connectors never reach into schema internals.
 */
export interface EventCodec {
  /** Catalog event types that can be published. */
  eventTypes(): string[];
  /** Registry subject (record full name) and the business key of an event; undefined if not in the catalog. */
  lookup(eventType: string): { subject: string; key(event: Record<string, unknown>): string } | undefined;
  /** Problems of a canonical event against its newest active schema (paths into the event). */
  check(
    eventType: string,
    event: Record<string, unknown>,
  ): Array<{ path: string; expected: string; got: string }>;
  /** Confluent-framed Avro bytes. Throws a retriable error when the registry cannot be reached. */
  encode(eventType: string, event: Record<string, unknown>): Promise<Buffer>;
  /**
   * Optional one-pass check (see one-pass.ts): the same problems as check() (none when the event
   * fits), and when it fits, usually the Avro bytes already written behind a Confluent frame whose
   * schema id frameWritten() fills in. Without `framed`, encode() is used as before.
   */
  write?(
    eventType: string,
    event: Record<string, unknown>,
  ): { problems: Array<{ path: string; expected: string; got: string }>; framed?: Buffer };
  /** The bytes write() made for this event, framed with the schema id; the errors of encode(). */
  frameWritten?(eventType: string, event: Record<string, unknown>, framed: Buffer): Promise<Buffer>;
}

/** A canonical event that passed the checks, ready for encodePrepared. */
export interface BuiltEvent {
  event: Record<string, unknown>;
  eventId: string;
  key: string;
  subject: string;
  /** Bytes from EventCodec.write(), when the codec has the one-pass pair. */
  framed?: Buffer;
}

export interface PreparedEvent {
  eventId: string;
  /** metadata.correlationId (log lines about the event carry it). */
  correlationId: string;
  eventType: string;
  key: string;
  message: Message;
}

export interface PrepareProblem {
  /** Where in the site record (when the problem came from a source value). */
  source?: SourcePath;
  /** Canonical field (for schema mismatches). */
  target?: string;
  code: string;
  expected: string;
  got: string;
}

export interface PrepareContext {
  site: SiteMappings;
  codec: EventCodec;
  /** Caller-supplied W3C traceparent (HTTP header). */
  traceparent?: string;
  /** Deterministic eventId for this record (CSV: file hash + group; HTTP: Idempotency-Key + index). */
  eventId?: string;
  /** Used when the mapping gives no occurredAt (never for mappings that require it). */
  now: () => number;
}

/**
 * Mapped record → canonical event (metadata filled) → schema check → Kafka message. Framing
 * (the schema id, which may need the registry) is left to encodePrepared so a batch is checked
 * completely before anything is sent (a batch with one bad record publishes nothing); with a
 * one-pass codec the Avro bytes are written during the check.
 */
export function buildEvent(
  ctx: PrepareContext,
  mapped: MappedRecord,
): {
  event?: Record<string, unknown>;
  eventId?: string;
  key?: string;
  subject?: string;
  framed?: Buffer;
  problems: PrepareProblem[];
} {
  const problems: PrepareProblem[] = mapped.problems.map((p) => ({
    source: p.source,
    target: p.target,
    code: p.code,
    expected: p.expected,
    got: p.got,
  }));
  if (problems.length) return { problems };
  const entry = ctx.codec.lookup(mapped.eventType);
  if (!entry)
    return {
      problems: [
        {
          target: 'eventType',
          code: 'CD_E_INPUT_UNKNOWN_EVENT_TYPE',
          expected: `a catalog event type (${ctx.codec.eventTypes().join(', ')})`,
          got: mapped.eventType,
        },
      ],
    };
  const { siteId, sourceSystem } = ctx.site;
  const eventId =
    mapped.sourceId !== undefined
      ? uuidV5(`${siteId}|${mapped.eventType}|${mapped.sourceId}`)
      : (ctx.eventId ?? crypto.randomUUID());
  const metadata = buildMetadata({
    siteId,
    sourceSystem,
    eventType: mapped.eventType,
    eventId,
    occurredAt: mapped.occurredAt ?? new Date(ctx.now()),
    correlationId: mapped.correlationId,
  });
  const event = { metadata, ...mapped.body };
  const written = ctx.codec.write
    ? ctx.codec.write(mapped.eventType, event)
    : { problems: ctx.codec.check(mapped.eventType, event), framed: undefined };
  for (const p of written.problems)
    problems.push({ target: p.path, code: 'CD_E_INPUT_SCHEMA_MISMATCH', expected: p.expected, got: p.got });
  if (problems.length) return { problems };
  let key: string;
  try {
    key = entry.key(event);
  } catch (err) {
    return {
      problems: [
        {
          target: 'key',
          code: 'CD_E_INPUT_MISSING_FIELD',
          expected: 'the business key fields',
          got: (err as Error).message,
        },
      ],
    };
  }
  return { event, eventId, key, subject: entry.subject, framed: written.framed, problems };
}

export async function encodePrepared(ctx: PrepareContext, built: BuiltEvent): Promise<PreparedEvent> {
  const metadata = built.event.metadata as Parameters<typeof cloudEventHeaders>[0]['metadata'];
  const value =
    built.framed && ctx.codec.frameWritten
      ? await ctx.codec.frameWritten(metadata.eventType, built.event, built.framed)
      : await ctx.codec.encode(metadata.eventType, built.event);
  return {
    eventId: built.eventId,
    correlationId: metadata.correlationId,
    eventType: metadata.eventType,
    key: built.key,
    message: {
      key: built.key,
      value,
      headers: cloudEventHeaders({
        metadata,
        subject: built.subject,
        key: built.key,
        traceparent: ctx.traceparent,
      }),
    },
  };
}
