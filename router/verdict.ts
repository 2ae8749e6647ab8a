import type { ConsumedRecord } from '../core/kafka';
import type { EventMetadata } from '../schemas';
import type { SchemaIdentity } from './catalog';

/** What the validation (router/validate.ts) reads and decides, per ingress record. */

/** One ingress record, as kafkajs hands it over. */
export type IngressRecord = ConsumedRecord;

/** The metadata record every canonical event starts with (schemas/common/EventMetadata.avsc). */
export type { EventMetadata };

/** A record that passed every check. */
export interface ValidEvent {
  record: IngressRecord;
  /** The site of the ingress topic (equal to metadata.siteId). */
  siteId: string;
  identity: SchemaIdentity;
  metadata: EventMetadata;
  /**
   * The decoded event. With `converted`, all of it, every logical type converted (core/avro.ts).
   * Without it (no data rule for the type, no route reading payload fields) only what the checks
   * read is built: `metadata` (with `occurredAt` a Date) and the business key's fields; every
   * other string and bytes value was checked and skipped (null), timestamps are epoch
   * milliseconds and dates day counts (see router/decode.ts).
   */
  event: Record<string, unknown>;
  /** Whether `event` carries converted logical types. */
  converted: boolean;
  key: string;
  /** The Avro body after the framing (hashed for duplicate detection). */
  body: Buffer;
}

/** A record a check refused: it goes to the DLQ with this code. */
export interface Rejection {
  code: string;
  message: string;
  /** Which check refused it, e.g. `router.framing`; travels as cd-error-stage. */
  stage: string;
  details?: Record<string, unknown>;
  /** What is known of the event, for the log line. */
  eventId?: string;
  correlationId?: string;
  eventType?: string;
}

export type Verdict = { ok: true; valid: ValidEvent } | { ok: false; rejection: Rejection };
