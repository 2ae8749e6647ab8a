import { Command } from 'commander';
import { wholeNumber } from '../arguments';
import type { PartStatus } from '../../stack';
import { EXIT, output } from '../output';
import { redact } from '../../core/redact';

const stack = () => require('../../stack') as typeof import('../../stack');

function table(parts: PartStatus[]): string {
  return parts
    .map(
      (p) =>
        `${p.part.padEnd(9)} ${(p.up ? 'up' : 'down').padEnd(5)} ${redact(p.endpoint).padEnd(45)} ${p.owner}${p.pid ? ` pid ${p.pid}` : ''}${p.pids ? ` pids ${p.pids.join(',')}` : ''}${p.brokers && p.brokers > 1 ? ` (${p.pids?.length ?? 0}/${p.brokers} brokers running)` : ''}`,
    )
    .join('\n');
}

export function stackCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('stack').description(
    'the local stack: Kafka (KRaft), Apicurio Registry (Confluent API) and Redis',
  );

  cmd
    .command('up')
    .description('fetch what is missing, start what is not running, wait until each part answers')
    .option('--json', 'print one JSON object with endpoints, versions, pids, log files and seconds')
    .option(
      '--redis-cluster',
      "run the stack's Redis as a Redis Cluster: 3 primaries and 3 replicas on 127.0.0.1:17001-17006 (CROSSDOCK_REDIS_CLUSTER_PORT), AOF on; kept until `stack down`",
    )
    .option(
      '--brokers <n>',
      'Kafka brokers: 1 (default) or 3, a controller quorum of three on 127.0.0.1:19092/19102/19112 (each port + 10 per node, CROSSDOCK_KAFKA_NODE_PORT_STEP), replication 3, min.insync.replicas 2; kept until `stack down`',
      wholeNumber(1, 9),
    )
    .action(async (opts: { json?: boolean; redisCluster?: boolean; brokers?: string }) => {
      const { up, stderrProgress } = stack();
      const res = await up({
        progress: stderrProgress(),
        redisCluster: Boolean(opts.redisCluster),
        ...(opts.brokers !== undefined ? { brokers: Number(opts.brokers) } : {}),
      });
      output(Boolean(opts.json)).result(res, () =>
        [
          res.alreadyRunning ? 'The stack was already running.' : `The stack is up (${res.seconds}s).`,
          table(res.parts),
        ].join('\n'),
      );
    });

  cmd
    .command('down')
    .description('stop the processes this stack started (by recorded pid)')
    .option('--purge', 'also remove the Kafka data, logs and credentials (downloads stay cached)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean; purge?: boolean }) => {
      const { down, stderrProgress } = stack();
      const res = await down({ purge: opts.purge, progress: stderrProgress() });
      output(Boolean(opts.json)).result(res, () =>
        res.stopped.length
          ? `Stopped ${res.stopped.join(', ')}.${res.purged ? ' Data removed.' : ''}`
          : `Nothing of ours was running.${res.purged ? ' Data removed.' : ''}`,
      );
    });

  cmd
    .command('status')
    .description('each part up or down, with its endpoint; exit 1 when any part is down')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const parts = await stack().status();
      output(Boolean(opts.json)).result({ parts }, () => table(parts));
      if (parts.some((p) => !p.up)) setExit(EXIT.PROBLEMS);
    });

  cmd
    .command('logs')
    .description("the tail of a part's log file")
    .argument('<part>', 'kafka | registry | redis')
    .option('-n, --lines <n>', 'how many lines', wholeNumber(1, 100000), '50')
    .option('--json', 'machine-readable output')
    .action((part: string, opts: { lines: string; json?: boolean }) => {
      const text = stack().logTail(part, Number(opts.lines));
      output(Boolean(opts.json)).result({ part, lines: text.split('\n') }, () => text);
    });

  return cmd;
}
