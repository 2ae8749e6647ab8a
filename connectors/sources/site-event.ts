import type { Message } from 'kafkajs';
import { CrossdockError } from '../../core/errors';
import type { Catalog, SchemaIdSource } from '../../schemas';
import { createCatalogCodec } from './codec';
import { buildMetadata, cloudEventHeaders, ingressTopic } from './envelope';
import type { EventCodec } from './prepare';

/**
 * Canonical events a site's own program publishes (the site SDK, connectors/sdk): the body comes
 * already canonical, so there is no mapping; this fills the envelope (metadata, Kafka key,
 * CloudEvents headers), checks the event against its schema and encodes it, exactly as HTTP ingest
 * and CSV drop folders do for theirs.
 */
export interface SiteEventEncoderOptions {
  siteId: string;
  /** Recorded in metadata.sourceSystem and ce_source. */
  sourceSystem: string;
  /** The hub's topic prefix; the events go to `<prefix>.ingress.<siteId>`. */
  topicPrefix: string;
  /** Where schema ids come from (registry URL, client or lookup); unused when `codec` is given. */
  ids: SchemaIdSource;
  /** @defaultValue the repo's schemas/ catalog */
  catalog?: Catalog;
  /** Replaces the catalog codec built from `ids` and `catalog` (tests). */
  codec?: EventCodec;
}

/** The caller's say in an event's metadata and trace context. */
export interface SiteEventOptions {
  /** @defaultValue a random UUID */
  eventId?: string;
  occurredAt: Date;
  /** @defaultValue the eventId */
  correlationId?: string;
  /** @defaultValue null */
  causationId?: string | null;
  /** W3C trace context of the caller; a new one is made when absent or invalid. */
  traceparent?: string;
}

/** An event ready to send: `message` carries the business key, the framed bytes and the headers. */
export interface EncodedSiteEvent {
  eventId: string;
  correlationId: string;
  eventType: string;
  key: string;
  message: Message;
}

export interface SiteEventEncoder {
  readonly siteId: string;
  /** `<prefix>.ingress.<siteId>`: the only topic the site's user may write. */
  readonly topic: string;
  /**
   * The event with its envelope, encoded. Throws CD_E_INPUT_UNKNOWN_EVENT_TYPE for a type not in
   * the catalog and CD_E_INPUT_REJECTED (every problem with its path, in `details.problems`) when
   * the event does not fit its schema; the codec's errors (registry) pass through.
   */
  encode(
    eventType: string,
    body: Record<string, unknown>,
    options: SiteEventOptions,
  ): Promise<EncodedSiteEvent>;
}

export function createSiteEventEncoder(options: SiteEventEncoderOptions): SiteEventEncoder {
  const topic = ingressTopic(options.topicPrefix, options.siteId);
  const codec = options.codec ?? createCatalogCodec({ ids: options.ids, catalog: options.catalog });
  return {
    siteId: options.siteId,
    topic,
    async encode(eventType, body, opts) {
      const entry = codec.lookup(eventType);
      if (!entry)
        throw new CrossdockError(
          'CD_E_INPUT_UNKNOWN_EVENT_TYPE',
          `Unknown event type ${eventType}; known: ${codec.eventTypes().join(', ')}`,
        );
      const metadata = buildMetadata({
        siteId: options.siteId,
        sourceSystem: options.sourceSystem,
        eventType,
        eventId: opts.eventId,
        occurredAt: opts.occurredAt,
        correlationId: opts.correlationId,
        causationId: opts.causationId,
      });
      const event = { ...body, metadata };
      const problems = codec.check(eventType, event);
      if (problems.length) {
        throw new CrossdockError(
          'CD_E_INPUT_REJECTED',
          `${eventType} does not fit its schema: ${problems.map((p) => `${p.path}: expected ${p.expected}, got ${p.got}`).join('; ')}`,
          { details: { problems } },
        );
      }
      const key = entry.key(event);
      const value = await codec.encode(eventType, event);
      return {
        eventId: metadata.eventId,
        correlationId: metadata.correlationId,
        eventType,
        key,
        message: {
          key,
          value,
          headers: cloudEventHeaders({
            metadata,
            subject: entry.subject,
            key,
            traceparent: opts.traceparent,
          }),
        },
      };
    },
  };
}
