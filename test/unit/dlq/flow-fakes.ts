import { CrossdockError } from '../../../core/errors';
import type { FlowInstance, FlowReader, FlowSummary, OverdueInstance } from '../../../flows';

/**
 * An in-memory stand-in for the flow engine's read side (flows/engine/read.ts FlowReader), for
 * unit tests of the admin API and the console: the flows, overdue instances and instances given,
 * refusing an unknown flow or key with the reader's own codes.
 */
export function fakeFlowReader(
  data: {
    summary?: FlowSummary[];
    overdue?: OverdueInstance[];
    instances?: FlowInstance[];
  } = {},
): FlowReader & { overdueLimits: number[] } {
  const overdueLimits: number[] = [];
  const summary = data.summary ?? [];
  return {
    overdueLimits,
    summary: async () => summary,
    listOverdue: async (limit) => {
      overdueLimits.push(limit);
      return (data.overdue ?? []).slice(0, limit);
    },
    getInstance: async (flow, key) => {
      if (!summary.some((f) => f.flow === flow))
        throw new CrossdockError('CD_E_FLOW_UNKNOWN', `no flow named ${JSON.stringify(flow)} is configured`);
      const found = (data.instances ?? []).find((i) => i.flow === flow && i.key === key);
      if (!found)
        throw new CrossdockError(
          'CD_E_FLOW_INSTANCE_NOT_FOUND',
          `flow ${flow} has no instance with key ${JSON.stringify(key)}`,
        );
      return found;
    },
  };
}
