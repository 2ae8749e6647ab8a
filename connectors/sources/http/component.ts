import type { FastifyInstance } from 'fastify';
import type { AckedProducer } from '../../../core/kafka-client/producer';
import type { Clock } from '../../../core/clock';
import type { HubComponent } from '../../../core/component';
import type { HealthServer } from '../../../core/health';
import type { Logger } from '../../../core/logger';
import { resolveRedisPrefix } from '../../../core/names/redis-keys';
import type { Redis } from '../../../core/redis';
import type { EventCodec } from '../prepare';
import { createIngressPublisher, publisherStatus, type IngressPublisher } from '../publisher';
import type { IngestKey } from './auth';
import { buildIngestApp, IngestRoster, type HttpIngestSettings, type HttpIngestSite } from './server';
import { createIngestState } from './state';

export interface HttpIngestComponentSettings extends HttpIngestSettings {
  /** @defaultValue 8080 */
  port?: number;
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** Prefix of every Redis key (tests keep apart with it). @defaultValue derived from topicPrefix (core/names) */
  redisPrefix?: string;
  /** Longest wait for Kafka's acknowledgement before answering 503. @defaultValue 10000 */
  sendTimeoutMs?: number;
  /** Most events waiting for Kafka; past it, 503 CD_E_INGEST_BUSY. @defaultValue 10000 */
  maxQueuedEvents?: number;
  /** Most bytes waiting for Kafka; past it, 503 CD_E_INGEST_BUSY. @defaultValue 33554432 */
  maxQueuedBytes?: number;
}

export interface HttpIngestComponentDeps {
  /**
   * The acknowledged producer on the hub's internal listener (the ingest process writes for its
   * sites): kafkajs or librdkafka, hub.kafka.clients.ingest (core/kafka-client/choose.ts).
   */
  producer: AckedProducer;
  redis: Redis;
  codec: EventCodec;
  logger: Logger;
  clock?: Clock;
  health?: HealthServer;
}

export interface HttpIngestComponent extends HubComponent {
  /** The port it listens on (after start). */
  readonly port: number;
  readonly app: FastifyInstance | undefined;
  /** Its ingress publisher while started (stats, tests). */
  readonly publisher: IngressPublisher | undefined;
  /** Serves these sites and keys from the next request on, without a restart (a key rotation). */
  setRoster(sites: readonly HttpIngestSite[], keys: readonly IngestKey[]): void;
}

/** HTTP ingest as a HubComponent: the app, its publisher and a readiness check. */
export function createHttpIngest(
  settings: HttpIngestComponentSettings,
  deps: HttpIngestComponentDeps,
): HttpIngestComponent {
  let app: FastifyInstance | undefined;
  let publisher: IngressPublisher | undefined;
  let port = 0;
  const roster = new IngestRoster(settings.sites, settings.keys);
  return {
    name: 'http-ingest',
    setRoster: (sites, keys) => roster.set(sites, keys),
    get port() {
      return port;
    },
    get app() {
      return app;
    },
    get publisher() {
      return publisher;
    },
    async start() {
      publisher = createIngressPublisher({
        producer: deps.producer,
        logger: deps.logger,
        sendTimeoutMs: settings.sendTimeoutMs,
        maxQueuedEvents: settings.maxQueuedEvents,
        maxQueuedBytes: settings.maxQueuedBytes,
      });
      await publisher.start();
      app = await buildIngestApp(settings, {
        publisher,
        codec: deps.codec,
        state: createIngestState(deps.redis, resolveRedisPrefix(settings)),
        roster,
        logger: deps.logger,
        clock: deps.clock,
        metrics: deps.health?.metrics,
      });
      const p = publisher;
      deps.health?.addReadiness('http-ingest', () => p.ready());
      deps.health?.addStatus('components', 'http-ingest', () => publisherStatus(p));
      await app.listen({ port: settings.port ?? 8080, host: settings.host ?? '127.0.0.1' });
      const addr = app.server.address();
      port = typeof addr === 'object' && addr ? addr.port : 0;
    },
    async stop() {
      const a = app;
      app = undefined;
      await a?.close();
      await publisher?.stop();
      publisher = undefined;
    },
  };
}
