import { Command } from 'commander';
import { isCrossdockError } from '../../core/errors';
import type { FlowInstance, FlowReader, FlowSummary, OverdueInstance } from '../../flows';
import { connect, type AdminClient } from '../admin-client';
import { DEFAULT_CONFIG } from '../defaults';
import { output } from '../output';

const HUB_HELP =
  "read through this hub's admin API (role viewer; token from CROSSDOCK_ADMIN_TOKEN, else the run file's local token). Without --hub and --config: the API of the hub running on this machine, else Redis with the default configuration";

/**
 * `crossdock flows …`: the business flows the flow tracker follows (docs/flows.md).
 * `flows rebuild` forgets the tracker's state (its consumer group's offsets and the flow keys of
 * this hub's Redis prefix) so the next tracker to start reads the topics again from their start.
 * It requires the tracker to be stopped: its consumer group must have no member, else
 * CD_E_FLOWS_TRACKER_RUNNING (exit 3) and nothing changes.
 * `flows list` and `flows show` read through the admin API of a running hub (--hub, or the hub of
 * this machine's run file when no --config is given), else Redis directly with --config.
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
  cmd.addCommand(
    new Command('list')
      .description('each configured flow with its open and overdue instances, then the longest overdue ones')
      .option('--config <file>', 'hub configuration (YAML): read Redis directly with it', DEFAULT_CONFIG)
      .option('--hub <url>', HUB_HELP)
      .option('--limit <n>', 'overdue instances to list', '20')
      .option(
        '--json',
        'print the flows (flow, open, overdue) and the overdue instances (flow, key, siteId, step, stepIndex, dueAt, alertId) as JSON',
      )
      .action(
        async (opts: { config: string; hub?: string; limit: string; json?: boolean }, command: Command) => {
          await withReader(opts, command, async (reader) => {
            const limit = Math.max(0, Math.floor(Number(opts.limit)) || 0);
            const flows = await reader.summary();
            const overdue = limit > 0 ? await reader.listOverdue(limit) : [];
            output(Boolean(opts.json)).result({ flows, overdue }, () =>
              [
                ...(flows.length === 0 ? ['no flows are configured (flows: in the hub configuration)'] : []),
                ...flows.map((f) => `${f.flow}: ${f.open} open, ${f.overdue} overdue`),
                ...(overdue.length > 0 ? ['', 'overdue (longest first):'] : []),
                ...overdue.map(
                  (o) =>
                    `  ${o.flow} ${o.key} (${o.siteId}): ${o.step} due ${new Date(o.dueAt).toISOString()}`,
                ),
              ].join('\n'),
            );
          });
        },
      ),
  );
  cmd.addCommand(
    new Command('show')
      .description('one flow instance: its steps, their times and deadlines, and the alerts raised')
      .argument('<flow>', 'the flow name')
      .argument('<key>', "the instance's key (correlation id or the flow's key field)")
      .option('--config <file>', 'hub configuration (YAML): read Redis directly with it', DEFAULT_CONFIG)
      .option('--hub <url>', HUB_HELP)
      .option('--json', 'print the instance (flows/contract.ts FlowInstance)')
      .action(
        async (
          flow: string,
          key: string,
          opts: { config: string; hub?: string; json?: boolean },
          command: Command,
        ) => {
          await withReader(opts, command, async (reader) => {
            const inst = await reader.getInstance(flow, key);
            const time = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());
            output(Boolean(opts.json)).result(inst, () =>
              [
                `${inst.flow} ${inst.key} (site ${inst.siteId}): ${inst.complete ? 'complete' : 'open'}, started ${time(inst.startedAt)}`,
                ...inst.steps.map(
                  (s, i) =>
                    `  ${i} ${s.eventType}: ${s.eventId ? `${time(s.at)}${s.late ? ' LATE' : ''} (${s.eventId})` : 'missing'}${s.dueAt !== undefined ? `, due ${time(s.dueAt)}` : ''}`,
                ),
                `  alerts: ${inst.alerts.length > 0 ? inst.alerts.join(', ') : 'none'}`,
              ].join('\n'),
            );
          });
        },
      ),
  );
  return cmd;
}

/**
 * Runs `fn` with the flow engine's reader: through the admin API (GET /flows, /flows/overdue,
 * /flows/{flow}/{key}, role viewer) when --hub names one, or when no --config is given and a hub
 * runs on this machine (its run file); else on the hub's Redis, read directly with the
 * configuration (--config, or the default file).
 */
async function withReader(
  opts: { config: string; hub?: string },
  command: Command,
  fn: (reader: FlowReader) => Promise<void>,
): Promise<void> {
  if (opts.hub !== undefined) return fn(apiReader(connect(opts.hub)));
  if (command.getOptionValueSource('config') !== 'cli') {
    try {
      return await fn(apiReader(connect(undefined)));
    } catch (err) {
      // No hub runs here (no run file, or its API does not answer): read Redis as before.
      if (!isCrossdockError(err) || err.code !== 'CD_E_HUB_NOT_RUNNING') throw err;
    }
  }
  // Loaded when run, so `crossdock --help` stays fast (the CLI loading rule).
  const { loadConfig } = require('../../hub') as typeof import('../../hub');
  const { currentEndpoints } = require('../../stack') as typeof import('../../stack');
  const { createRedis } = require('../../core/redis') as typeof import('../../core/redis');
  const { resolveRedisPrefix } =
    require('../../core/names/redis-keys') as typeof import('../../core/names/redis-keys');
  const { createFlowReader, createFlowStore } = require('../../flows') as typeof import('../../flows');
  const config = loadConfig(opts.config);
  const redis = createRedis({ connection: currentEndpoints().redis, name: 'crossdock-flows' });
  try {
    const store = createFlowStore({
      redis,
      redisPrefix: resolveRedisPrefix({ topicPrefix: config.hub.topicPrefix }),
    });
    await fn(createFlowReader({ store, flows: () => config.flows, sites: () => config.siteById }));
  } finally {
    redis.disconnect();
  }
}

/** The admin API's most overdue instances in one answer (dlq/api/schemas.ts OVERDUE_QUERY). */
const API_OVERDUE_MAX = 1000;

/** The flow reader's three reads, through the admin API. */
function apiReader(client: AdminClient): FlowReader {
  return {
    summary: async () => (await client.get<{ flows: FlowSummary[] }>('/flows')).flows,
    listOverdue: async (limit) =>
      (
        await client.get<{ items: OverdueInstance[] }>('/flows/overdue', {
          limit: Math.min(limit, API_OVERDUE_MAX),
        })
      ).items,
    getInstance: (flow, key) =>
      client.get<FlowInstance>(`/flows/${encodeURIComponent(flow)}/${encodeURIComponent(key)}`),
  };
}
