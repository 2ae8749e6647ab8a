import { Command } from 'commander';
import { DEFAULT_CONFIG } from '../defaults';
import { output } from '../output';

/**
 * `crossdock flows …`: the business flows the flow tracker follows (docs/flows.md).
 * `flows rebuild` forgets the tracker's state (its consumer group's offsets and the flow keys of
 * this hub's Redis prefix) so the next tracker to start reads the topics again from their start.
 * It requires the tracker to be stopped: its consumer group must have no member, else
 * CD_E_FLOWS_TRACKER_RUNNING (exit 3) and nothing changes.
 */
export function flowsCommand(_setExit: (code: number) => void): Command {
  const cmd = new Command('flows').description(
    'business flows: instances, deadlines and alerts of the flow tracker (docs/flows.md)',
  );
  cmd.addCommand(
    new Command('rebuild')
      .description(
        "forget the flow tracker's state (its group's offsets, flow instances and scorecards in Redis) so that the next `crossdock start` reads the topics again from their start; the hub must be stopped",
      )
      .option('--config <file>', 'hub configuration (YAML)', DEFAULT_CONFIG)
      .option('--json', 'print {group, groupDeleted, keysDeleted}')
      .addHelpText(
        'after',
        [
          '',
          'Stop every `crossdock start` of the hub first: a running tracker (its consumer group has members)',
          'is refused with CD_E_FLOWS_TRACKER_RUNNING. What the topics no longer hold is not rebuilt.',
        ].join('\n'),
      )
      .action(async (opts: { config: string; json?: boolean }) => {
        // Loaded when run, so `crossdock --help` stays fast (the CLI loading rule).
        const { loadConfig } = require('../../hub') as typeof import('../../hub');
        const { currentEndpoints } = require('../../stack') as typeof import('../../stack');
        const { createKafka } = require('../../core/kafka') as typeof import('../../core/kafka');
        const { createRedis } = require('../../core/redis') as typeof import('../../core/redis');
        const { resolveRedisPrefix } =
          require('../../core/names/redis-keys') as typeof import('../../core/names/redis-keys');
        const { topics } = require('../../core/names/topics') as typeof import('../../core/names/topics');
        const { rebuildFlowState } = require('../../flows') as typeof import('../../flows');
        const config = loadConfig(opts.config);
        const endpoints = currentEndpoints();
        const admin = createKafka({
          clientId: 'crossdock-flows-rebuild',
          connection: endpoints.kafka,
        }).admin();
        const redis = createRedis({ connection: endpoints.redis, name: 'crossdock-flows-rebuild' });
        try {
          await admin.connect();
          const res = await rebuildFlowState({
            admin,
            redis,
            redisPrefix: resolveRedisPrefix({ topicPrefix: config.hub.topicPrefix }),
            topics: topics(config),
          });
          output(Boolean(opts.json)).result(res, () =>
            [
              `flow tracker state forgotten: ${res.keysDeleted} Redis key(s) deleted, group ${res.group} ${
                res.groupDeleted ? 'deleted' : 'had no offsets'
              }`,
              'the next `crossdock start` reads the ingress topics and the dead letters from their start',
            ].join('\n'),
          );
        } finally {
          await admin.disconnect().catch(() => undefined);
          redis.disconnect();
        }
      }),
  );
  return cmd;
}
