import { Command } from 'commander';
import { port } from '../arguments';
import { CrossdockError } from '../../core/errors';
import { output } from '../output';

/**
 * `crossdock connector <subscriberId> --config <file>`: one subscriber's sink connector (more
 * instances share its partitions and its Redis state). With --release-key, lets a business key
 * held after its head was dead-lettered (ordering.onDeadLetter: hold) go on, and exits.
 */
export function connectorCommand(_setExit: (code: number) => void): Command {
  return new Command('connector')
    .description(
      "run one subscriber's sink connector: deliver <prefix>.deliver.<id> with retries, idempotency, ordering, breaker and dead letters",
    )
    .argument('<subscriberId>', 'a subscriber id of the configuration')
    .requiredOption('--config <file>', 'hub configuration (YAML)')
    .option(
      '--health-port <port>',
      'port of /healthz, /readyz, /metrics (default: hub.health.port; 0 = any)',
      port,
    )
    .option(
      '--release-key <key>',
      'release a held business key of this subscriber, print how many events it had waiting, and exit',
    )
    .option('--json', 'machine-readable output (with --release-key)')
    .action(
      async (
        subscriberId: string,
        opts: { config: string; healthPort?: string; releaseKey?: string; json?: boolean },
      ) => {
        const { createRedis, redisReady } = require('../../core/redis') as typeof import('../../core/redis');
        const { systemClock } = require('../../core/clock') as typeof import('../../core/clock');
        const { currentEndpoints } = require('../../stack') as typeof import('../../stack');
        const { sinkConnectorComponent, subscriberDeliveryKeys, replicaAckOf } =
          require('../../connectors/sinks') as typeof import('../../connectors/sinks');
        const { createDeliveryState } = require('../../retry') as typeof import('../../retry');
        const { loadConfig, prepareRoleProcess, runComponents } =
          require('../../hub') as typeof import('../../hub');
        const config = loadConfig(opts.config);
        const subscriber = config.subscriberById[subscriberId];
        if (!subscriber) {
          throw new CrossdockError(
            'CD_E_DELIVERY_UNKNOWN_SUBSCRIBER',
            `${opts.config} has no subscriber "${subscriberId}" (it has: ${config.subscribers.map((s) => s.id).join(', ')})`,
            {
              details: { subscriberId },
            },
          );
        }
        const endpoints = currentEndpoints();
        if (opts.releaseKey !== undefined) {
          const redis = createRedis({
            connection: endpoints.redis,
            name: 'crossdock-release-key',
            failFast: true,
          });
          try {
            await redisReady(redis, endpoints.redisUrl);
            const state = createDeliveryState({
              redis,
              // The running connector's keys, derived by the same function from the same prefix.
              keys: subscriberDeliveryKeys(subscriberId, { topicPrefix: config.hub.topicPrefix }),
              clock: systemClock,
              owner: 'cli',
            });
            const waiting = await state.releaseHeld(opts.releaseKey);
            output(Boolean(opts.json)).result(
              { subscriberId, key: opts.releaseKey, waiting },
              () =>
                `Released key ${opts.releaseKey} of ${subscriberId}: ${waiting} event(s) resume in order.`,
            );
          } finally {
            redis.disconnect();
          }
          return;
        }
        const { logger, health } = await prepareRoleProcess(config, {
          service: 'crossdock-connector',
          bindings: { subscriber: subscriberId },
          endpoints,
          ...(opts.healthPort !== undefined ? { healthPort: opts.healthPort } : {}),
        });
        const component = sinkConnectorComponent(
          subscriber,
          { endpoints, logger, health },
          {
            topicPrefix: config.hub.topicPrefix,
            createTopics: config.hub.topics,
            replicaAck: replicaAckOf(config.redis),
            client: config.hub.kafka.clients.connectors,
          },
        );
        await runComponents([component], () => health.close(), logger, health);
      },
    );
}
