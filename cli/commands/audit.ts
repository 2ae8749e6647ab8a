import { Command } from 'commander';
import { wholeNumber } from '../arguments';
import type { AuditRecord } from '../../dlq';
import { adminOptions, connect, usageAware } from '../admin-client';
import { output } from '../output';
import { table, when } from '../table';

/** `crossdock audit list`: who did what on the admin API, refused attempts too (operator and admin). */
export function auditCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('audit').description(
    'the audit trail of dead-letter operations (the topic <prefix>.audit; the newest 10,000 are listed here)',
  );
  cmd.addCommand(
    adminOptions(
      new Command('list')
        .description('recent audit records, newest first')
        .option('--who <name>', 'only this token name')
        .option('--op <op>', 'only this operation (dlq.discard) or family (dlq)')
        .option(
          '--since <time>',
          'at or after: ISO date or date-time, epoch ms, or a duration ago (30m, 2h, 7d)',
        )
        .option('--limit <n>', 'how many (1-10000)', wholeNumber(1, 10000), '50'),
    ).action(
      usageAware(
        setExit,
        async (opts: {
          who?: string;
          op?: string;
          since?: string;
          limit: string;
          hub?: string;
          json?: boolean;
        }) => {
          const { parseTime } = require('../../dlq') as typeof import('../../dlq');
          const since = opts.since === undefined ? undefined : parseTime(opts.since, '--since');
          const res = await connect(opts.hub).get<{ records: AuditRecord[] }>('/audit', {
            who: opts.who,
            op: opts.op,
            since,
            limit: opts.limit,
          });
          output(Boolean(opts.json)).result(res, () => formatAudit(res.records));
        },
      ),
    ),
  );
  return cmd;
}

export function formatAudit(records: AuditRecord[]): string {
  if (records.length === 0) return 'no audit records match';
  return table(
    ['AT', 'WHO', 'ROLE', 'OP', 'RESULT', 'COUNT', 'CODE', 'SELECTOR'],
    records.map((r) => [
      when(r.at),
      r.who,
      r.role ?? '-',
      r.op,
      r.result,
      r.count === undefined ? '-' : `${r.count}${r.refused ? ` (+${r.refused} refused)` : ''}`,
      r.code ?? '-',
      r.selector === undefined ? '-' : JSON.stringify(r.selector),
    ]),
  );
}
