import { Command } from 'commander';
import { CrossdockError, isCrossdockError } from '../../core/errors';
import type { EventTrace } from '../../dlq';
import { adminOptions, connect, usageAware } from '../admin-client';
import { DEFAULT_CONFIG } from '../defaults';
import { EXIT, output, reportUsageError } from '../output';

/**
 * `crossdock events …`: single events as they move through a running hub. Each subcommand is
 * added by its own function below (`trace` through the admin API; `tail` straight from Kafka).
 */
export function eventsCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('events').description(
    'single events in a running hub: where one is, and what flows',
  );
  cmd.addCommand(traceCommand(setExit));
  cmd.addCommand(tailCommand(setExit));
  return cmd;
}

/** `crossdock events trace <eventId>`: GET /api/v1/events/{eventId}/trace of the admin API. */
export function traceCommand(setExit: (code: number) => void): Command {
  return adminOptions(
    new Command('trace')
      .description(
        'where one event is: accepted (site, time), routed (subscribers, routes), per subscriber delivered / in retry / parked / dead-lettered / replayed. Exit 1 when the hub knows nothing of it',
      )
      .argument('<eventId>', 'the eventId (metadata.eventId, the ce_id header)'),
  ).action(
    usageAware(setExit, async (eventId: string, opts: { hub?: string; json?: boolean }) => {
      const trace = await connect(opts.hub).get<EventTrace>(`/events/${encodeURIComponent(eventId)}/trace`);
      output(Boolean(opts.json)).result(trace, () => formatTrace(trace));
      if (!known(trace)) setExit(EXIT.PROBLEMS);
    }),
  );
}

function known(t: EventTrace): boolean {
  return Boolean(t.accepted || t.routed?.length || t.rejected?.length || t.subscribers.length);
}

/** The human text of a trace (dlq/trace-text.ts describeTrace), or why there is none. */
export function formatTrace(t: EventTrace): string {
  if (!known(t))
    return `event ${t.eventId}: no trace (the router has not seen it: a wrong id, not published yet, or older than what the hub keeps)`;
  const { describeTrace } = require('../../dlq') as typeof import('../../dlq');
  return describeTrace(t);
}

interface TailFlags {
  config?: string;
  decode?: boolean;
  showPersonal?: boolean;
  hub?: string;
  fromBeginning?: boolean;
  limit?: string;
  json?: boolean;
}

/**
 * `crossdock events tail <topic or subscriber>`: prints the records of one topic as they arrive,
 * from Kafka directly (cli/tail.ts). A subscriber id means its deliver topic.
 */
export function tailCommand(setExit: (code: number) => void): Command {
  return new Command('tail')
    .description(
      'print the records of a topic as they arrive (read_committed): topic, partition/offset, time, key, the ce_* and cd-* headers; with --decode the event through the registry, personal fields masked. Ctrl-C stops',
    )
    .argument(
      '<topic-or-subscriber>',
      'a subscriber id (its deliver topic is tailed) or a topic name as it is (e.g. <prefix>.ingress.<site>, <prefix>.dlq.router)',
    )
    .option(
      '--config <file>',
      "hub configuration (YAML) for the topic prefix and the subscribers (default: the running hub's, else examples/hub.yaml)",
    )
    .option('--decode', 'decode each event through the schema registry (personal fields masked)')
    .option(
      '--show-personal',
      "with --decode: show personal fields unmasked (needs the admin role: the admin API is asked first with CROSSDOCK_ADMIN_TOKEN, else the run file's local token)",
    )
    .option(
      '--hub <url>',
      "with --show-personal: the admin API's address (default: the run file of the hub started with this CROSSDOCK_HOME)",
    )
    .option(
      '--from-beginning',
      'start at the beginning of the topic (default: only what arrives from now on)',
    )
    .option('--limit <n>', 'stop after n records')
    .option('--json', 'one JSON object per record on stdout (NDJSON)')
    .action(async (name: string, opts: TailFlags) => {
      try {
        await runTail(name, opts);
      } catch (err) {
        if (isCrossdockError(err) && (err.code === 'CD_E_USAGE' || err.code === 'CD_E_TAIL_UNKNOWN_TARGET')) {
          setExit(reportUsageError(err, Boolean(opts.json)));
          return;
        }
        throw err;
      }
    });
}

async function runTail(name: string, opts: TailFlags): Promise<void> {
  const { createKafka, existingTopics } = require('../../core/kafka') as typeof import('../../core/kafka');
  const { createSchemaResolver } = require('../../core/registry') as typeof import('../../core/registry');
  const { loadConfig, readRunFile } = require('../../hub') as typeof import('../../hub');
  const { loadCatalog } = require('../../schemas') as typeof import('../../schemas');
  const { currentEndpoints, stackPaths } = require('../../stack') as typeof import('../../stack');
  const { formatTailRecord, resolveTailTarget, tailTopic } = require('../tail') as typeof import('../tail');
  let limit: number | undefined;
  if (opts.limit !== undefined) {
    limit = Number(opts.limit);
    if (!/^\d+$/.test(opts.limit) || limit < 1)
      throw new CrossdockError(
        'CD_E_USAGE',
        `--limit ${opts.limit}: give a whole number of records, at least 1`,
      );
  }
  if (opts.showPersonal && !opts.decode)
    throw new CrossdockError('CD_E_USAGE', '--show-personal only applies with --decode');
  const configFile = opts.config ?? readRunFile(stackPaths().home)?.configFile ?? DEFAULT_CONFIG;
  const config = loadConfig(configFile);
  const endpoints = currentEndpoints();
  const kafka = createKafka({ clientId: 'crossdock-events-tail', connection: endpoints.kafka });
  const target = resolveTailTarget(name, config, await existingTopics(kafka));
  // Kafka is read directly, around the admin API: unmasked only for an admin's token (audited).
  if (opts.showPersonal) {
    const { connect } = require('../admin-client') as typeof import('../admin-client');
    await connect(opts.hub).get('/events/tail-personal', { topic: target.topic });
  }
  const catalog = loadCatalog();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const err = process.stderr;
  try {
    const { records } = await tailTopic({
      kafka,
      topic: target.topic,
      fromBeginning: Boolean(opts.fromBeginning),
      ...(limit !== undefined ? { limit } : {}),
      ...(opts.decode
        ? {
            decode: {
              resolver: createSchemaResolver(endpoints.registry),
              catalog: () => catalog,
              showPersonal: Boolean(opts.showPersonal),
            },
          }
        : {}),
      signal: stop.signal,
      onReady: (partitions) =>
        err.write(
          `tailing ${target.topic}${target.subscriber ? ` (subscriber ${target.subscriber})` : ''}, partitions ${partitions.join(',') || 'none'}, ${opts.fromBeginning ? 'from the beginning' : 'from now on'}${limit !== undefined ? `, ${limit} records at most` : ''}; Ctrl-C stops\n`,
        ),
      onRecord: (r) =>
        process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `${formatTailRecord(r)}\n`),
    });
    err.write(`${records} record${records === 1 ? '' : 's'}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
