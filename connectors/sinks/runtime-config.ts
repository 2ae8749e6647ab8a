import type { Kafka } from 'kafkajs';
import type { Clock } from '../../core/clock';
import type { HealthServer } from '../../core/health';
import type { CommittingFactory } from '../../core/kafka-client/committing';
import type { Logger } from '../../core/logger';
import type { Redis } from '../../core/redis';
import type { SchemaResolver } from '../../core/registry';
import { deliveryKeys, resolveRedisPrefix, type DeliveryKeys } from '../../core/names/redis-keys';
import { DEFAULT_TOPIC_PREFIX } from '../../core/names/topics';
import { compileDeliverySettings, type DeliverySettings } from '../../retry';
import type { Sink } from './contract';
import { compileSinkSettings, type SinkSettings } from './settings';

/**
 * Everything one subscriber's connector needs from the configuration, defaults applied. The CLI
 * and `crossdock start` map the loaded HubConfig's subscriber onto it (subscriberRuntimeConfig).
 */
export interface SubscriberRuntimeConfig {
  id: string;
  /** Topic prefix. @defaultValue 'cd' */
  topicPrefix: string;
  sink: SinkSettings;
  delivery: DeliverySettings;
  consumer: {
    /** @defaultValue `<prefix>-connector-<id>` */
    groupId: string;
  } & ConsumerTuning;
  /**
   * Create the deliver and dead-letter topics at start when missing (a standalone connector on a
   * fresh cluster); undefined = expect them to exist (`crossdock start` creates them). @defaultValue undefined
   */
  createTopics?: { partitions: number; replicationFactor?: number };
  /** Prefix of every Redis key (tests keep apart with it). @defaultValue derived from topicPrefix (core/names) */
  redisPrefix: string;
}

/**
 * How the connector's Kafka consumer runs. Not part of the hub configuration file (operators tune
 * delivery through the `delivery` section); callers may override each through
 * subscriberRuntimeConfig's options.
 */
export interface ConsumerTuning {
  /** Partitions delivered at the same time by one instance. @defaultValue CONSUMER_DEFAULTS */
  partitionsConsumedConcurrently: number;
  /** Longest a fetch waits for data (ms). @defaultValue CONSUMER_DEFAULTS */
  maxWaitTimeInMs: number;
  /**
   * Settled offsets are committed at most this often (not after every batch, which would put a
   * commit round trip between every two fetches). A crash re-reads at most this much, and the
   * idempotency records skip it. @defaultValue CONSUMER_DEFAULTS
   */
  commitIntervalMs: number;
  /**
   * The consumer fetches the next batches while these are being delivered; it waits only while
   * more than this many fetched events are unsettled (memory bound: about this many events).
   * @defaultValue CONSUMER_DEFAULTS
   */
  maxBufferedEvents: number;
}

/** The consumer's defaults, written once (the options of subscriberRuntimeConfig fall back to them). */
export const CONSUMER_DEFAULTS: Readonly<ConsumerTuning> = Object.freeze({
  partitionsConsumedConcurrently: 3,
  maxWaitTimeInMs: 100,
  commitIntervalMs: 1000,
  maxBufferedEvents: 2000,
});

/** Injected clients and services (the connector closes none of them; their owner does). */
export interface ConnectorDeps {
  kafka: Kafka;
  redis: Redis;
  logger: Logger;
  clock: Clock;
  /** Decodes events for JSON webhook bodies. */
  resolver?: SchemaResolver;
  /** Metrics go to its registry, readiness to its checks. */
  health?: HealthServer;
  /** Use this sink instead of building one from config.sink (tests, custom sinks). */
  sink?: Sink;
  /**
   * Makes the consumer of the deliver topic (core/kafka-client/committing.ts; committingFor picks
   * the client). @defaultValue kafkajs over `kafka`
   */
  consumer?: CommittingFactory;
  /** Kafka client for a kafka sink on another cluster (built from sink.brokers when absent). */
  sinkKafka?: Kafka;
  /** Random source for the jitter. @defaultValue Math.random */
  random?: () => number;
  /** Lease owner name; unique per process. @defaultValue `<hostname>:<pid>:<random>` */
  instanceId?: string;
  /**
   * Replicas each finish waits for (Redis WAIT; redis.waitReplicas, redis.waitTimeoutMs).
   * @defaultValue no WAIT
   */
  replicaAck?: { replicas: number; timeoutMs: number };
}

export interface SubscriberSection {
  id: string;
  sink: Readonly<Record<string, unknown>> & { kind: string };
  delivery?: Readonly<Record<string, unknown>>;
}

/** A subscriber section of the hub configuration → the connector's runtime config. */
export function subscriberRuntimeConfig(
  subscriber: SubscriberSection,
  options: Partial<ConsumerTuning> & {
    topicPrefix?: string;
    createTopics?: { partitions: number; replicationFactor?: number };
    groupId?: string;
    redisPrefix?: string;
    env?: NodeJS.ProcessEnv;
  } = {},
): SubscriberRuntimeConfig {
  const prefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const delivery = compileDeliverySettings(subscriber.delivery);
  return Object.freeze({
    id: subscriber.id,
    topicPrefix: prefix,
    sink: compileSinkSettings(
      subscriber.sink,
      subscriber.id,
      prefix,
      delivery.concurrency.perInstance,
      options.env,
    ),
    delivery,
    consumer: Object.freeze({
      groupId: options.groupId ?? `${prefix}-connector-${subscriber.id}`,
      partitionsConsumedConcurrently:
        options.partitionsConsumedConcurrently ?? CONSUMER_DEFAULTS.partitionsConsumedConcurrently,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? CONSUMER_DEFAULTS.maxWaitTimeInMs,
      commitIntervalMs: options.commitIntervalMs ?? CONSUMER_DEFAULTS.commitIntervalMs,
      maxBufferedEvents: options.maxBufferedEvents ?? CONSUMER_DEFAULTS.maxBufferedEvents,
    }),
    redisPrefix: resolveRedisPrefix({ topicPrefix: prefix, redisPrefix: options.redisPrefix }),
    ...(options.createTopics ? { createTopics: options.createTopics } : {}),
  });
}

/**
 * The Redis keys of one subscriber's delivery state. The running connector and `crossdock
 * connector <id> --release-key` both take them from here, so an operator edits the keys the
 * connector reads.
 */
export function subscriberDeliveryKeys(
  subscriberId: string,
  options: { topicPrefix?: string; redisPrefix?: string },
): DeliveryKeys {
  return deliveryKeys(resolveRedisPrefix(options), subscriberId);
}
