import type { Admin } from 'kafkajs';
import { CrossdockError } from '../../core/errors';
import { flowKeys } from '../../core/names/redis-keys';
import type { HubTopics } from '../../core/names/topics';
import type { Redis } from '../../core/redis';
import { scanMatching, unlinkFound } from '../../core/redis-scan';

/**
 * `crossdock flows rebuild`: forgets the flow tracker's state so that the next tracker to start
 * reads the topics again from their start and rebuilds it:
 *   1. the tracker must be stopped: its consumer group (`<prefix>.flow-tracker`) has no member,
 *      else CD_E_FLOWS_TRACKER_RUNNING and nothing is changed;
 *   2. the group is deleted (its committed offsets with it): a tracker starts from the start of
 *      every ingress topic (the feed subscribes from the beginning when it has no offset);
 *   3. every key of this hub's flows tag (core/names/redis-keys.ts flowKeys: flow instances,
 *      deadlines, pending alerts, the scorecard hours and their `applied` offsets) is deleted.
 * The dead-letter readers' groups commit nothing and need no reset. What the topics no longer
 * hold (past their retention) is not rebuilt.
 */
export interface RebuildOptions {
  /** A connected admin client. */
  admin: Admin;
  redis: Redis;
  redisPrefix: string;
  topics: HubTopics;
}

export interface RebuildResult {
  group: string;
  /** Whether the group existed (had committed offsets) and was deleted. */
  groupDeleted: boolean;
  /** Redis keys deleted. */
  keysDeleted: number;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

export async function rebuildFlowState(options: RebuildOptions): Promise<RebuildResult> {
  const { admin, redis } = options;
  const group = options.topics.flowTrackerGroup;
  const { groups } = await admin.describeGroups([group]);
  const found = groups.find((g) => g.groupId === group);
  if (found && found.members.length > 0)
    throw new CrossdockError(
      'CD_E_FLOWS_TRACKER_RUNNING',
      `the flow tracker is running: consumer group ${group} has ${found.members.length} member(s) (${found.members
        .map((m) => `${m.clientId}@${m.clientHost}`)
        .join(', ')}); stop the hub first`,
      { details: { group, members: found.members.map((m) => m.memberId) } },
    );
  // `Empty`: no member, committed offsets; `Dead`: nothing (never started, or rebuilt already).
  const groupDeleted = found?.state === 'Empty';
  if (groupDeleted) await admin.deleteGroups([group]);
  // Every key of the flows tag: `<P>{<P>flows}:…`.
  const base = flowKeys(options.redisPrefix).sites.slice(0, -':sites'.length);
  let keysDeleted = 0;
  // One tag, so one slot: on a cluster only its primary finds any (core/redis-scan.ts).
  await scanMatching(redis, `${escapeGlob(base)}:*`, async (keys, node) => {
    keysDeleted += await unlinkFound(redis, node, keys);
  });
  return { group, groupDeleted, keysDeleted };
}
