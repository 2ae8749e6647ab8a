import crypto from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import { ceSource, cloudEventValues } from '../../core/cloudevents';
import type { EventMetadata } from '../../schemas';

/**
 * The envelope every source connector (HTTP, CSV, SDK) puts around a canonical event: the metadata
 * record, the Kafka key and the CloudEvents headers (Kafka binding, binary mode; the header
 * contract is core/cloudevents.ts) plus a W3C `traceparent` (a new one when the caller has none).
 */

/** Namespace of crossdock's name-based (v5) event ids. Fixed forever: ids must stay stable. */
export const EVENT_ID_NAMESPACE = '6f1c2a4e-9b7d-5c3e-8a1f-2d4b6c8e0a13';

/** RFC 4122 version-5 UUID (SHA-1 of namespace + name): the same name gives the same id. */
export function uuidV5(name: string, namespace: string = EVENT_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = crypto.createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The metadata record every canonical event starts with: the type generated from the schemas. */
export type { EventMetadata };

export interface MetadataInput {
  siteId: string;
  sourceSystem: string;
  /** Catalog event type, e.g. 'OrderReleased'. */
  eventType: string;
  eventId?: string;
  occurredAt: Date;
  /** Defaults to the eventId (the first event of a flow starts its correlation). */
  correlationId?: string;
  causationId?: string | null;
}

export function buildMetadata(input: MetadataInput): EventMetadata {
  const eventId = input.eventId ?? crypto.randomUUID();
  return {
    eventId,
    eventType: input.eventType,
    occurredAt: input.occurredAt,
    siteId: input.siteId,
    sourceSystem: input.sourceSystem,
    correlationId: input.correlationId ?? eventId,
    causationId: input.causationId ?? null,
  };
}

const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** A valid W3C traceparent, or undefined. All-zero ids are invalid per the spec. */
export function validTraceparent(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = TRACEPARENT_RE.exec(value.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return value.trim().toLowerCase();
}

// Random bytes for trace ids, drawn from the CSPRNG 512 ids at a time: one small randomBytes call
// per event is a measurable cost (ingest batches make thousands of traceparents per second).
const TRACE_BYTES = 24;
let tracePool = Buffer.alloc(0);
let tracePoolAt = 0;

/** A new W3C traceparent (sampled) for a caller that sent none. */
export function newTraceparent(): string {
  if (tracePoolAt + TRACE_BYTES > tracePool.length) {
    tracePool = crypto.randomBytes(TRACE_BYTES * 512);
    tracePoolAt = 0;
  }
  const hex = tracePool.toString('hex', tracePoolAt, (tracePoolAt += TRACE_BYTES));
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-01`;
}

export { ceSource };

export interface HeaderInput {
  metadata: EventMetadata;
  /** Registry subject = record full name. */
  subject: string;
  key: string;
  traceparent?: string;
}

export function cloudEventHeaders(input: HeaderInput): IHeaders {
  const m = input.metadata;
  return {
    ...cloudEventValues({
      eventId: m.eventId,
      subject: input.subject,
      siteId: m.siteId,
      sourceSystem: m.sourceSystem,
      occurredAt: m.occurredAt.getTime(),
      key: input.key,
    }),
    traceparent: validTraceparent(input.traceparent) ?? newTraceparent(),
  };
}

/** Ingress topic of a site (docs/design.md: `<prefix>.ingress.<siteId>`), named in core/names. */
export { ingressTopic } from '../../core/names/topics';
