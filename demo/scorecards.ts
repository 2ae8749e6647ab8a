import * as flowsPart from '../flows';
import type { HubConfig } from '../core/config';
import type { Redis } from '../core/redis';
import type { SiteScorecard } from '../flows';

/**
 * How the demo reads its run's scorecards: flows/ `readScorecards` (the scorecard reader) over the
 * run's Redis prefix from the run's start. Injected into the runner (the summary stays pure).
 */
export type ReadRunScorecards = (o: {
  redis: Redis;
  redisPrefix: string;
  config: HubConfig;
  since: number;
  until: number;
}) => Promise<readonly SiteScorecard[]>;

/** flows/ `readScorecards`, or undefined when this build has no scorecard reader. */
export function scorecardReader(): ReadRunScorecards | undefined {
  const r = (flowsPart as Record<string, unknown>).readScorecards;
  return typeof r === 'function' ? (r as ReadRunScorecards) : undefined;
}
