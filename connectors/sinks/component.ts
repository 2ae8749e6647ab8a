import type { ComponentDeps, HubComponent } from '../../core/component';
import { systemClock } from '../../core/clock';
import { createKafka } from '../../core/kafka';
import { chooseKafkaClient, committingFor, type KafkaClientSetting } from '../../core/kafka-client/choose';
import { createRedis, type Redis } from '../../core/redis';
import { countRegistryFailures, createSchemaResolver } from '../../core/registry';
import { createSinkConnector } from './connector';
import { subscriberRuntimeConfig, type SubscriberSection } from './runtime-config';

/**
 * Every delivery makes two script calls (admit, finish); with many deliveries in flight,
 * ioredis's auto-pipelining sends the calls of one tick in one write, which roughly halves the
 * connector's syscalls (bench/delivery). core/redis.ts has no option for it, so it is set
 * on this client only (ioredis reads the option per command).
 */
export function enableAutoPipelining(redis: Redis): void {
  (redis.options as { enableAutoPipelining?: boolean }).enableAutoPipelining = true;
}

export interface SinkComponentOptions {
  /** Topic prefix (hub.topicPrefix). @defaultValue 'cd' */
  topicPrefix?: string;
  /** Create the deliver and dead-letter topics when missing (hub.topics). @defaultValue not created */
  createTopics?: { partitions: number; replicationFactor?: number };
  /** Redis WAIT after each finish (redis.waitReplicas, redis.waitTimeoutMs). @defaultValue none */
  replicaAck?: { replicas: number; timeoutMs: number };
  /** The deliver topic's consumer's client (hub.kafka.clients.connectors). @defaultValue 'auto' */
  client?: KafkaClientSetting;
  /** Where the client choice reads CROSSDOCK_KAFKA_NATIVE and CROSSDOCK_KAFKA_AUTO_CONNECTORS. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/** The connectors' WAIT after each finish from the `redis` section; none when waitReplicas is 0. */
export function replicaAckOf(redis: {
  waitReplicas?: number;
  waitTimeoutMs?: number;
}): { replicas: number; timeoutMs: number } | undefined {
  const replicas = redis.waitReplicas ?? 0;
  return replicas > 0 ? { replicas, timeoutMs: redis.waitTimeoutMs ?? 100 } : undefined;
}

/**
 * One subscriber's connector as a HubComponent (for `crossdock start` and `crossdock connector`):
 * makes its own Kafka, Redis and registry clients from the endpoints and closes them on stop.
 */
export function sinkConnectorComponent(
  subscriber: SubscriberSection,
  deps: ComponentDeps,
  options: SinkComponentOptions = {},
): HubComponent {
  const config = subscriberRuntimeConfig(subscriber, {
    topicPrefix: options.topicPrefix,
    createTopics: options.createTopics,
  });
  const logger = deps.logger.child({ component: `connector:${subscriber.id}` });
  const clientId = `crossdock-connector-${subscriber.id}`;
  const kafka = createKafka({ clientId, connection: deps.endpoints.kafka, logger });
  // Chosen now: an explicit librdkafka that cannot be loaded stops the connector before it starts.
  const choice = chooseKafkaClient('connectors', options.client ?? 'auto', {
    logger,
    ...(options.env ? { env: options.env } : {}),
  });
  const redis = createRedis({
    connection: deps.endpoints.redis,
    name: `crossdock-connector-${subscriber.id}`,
  });
  enableAutoPipelining(redis);
  const connector = createSinkConnector(config, {
    kafka,
    consumer: committingFor(choice, kafka, { clientId, connection: deps.endpoints.kafka, logger }),
    redis,
    logger,
    clock: systemClock,
    resolver: countRegistryFailures(
      createSchemaResolver(deps.endpoints.registry),
      deps.health.metrics,
      `connector:${subscriber.id}`,
    ),
    health: deps.health,
    ...(options.replicaAck ? { replicaAck: options.replicaAck } : {}),
  });
  let stopped = false;
  return {
    name: connector.name,
    start: () => connector.start(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await connector.stop();
      redis.disconnect();
    },
  };
}
