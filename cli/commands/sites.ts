import { Command } from 'commander';
import type { SiteScorecard } from '../../flows';
import { adminOptions, connect, usageAware } from '../admin-client';
import { output, reportUsageError } from '../output';
import { formatScorecard, formatScorecards } from '../scorecard-format';

/**
 * `crossdock sites …`: what the hub knows of all its sites. `sites scorecard` reads the site
 * conformance scorecards through the admin API of a running hub (GET /api/v1/sites/scorecard, role
 * viewer), like `crossdock dlq`. The period is rounded to whole UTC hours (docs/flows.md).
 * Exit codes: 0 done, 2 a bad --since (CD_E_SCORECARD_PERIOD_INVALID), 3 an unknown site
 * (CD_E_SCORECARD_SITE_NOT_FOUND), no hub, 401/403.
 * (`crossdock site test|add|list` is the site connectors' own group, cli/commands/site.ts.)
 */
export function sitesCommand(setExit: (code: number) => void): Command {
  const cmd = new Command('sites').description(
    'all sites of a running hub: conformance scorecards (accepted, rejected, deprecated versions, flow completion, latency against deadlines)',
  );
  cmd.addCommand(
    adminOptions(
      new Command('scorecard')
        .description(
          'site conformance scorecards of a period, worst first; with --site one site in detail (rejections by code and rule, versions, flow steps p50/p95 against the deadline)',
        )
        .option('--site <id>', 'only this site, in detail')
        .option(
          '--since <time>',
          'start of the period, rounded down to its UTC hour: a duration ago (30m, 24h, 7d), an ISO date or date-time, or epoch ms',
          '24h',
        ),
    ).action(
      usageAware(setExit, async (opts: { site?: string; since: string; hub?: string; json?: boolean }) => {
        const json = Boolean(opts.json);
        const { parseScorecardTime } = require('../../flows') as typeof import('../../flows');
        const now = Date.now();
        let since: number;
        try {
          since = parseScorecardTime(opts.since, '--since', now);
        } catch (err) {
          setExit(reportUsageError(err, json));
          return;
        }
        // Times travel as epoch ms: the period does not depend on the hub's clock.
        const res = await connect(opts.hub).get<{ scorecards: SiteScorecard[] }>('/sites/scorecard', {
          site: opts.site,
          since,
          until: now,
        });
        const cards = res.scorecards;
        output(json).result(cards, () =>
          opts.site && cards[0] ? formatScorecard(cards[0], now) : formatScorecards(cards, now),
        );
      }),
    ),
  );
  return cmd;
}
