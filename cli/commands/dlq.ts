import { Command, Option } from 'commander';
import { wholeNumber } from '../arguments';
import type {
  DeadLetterGroup,
  DeadLetterPage,
  DeadLetterSelector,
  QueueSummary,
  ReplayJob,
  ReplayPrediction,
  ShownDeadLetter,
  WorkItem,
  WorkResult,
} from '../../dlq';
import { CrossdockError } from '../../core/errors';
import { adminOptions, connect, usageAware } from '../admin-client';
import { DEAD_LETTER_STATES } from '../defaults';
import {
  formatGroups,
  formatJob,
  formatJobs,
  formatPage,
  formatPredictions,
  formatQueue,
  formatShown,
  formatWork,
} from '../dlq-format';
import { EXIT, output } from '../output';
import { followJob, JOB_ENDED } from '../replay-follow';

/**
 * `crossdock dlq …`: dead-letter operations through the admin API of a running hub (the API is
 * the one place that checks roles and writes the audit trail). Selectors: ids
 * (`<topic>:<partition>:<offset>`, several) or filter flags, never both. Exit codes: 0 done,
 * 1 done with problems (letters refused, predictions that fail, a job that did not finish
 * cleanly), 2 usage, 3 could not (no hub, 401/403, not found).
 */

interface FilterFlags {
  subscriber?: string;
  site?: string;
  code?: string;
  type?: string;
  state?: string;
  group?: string;
  since?: string;
  until?: string;
}

interface Common {
  hub?: string;
  json?: boolean;
}

const TIME_HELP = 'ISO date or date-time, epoch ms, or a duration ago (30m, 2h, 7d)';

/** Adds the filter flags. */
function filterOptions(cmd: Command): Command {
  return cmd
    .option('--subscriber <id>', 'the subscriber that failed')
    .option('--site <id>', 'the site the event came from')
    .option('--code <code>', 'error code (CD_E_…)')
    .option('--type <eventType>', 'event type')
    .addOption(new Option('--state <state>', 'work state').choices([...DEAD_LETTER_STATES]))
    .option('--group <group>', 'incident group (from `crossdock dlq groups`)')
    .option('--since <time>', `last failure at or after: ${TIME_HELP}`)
    .option('--until <time>', `last failure at or before: ${TIME_HELP}`);
}

function filterInput(f: FilterFlags) {
  return {
    subscriber: f.subscriber,
    site: f.site,
    code: f.code,
    eventType: f.type,
    state: f.state,
    group: f.group,
    since: f.since,
    until: f.until,
  };
}

const hasFilter = (f: FilterFlags) => Object.values(filterInput(f)).some((v) => v !== undefined);

/** The selector of ids and filter flags (checked here, before any request). */
function selectorOf(ids: string[], f: FilterFlags): DeadLetterSelector {
  if (ids.length && hasFilter(f))
    throw new CrossdockError('CD_E_DLQ_SELECTOR_INVALID', 'selector: give ids or filter flags, not both');
  const { parseSelector } = require('../../dlq') as typeof import('../../dlq');
  const selector = parseSelector(
    ids.length ? { ids } : hasFilter(f) ? { filter: filterInput(f) } : {},
    'selector',
  );
  // Times travel as epoch ms: what the filter means does not depend on the hub's clock.
  return selector;
}

/** A command taking a selector: `[ids...]` and the filter flags, --hub and --json. */
function selectorCommand(name: string, description: string): Command {
  return adminOptions(
    filterOptions(
      new Command(name)
        .description(description)
        .argument('[ids...]', 'dead-letter ids <topic>:<partition>:<offset> (or use the filter flags)'),
    ),
  );
}

export function dlqCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('dlq').description(
    'dead letters of a running hub: find, group, explain, claim, replay, discard (through its admin API; roles and audit apply)',
  );

  cmd.addCommand(
    adminOptions(
      filterOptions(
        new Command('list')
          .description('dead letters matching the filters, newest last failure first')
          .option('--limit <n>', 'page size (1-1000)', wholeNumber(1, 1000), '50')
          .option('--cursor <cursor>', 'the next page (as the previous page printed it)'),
      ),
    ).action(
      usageAware(setExit, async (opts: FilterFlags & Common & { limit: string; cursor?: string }) => {
        const { parseFilter } = require('../../dlq') as typeof import('../../dlq');
        const filter = parseFilter(filterInput(opts), 'filter');
        const page = await connect(opts.hub).get<DeadLetterPage>('/dlq', {
          ...filter,
          limit: opts.limit,
          cursor: opts.cursor,
        });
        output(Boolean(opts.json)).result(page, () => formatPage(page));
      }),
    ),
  );

  cmd.addCommand(
    adminOptions(
      new Command('show')
        .description(
          'one dead letter: reason, attempt history, headers and the decoded event (personal fields masked unless your role is admin)',
        )
        .argument('<id>', 'dead-letter id <topic>:<partition>:<offset>'),
    ).action(
      usageAware(setExit, async (id: string, opts: Common) => {
        const { checkDeadLetterId } = require('../../dlq') as typeof import('../../dlq');
        checkDeadLetterId(id, 'id');
        const shown = await connect(opts.hub).get<ShownDeadLetter>(`/dlq/${encodeURIComponent(id)}`);
        output(Boolean(opts.json)).result(shown, () => formatShown(shown));
      }),
    ),
  );

  cmd.addCommand(
    adminOptions(
      new Command('groups')
        .description(
          'incidents: dead letters by code × site × subscriber × schema version, with counts and first/last seen',
        )
        .option('--subscriber <id>', 'only this subscriber')
        .option('--site <id>', 'only this site')
        .option('--code <code>', 'only this error code')
        .option('--open', 'only groups with open (new, claimed) dead letters'),
    ).action(
      usageAware(
        setExit,
        async (opts: Common & { subscriber?: string; site?: string; code?: string; open?: boolean }) => {
          const res = await connect(opts.hub).get<{ groups: DeadLetterGroup[] }>('/dlq/groups', {
            subscriber: opts.subscriber,
            site: opts.site,
            code: opts.code,
            open: opts.open ? true : undefined,
          });
          output(Boolean(opts.json)).result(res, () => formatGroups(res.groups));
        },
      ),
    ),
  );

  cmd.addCommand(
    adminOptions(
      new Command('queue')
        .description(
          'the work queue: open dead letters by due time (service levels), with owner; and its depth',
        )
        .option('--owner <name>', 'only items of this owner')
        .option('--subscriber <id>', 'only this subscriber')
        .option('--limit <n>', 'how many (1-1000)', wholeNumber(1, 1000), '50'),
    ).action(
      usageAware(setExit, async (opts: Common & { owner?: string; subscriber?: string; limit: string }) => {
        const res = await connect(opts.hub).get<{ items: WorkItem[]; summary: QueueSummary }>('/dlq/queue', {
          owner: opts.owner,
          subscriber: opts.subscriber,
          limit: opts.limit,
        });
        output(Boolean(opts.json)).result(res, () => formatQueue(res.items, res.summary, Date.now()));
      }),
    ),
  );

  /** claim, assign, note, resolve, discard: one result per letter; exit 1 when any is refused. */
  const work = (
    name: 'claim' | 'assign' | 'note' | 'resolve' | 'discard',
    description: string,
    extra: (c: Command) => Command,
    body: (opts: Record<string, string | undefined>) => Record<string, string>,
  ) =>
    cmd.addCommand(
      extra(selectorCommand(name, description)).action(
        usageAware(
          setExit,
          async (ids: string[], opts: FilterFlags & Common & Record<string, string | undefined>) => {
            const selector = selectorOf(ids, opts);
            const res = await connect(opts.hub).post<WorkResult>(`/dlq/${name}`, { selector, ...body(opts) });
            output(Boolean(opts.json)).result(res, () => formatWork(res));
            if (res.refused > 0) setExit(EXIT.PROBLEMS);
          },
        ),
      ),
    );

  work(
    'claim',
    'take dead letters: you become their owner (state claimed)',
    (c) => c,
    () => ({}),
  );
  work(
    'assign',
    "give dead letters to an owner (--owner ''  gives them back: state new)",
    (c) => c.requiredOption('--owner <name>', "the new owner ('' for none)"),
    (o) => ({ owner: o.owner ?? '' }),
  );
  work(
    'note',
    'add a note to dead letters',
    (c) => c.requiredOption('--text <text>', 'the note'),
    (o) => ({ text: o.text ?? '' }),
  );
  work(
    'resolve',
    'mark dead letters fixed another way (state resolved)',
    (c) => c.option('--note <text>', 'how it was fixed'),
    (o): Record<string, string> => (o.note ? { note: o.note } : {}),
  );
  work(
    'discard',
    'discard dead letters: they need no delivery (state discarded; the reason is kept as a note)',
    (c) => c.requiredOption('--reason <text>', 'why (required)'),
    (o) => ({ reason: o.reason ?? '' }),
  );

  cmd.addCommand(
    selectorCommand(
      'replay',
      'replay dead letters: a delivery dead letter goes back to its one subscriber, a router dead letter through the router. --dry-run first: what each would do now, nothing sent. Without it: starts a job and shows its progress until it ends (Ctrl-C detaches; the job goes on)',
    )
      .option('--dry-run', 'predict per dead letter what a replay would do now; change nothing (viewer may)')
      .option(
        '--rate <perSecond>',
        'events per second (at most deadLetters.replay.ratePerSecond, the default)',
      )
      .option('--detach', 'start the job and return at once with its id')
      .action(
        usageAware(
          setExit,
          async (
            ids: string[],
            opts: FilterFlags & Common & { dryRun?: boolean; rate?: string; detach?: boolean },
          ) => {
            const selector = selectorOf(ids, opts);
            const rate = opts.rate === undefined ? undefined : Number(opts.rate);
            if (rate !== undefined && !(rate > 0))
              throw new CrossdockError('CD_E_USAGE', `--rate: ${opts.rate} is not a positive number`);
            const client = connect(opts.hub);
            const out = output(Boolean(opts.json));
            if (opts.dryRun) {
              const res = await client.post<{
                predictions: ReplayPrediction[];
                outcomes: Record<string, number>;
              }>('/dlq/replay', { selector, dryRun: true });
              out.result(res, () => formatPredictions(res.predictions, res.outcomes));
              if (res.predictions.some((p) => p.outcome === 'fail' || p.outcome === 'refused'))
                setExit(EXIT.PROBLEMS);
              return;
            }
            const started = await client.post<{ job: ReplayJob }>('/dlq/replay', {
              selector,
              ...(rate !== undefined ? { ratePerSecond: rate } : {}),
            });
            const follow = !opts.detach && !JOB_ENDED.has(started.job.state);
            if (!follow) {
              out.result(started.job, () =>
                [
                  formatJob(started.job),
                  `follow it: crossdock dlq replays ${started.job.id}; pause: crossdock dlq pause ${started.job.id}; cancel: crossdock dlq cancel ${started.job.id}`,
                ].join('\n'),
              );
              return;
            }
            // Each poll is an audited read (dlq.replay-show): once a second on a terminal, less often otherwise.
            const tty = Boolean(process.stderr.isTTY);
            const { job, detached } = await followJob(client, started.job, {
              mode: opts.json ? 'none' : tty ? 'bar' : 'lines',
              intervalMs: tty ? 1000 : 2000,
            });
            if (detached) {
              process.stderr.write(
                `detached: job ${job.id} goes on in the hub. Follow: crossdock dlq replays ${job.id}; pause: crossdock dlq pause ${job.id}; cancel: crossdock dlq cancel ${job.id}\n`,
              );
              out.result(job, () => formatJob(job));
              return;
            }
            out.result(job, () => formatJob(job));
            if (job.state !== 'done' || job.refused > 0) setExit(EXIT.PROBLEMS);
          },
        ),
      ),
  );

  cmd.addCommand(
    adminOptions(
      new Command('replays')
        .description('replay jobs, newest first; or one job with its id')
        .argument('[jobId]', 'one job')
        .option('--limit <n>', 'how many jobs (1-1000)', wholeNumber(1, 1000), '20'),
    ).action(
      usageAware(setExit, async (jobId: string | undefined, opts: Common & { limit: string }) => {
        const client = connect(opts.hub);
        if (jobId) {
          const job = await client.get<ReplayJob>(`/dlq/replays/${encodeURIComponent(jobId)}`);
          output(Boolean(opts.json)).result(job, () => formatJob(job));
          return;
        }
        const res = await client.get<{ jobs: ReplayJob[] }>('/dlq/replays', { limit: opts.limit });
        output(Boolean(opts.json)).result(res, () => formatJobs(res.jobs));
      }),
    ),
  );

  for (const [action, description] of [
    ['pause', 'pause a replay job (it keeps its place; resume goes on from there)'],
    ['resume', 'resume a paused replay job'],
    ['cancel', 'cancel a replay job: what it sent stays sent, the rest is not sent'],
  ] as const)
    cmd.addCommand(
      adminOptions(new Command(action).description(description).argument('<jobId>', 'the job')).action(
        usageAware(setExit, async (jobId: string, opts: Common) => {
          const job = await connect(opts.hub).post<ReplayJob>(
            `/dlq/replays/${encodeURIComponent(jobId)}/${action}`,
            {},
          );
          output(Boolean(opts.json)).result(job, () => formatJob(job));
        }),
      ),
    );

  cmd.addCommand(
    adminOptions(
      new Command('reindex').description(
        'rebuild the dead-letter index from the dead-letter topics, and the operators’ states from the state topic (admin; after Redis lost the index)',
      ),
    ).action(
      usageAware(setExit, async (opts: Common) => {
        if (!opts.json)
          process.stderr.write(
            'reindexing: reading every dead-letter topic and the state topic (waits until done)…\n',
          );
        const started = Date.now();
        const res = await connect(opts.hub).post<{ letters: number; states: number }>('/dlq/reindex', {});
        output(Boolean(opts.json)).result(
          res,
          () =>
            `reindexed: ${res.letters} dead letters, ${res.states} operators’ states restored (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        );
      }),
    ),
  );
  return cmd;
}
