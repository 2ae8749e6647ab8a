import type { ComponentDeps, HubComponent } from '../core/component';
import type { HubConfig } from '../core/config';
import { createKafka } from '../core/kafka';
import { resolveRedisPrefix } from '../core/names/redis-keys';
import { topics } from '../core/names/topics';
import { createRedis } from '../core/redis';
import { createSchemaResolver } from '../core/registry';
import { loadCatalog } from '../schemas';
import { createIndexer } from './indexer';
import { dlqLog } from './log-events';
import { dlqMetrics } from './metrics';
import { reindex, type ReindexResult } from './reindex';
import { schemaVersionLookup } from './schema-versions';
import { createStateLog } from './state-log';
import { createDeadLetterStore } from './store';
import type { DeadLetterStore, Tracer } from './contract';
import { createTracer } from './trace';

/**
 * The dead-letter index as `crossdock start` runs it: the indexer component, and the services the
 * admin API works with (the store, writing operators' changes to `<prefix>.dlq.state` first, and
 * reindex). Each makes its own Kafka and Redis clients from the endpoints and closes them on stop.
 */
export interface DlqContext extends ComponentDeps {
  /** The configuration in force (read again at each use: deadLetters changes while running). */
  config: () => HubConfig;
  /** Tests keep apart with their own Redis prefix. @defaultValue derived from hub.topicPrefix */
  redisPrefix?: string;
}

function prefixOf(ctx: DlqContext): string {
  return resolveRedisPrefix({ topicPrefix: ctx.config().hub.topicPrefix, redisPrefix: ctx.redisPrefix });
}

export function dlqIndexerComponent(ctx: DlqContext): HubComponent {
  const config = ctx.config();
  const names = topics(config);
  const logger = ctx.logger.child({ component: 'dlq-indexer' });
  const kafka = createKafka({
    clientId: 'crossdock-dlq-indexer',
    connection: ctx.endpoints.kafka,
    logger,
  });
  const redis = createRedis({ connection: ctx.endpoints.redis, name: 'crossdock-dlq-indexer' });
  const store = createDeadLetterStore({ redis, redisPrefix: prefixOf(ctx) });
  const metrics = dlqMetrics(ctx.health.metrics, () => store.summary(Date.now()));
  const indexer = createIndexer({
    kafka,
    groupId: names.dlqIndexerGroup,
    dlqTopics: [names.dlqRouter, ...config.subscribers.map((s) => names.dlqDeliver(s.id))],
    store,
    topics: names,
    schemaVersionOf: schemaVersionLookup(createSchemaResolver(ctx.endpoints.registry), loadCatalog),
    settings: () => ctx.config().deadLetters,
    now: Date.now,
    log: dlqLog(logger),
    metrics,
  });
  ctx.health.addReadiness('dlq-indexer', () => indexer.ready);
  let stopped = false;
  return {
    name: indexer.name,
    start: () => indexer.start(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await indexer.stop();
      ctx.health.removeReadiness('dlq-indexer');
      redis.disconnect();
    },
  };
}

/**
 * The index for operators: the store (changes go to `<prefix>.dlq.state` first), reindex, and the
 * tracer of one event (`events trace`: the router's mark, this store, the delivery state).
 */
export interface DlqServices {
  store: DeadLetterStore;
  tracer: Tracer;
  reindex(onProgress?: (phase: 'states' | 'letters', read: number) => void): Promise<ReindexResult>;
  close(): Promise<void>;
}

export function createDlqServices(ctx: DlqContext): DlqServices {
  const names = topics(ctx.config());
  const logger = ctx.logger.child({ component: 'dlq' });
  const kafka = createKafka({ clientId: 'crossdock-dlq', connection: ctx.endpoints.kafka, logger });
  const redis = createRedis({ connection: ctx.endpoints.redis, name: 'crossdock-dlq' });
  const stateLog = createStateLog(kafka, names.dlqState);
  const store = createDeadLetterStore({ redis, redisPrefix: prefixOf(ctx), stateLog });
  const schemaVersionOf = schemaVersionLookup(createSchemaResolver(ctx.endpoints.registry), loadCatalog);
  const log = dlqLog(logger);
  return {
    store,
    tracer: createTracer({ redis, redisPrefix: prefixOf(ctx), config: ctx.config, store }),
    async reindex(onProgress) {
      const result = await reindex({
        kafka,
        stateLog,
        store,
        topics: names,
        schemaVersionOf,
        settings: () => ctx.config().deadLetters,
        now: Date.now,
        ...(onProgress ? { onProgress } : {}),
      });
      log.emit('dlq.reindexed', { letters: result.letters, states: result.states, ms: result.ms });
      return result;
    },
    async close() {
      await stateLog.close();
      redis.disconnect();
    },
  };
}
