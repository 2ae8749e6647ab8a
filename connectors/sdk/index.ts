/**
 * The crossdock site SDK: a site's own Node.js program publishes canonical events straight to its
 * ingress topic, logging in with the site's SCRAM user. The broker's ACLs allow that user to write
 * only `<prefix>.ingress.<siteId>`, so a site cannot publish as another (TOPIC_AUTHORIZATION_FAILED).
 *
 *   const producer = createSiteProducer({ siteId: 'us-atl', brokers: ['127.0.0.1:19094'],
 *     sasl: { mechanism: 'scram-sha-512', username: 'site-us-atl', password }, registryUrl });
 *   await producer.connect();
 *   const { eventId } = await producer.events.OrderReleased({ orderId: 'ATL-1', ... });
 *
 * The SDK fills the metadata (eventId, eventType, occurredAt, siteId, sourceSystem, correlationId,
 * causationId), the Kafka key (the catalog's business key) and the CloudEvents headers, checks the
 * event against its schema (every problem with its path) and encodes it with the registry.
 *
 * Back-pressure: the SDK has no queue of its own. publish() resolves only after Kafka acknowledged
 * the event, so the events held in memory are the publishes the program has not awaited yet; a
 * program bounds them by awaiting each publish, or by keeping a fixed number in flight (a pool).
 * When Kafka is slow, publish() is slow: the program slows down instead of buffering. A failed
 * publish may still have been written (a timeout is not a refusal): retry it with the same
 * `eventId` (PublishOptions), and the router drops the copy (docs/operations.md, Back-pressure).
 */
import type { RegistryConnection, TlsSettings } from '../../core/connection';
import { ackedProducerFor, chooseKafkaClient, type KafkaClientSetting } from '../../core/kafka-client/choose';
import type { AckedProducer, KafkaClientKind } from '../../core/kafka-client/producer';
import { DEFAULT_TOPIC_PREFIX } from '../../core/names/topics';
import { CrossdockError } from '../../core/errors';
import { eventLogger } from '../../core/log-events';
import { silentLogger, type Logger } from '../../core/logger';
import {
  EVENT_SUBJECTS,
  type CanonicalEventInputs,
  type Catalog,
  type EventTypeName,
  type SchemaIdLookup,
} from '../../schemas';
import { registryRequest } from '../../core/registry';
import { createSiteEventEncoder, SOURCE_LOG_EVENTS, type EventCodec } from '../sources';

export type { EventTypeName, CanonicalEventInputs };

/** The body of an event type: everything but `metadata`, which the SDK fills. */
export type EventBody<T extends EventTypeName> = Omit<CanonicalEventInputs[T], 'metadata'>;

export interface SiteProducerOptions {
  siteId: string;
  /** SASL listener bootstrap servers, e.g. ['127.0.0.1:19094']. */
  brokers: string[];
  /** The site's SCRAM login (user `site-<siteId>`). */
  sasl: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** Confluent-compatible registry base URL. */
  registryUrl: string;
  /**
   * The registry with its auth and CA (core/connection.ts), used instead of `registryUrl` when
   * given. @defaultValue `{ url: registryUrl }`
   */
  registry?: RegistryConnection;
  /** TLS towards the brokers (a SASL_SSL listener): CA and client certificate. @defaultValue plain TCP */
  ssl?: TlsSettings;
  /** Recorded in metadata.sourceSystem and ce_source. @defaultValue 'sdk' */
  sourceSystem?: string;
  /** @defaultValue 'cd' */
  topicPrefix?: string;
  /** @defaultValue `site-<siteId>-sdk` */
  clientId?: string;
  /** Gets the Kafka client's lines and one debug line per published event. @defaultValue a silent logger */
  logger?: Logger;
  /** @defaultValue the repo's schemas/ catalog */
  catalog?: Catalog;
  /**
   * Register a schema the registry does not hold yet. Off by default: schemas are governed by the
   * integration team (`crossdock schemas push`); a site program only looks ids up and fails with
   * CD_E_ENCODE_FAILED when its schema version was not pushed. @defaultValue false
   */
  registerSchemas?: boolean;
  /** Replaces the registry-backed codec (tests). */
  codec?: EventCodec;
  /**
   * The Kafka client: `kafkajs`, `librdkafka` (the native client `npm install` builds; throws
   * CD_E_KAFKA_NATIVE_UNAVAILABLE when it cannot be loaded) or `auto` (the one measured faster
   * for awaited sends, falling back to kafkajs with a warning; docs/kafka-client.md).
   * @defaultValue 'auto'
   */
  client?: KafkaClientSetting;
}

/** Schema ids by lookup only (POST /subjects/<subject> answers the id of an existing schema). */
function lookupOnly(registry: RegistryConnection): SchemaIdLookup {
  return async (subject, version) => {
    const res = await registryRequest(registry, 'POST', `/subjects/${encodeURIComponent(subject)}`, {
      schema: JSON.stringify(version.schema),
    });
    if (res.status === 200) return (res.body as { id: number }).id;
    throw new CrossdockError(
      'CD_E_ENCODE_FAILED',
      `Schema ${subject} v${version.version} is not registered (registry answered ${res.status}); ask the integration team to run crossdock schemas push.`,
      {
        retriable: false,
        details: { subject, version: version.version, status: res.status },
      },
    );
  };
}

export interface PublishOptions {
  /** @defaultValue a random UUID. Pass a stable id to make a resend a duplicate the router drops. */
  eventId?: string;
  /** @defaultValue now */
  occurredAt?: Date;
  /** @defaultValue the eventId */
  correlationId?: string;
  /** @defaultValue null */
  causationId?: string | null;
  /** W3C trace context of the caller; a new one is made when absent. */
  traceparent?: string;
}

export interface PublishResult {
  eventId: string;
  key: string;
  topic: string;
  partition: number;
  offset: string;
}

export type TypedPublishers = {
  [T in EventTypeName]: (body: EventBody<T>, options?: PublishOptions) => Promise<PublishResult>;
};

export interface SiteProducer {
  readonly siteId: string;
  readonly topic: string;
  /** The Kafka client it runs on (the `client` option; `auto` may have fallen back to kafkajs). */
  readonly client: KafkaClientKind;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Publishes one event; resolves after Kafka acknowledged it (acks=all, idempotent producer). */
  publish<T extends EventTypeName>(
    eventType: T,
    body: EventBody<T>,
    options?: PublishOptions,
  ): Promise<PublishResult>;
  /** One typed function per event type: `producer.events.OrderReleased(body)`. */
  readonly events: TypedPublishers;
}

export function createSiteProducer(options: SiteProducerOptions): SiteProducer {
  const prefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const sourceSystem = options.sourceSystem ?? 'sdk';
  const registry = options.registry ?? { url: options.registryUrl };
  const encoder = createSiteEventEncoder({
    siteId: options.siteId,
    sourceSystem,
    topicPrefix: prefix,
    ids: options.registerSchemas ? registry : lookupOnly(registry),
    catalog: options.catalog,
    codec: options.codec,
  });
  const topic = encoder.topic;
  const log = eventLogger(options.logger ?? silentLogger(), SOURCE_LOG_EVENTS);
  const choice = chooseKafkaClient('sdk', options.client ?? 'auto', { logger: options.logger });
  const producer: AckedProducer = ackedProducerFor(choice, {
    clientId: options.clientId ?? `site-${options.siteId}-sdk`,
    connection: {
      brokers: options.brokers,
      sasl: options.sasl,
      ...(options.ssl ? { ssl: options.ssl } : {}),
    },
    logger: options.logger,
  });

  async function publish<T extends EventTypeName>(
    eventType: T,
    body: EventBody<T>,
    opts: PublishOptions = {},
  ): Promise<PublishResult> {
    const encoded = await encoder.encode(eventType, body as Record<string, unknown>, {
      eventId: opts.eventId,
      occurredAt: opts.occurredAt ?? new Date(),
      correlationId: opts.correlationId,
      causationId: opts.causationId,
      traceparent: opts.traceparent,
    });
    const [meta] = await producer.send([{ topic, messages: [encoded.message] }]);
    const result: PublishResult = {
      eventId: encoded.eventId,
      key: encoded.key,
      topic,
      partition: meta?.partition ?? -1,
      offset: meta?.baseOffset ?? '',
    };
    log.emit('sources.sdk_event_published', {
      eventId: encoded.eventId,
      correlationId: encoded.correlationId,
      eventType,
      siteId: options.siteId,
      topic,
      partition: result.partition,
      offset: result.offset,
    });
    return result;
  }

  const events = Object.fromEntries(
    (Object.keys(EVENT_SUBJECTS) as EventTypeName[]).map((t) => [
      t,
      (body: never, o?: PublishOptions) => publish(t, body, o),
    ]),
  ) as unknown as TypedPublishers;

  return {
    siteId: options.siteId,
    topic,
    client: producer.client,
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    publish,
    events,
  };
}
