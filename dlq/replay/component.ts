import crypto from 'node:crypto';
import os from 'node:os';
import type { Kafka, Producer } from 'kafkajs';
import { systemClock } from '../../core/clock';
import type { ComponentDeps, HubComponent } from '../../core/component';
import type { HubConfig } from '../../core/config';
import { createKafka } from '../../core/kafka';
import { resolveRedisPrefix } from '../../core/names/redis-keys';
import { topics as hubTopics } from '../../core/names/topics';
import { createRedis, type Redis } from '../../core/redis';
import { createSchemaResolver } from '../../core/registry';
import { followCatalog, loadCatalog, type CatalogEntry, type CatalogFollower } from '../../schemas';
import type { DeadLetterStore } from '../contract';
import { createStateLog, type StateLog } from '../state-log';
import { createDeadLetterStore } from '../store';
import { ReplayRunner, type ReplayRunnerOptions } from './runner';

export interface ReplayRunnerComponentOptions extends ComponentDeps {
  config: HubConfig;
  /**
   * The dead-letter index over the component's Redis client and Kafka client.
   * @defaultValue dlq/store.ts over `redisPrefix`, writing state changes to `<prefix>.dlq.state` first
   */
  store?: (redis: Redis, redisPrefix: string, kafka: Kafka) => DeadLetterStore;
  /** Prefix of every Redis key (tests keep apart with it). @defaultValue derived from hub.topicPrefix */
  redisPrefix?: string;
  /** Catalog used while nobody published one to `<prefix>.catalog`. @defaultValue schemas/ */
  catalog?: readonly CatalogEntry[];
  /** Lease owner name of this process. @defaultValue `replay-<host>-<pid>-<random>` */
  instanceId?: string;
  /** See ReplayRunnerOptions. */
  leaseMs?: number;
  pollMs?: number;
  afterSend?: ReplayRunnerOptions['afterSend'];
}

export interface ReplayRunnerComponent extends HubComponent {
  /** Takes a new configuration (subscribers, routes, rules, deadLetters) for the items from now on. */
  reconfigure(next: HubConfig): Promise<void>;
  /** The runner, once started (tests look at it). */
  readonly runner: ReplayRunner | undefined;
}

/**
 * The replay job runner as a HubComponent (`crossdock start` runs one; hub/components.ts): its own
 * Redis connection, an idempotent Kafka producer, a registry resolver, a follower of the published
 * catalog (the router's checks of a router dead letter run against the catalog in force) and the
 * dead-letter index (dlq/store.ts, whose state changes go to `<prefix>.dlq.state` first, so a
 * reindex restores `replayed`), all closed on stop.
 */
export function replayRunnerComponent(options: ReplayRunnerComponentOptions): ReplayRunnerComponent {
  let config = options.config;
  const redisPrefix = resolveRedisPrefix({
    topicPrefix: config.hub.topicPrefix,
    redisPrefix: options.redisPrefix,
  });
  const instanceId =
    options.instanceId ?? `replay-${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
  const logger = options.logger.child({ component: 'dlq-replay' });
  let runner: ReplayRunner | undefined;
  let redis: Redis | undefined;
  let producer: Producer | undefined;
  let follower: CatalogFollower | undefined;
  let stateLog: StateLog | undefined;
  let stopping: Promise<void> | undefined;

  async function start(): Promise<void> {
    const kafka = createKafka({ clientId: instanceId, connection: options.endpoints.kafka, logger });
    redis = createRedis({ connection: options.endpoints.redis, name: instanceId });
    follower = followCatalog({
      kafka,
      topic: hubTopics(config).catalog,
      fallback: options.catalog ?? loadCatalog().entries,
      name: instanceId,
      logger,
    });
    await follower.start();
    // Idempotent: a send kafkajs retries is written once. acks all on every send.
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const shown = follower;
    runner = new ReplayRunner({
      redis,
      redisPrefix,
      store: options.store
        ? options.store(redis, redisPrefix, kafka)
        : createDeadLetterStore({
            redis,
            redisPrefix,
            stateLog: (stateLog = createStateLog(kafka, hubTopics(config).dlqState)),
          }),
      producer,
      config,
      resolver: createSchemaResolver(options.endpoints.registry),
      catalog: () => shown.current(),
      clock: systemClock,
      logger,
      instanceId,
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.afterSend ? { afterSend: options.afterSend } : {}),
    });
    runner.start();
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      await runner?.stop();
      await producer?.disconnect().catch(() => undefined);
      await follower?.stop().catch(() => undefined);
      await stateLog?.close().catch(() => undefined);
      redis?.disconnect();
    })();
    return stopping;
  }

  return {
    name: 'dlq-replay',
    start,
    stop,
    async reconfigure(next) {
      config = next;
      runner?.reconfigure(next);
    },
    get runner() {
      return runner;
    },
  };
}
