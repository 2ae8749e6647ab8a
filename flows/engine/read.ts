import { CrossdockError } from '../../core/errors';
import type { SiteConfig } from '../../core/config';
import { stepWithinMs, type FlowDefinition, type FlowInstance } from '../contract';
import type { FlowSummary } from '../metrics';
import { flowAlertId } from './alert-id';
import { parseMember, type FlowStore } from './store';

/**
 * Reading the engine's state: one instance, the overdue instances, and per flow how many are open
 * and overdue (the `crossdock_flow_open_instances` / `_overdue_instances` gauges, `crossdock flows
 * list`, the console).
 *
 * Overdue, exactly: an open instance whose first missing step is past its due time and has had its
 * STEP_LATE alert (observed missing), and has not arrived since. The deadline scanner raises that
 * alert within one scan interval of the due time, so the figure trails the clock by at most that.
 * Kept as counters and a sorted set by the scripts that change it: a summary is 2 reads per flow.
 */
export interface FlowReader {
  /** Throws CD_E_FLOW_UNKNOWN (no such flow) or CD_E_FLOW_INSTANCE_NOT_FOUND. */
  getInstance(flow: string, key: string): Promise<FlowInstance>;
  /** Overdue instances, the longest overdue first. */
  listOverdue(limit: number): Promise<OverdueInstance[]>;
  summary(): Promise<FlowSummary[]>;
}

export interface OverdueInstance {
  flow: string;
  key: string;
  siteId: string;
  /** The missing step and when it was due. */
  step: string;
  stepIndex: number;
  dueAt: number;
  /**
   * The STEP_LATE alert raised for that step (an instance is overdue only once it has had it):
   * its id, which is also the eventId of its FlowAlertRaised event (so it can be traced).
   */
  alertId: string;
}

export interface FlowReaderOptions {
  store: FlowStore;
  flows: () => readonly FlowDefinition[];
  sites: () => Readonly<Record<string, SiteConfig>>;
}

/** The FlowInstance of a stored instance hash. */
export function instanceOf(
  flow: FlowDefinition,
  key: string,
  h: Readonly<Record<string, string>>,
  groups: readonly string[],
): FlowInstance {
  const n = flow.steps.length;
  const at = (i: number) => (h[`t${i}`] !== undefined ? Number(h[`t${i}`]) : undefined);
  const steps = flow.steps.map((s, i) => {
    const prevAt = i > 0 ? at(i - 1) : undefined;
    const eventId = h[`e${i}`];
    const t = at(i);
    return {
      eventType: s.eventType,
      ...(eventId !== undefined ? { eventId } : {}),
      ...(t !== undefined ? { at: t } : {}),
      ...(prevAt !== undefined ? { dueAt: prevAt + stepWithinMs(s, groups) } : {}),
      ...(eventId !== undefined ? { late: h[`l${i}`] === '1' } : {}),
    };
  });
  const alerts: string[] = [];
  for (let i = 0; i < n; i++) if (h[`a${i}`]) alerts.push(flowAlertId('STEP_LATE', flow.name, key, i));
  if (h.ai === '1') {
    const first = steps.findIndex((s) => s.eventId === undefined);
    alerts.push(flowAlertId('FLOW_INCOMPLETE', flow.name, key, first < 0 ? 0 : first));
  }
  return {
    flow: flow.name,
    key,
    siteId: h.site ?? '',
    startedAt: Number(h.st ?? 0),
    steps,
    complete: h.x === 'c',
    alerts,
  };
}

export function createFlowReader(options: FlowReaderOptions): FlowReader {
  const { store } = options;
  const { keys, redis } = store;
  const flowNamed = (name: string) => options.flows().find((f) => f.name === name);
  const groupsOf = (site: string) => options.sites()[site]?.groups ?? [];

  return {
    async getInstance(flowName, key) {
      const flow = flowNamed(flowName);
      if (!flow)
        throw new CrossdockError(
          'CD_E_FLOW_UNKNOWN',
          `no flow named ${JSON.stringify(flowName)} is configured`,
          {
            details: { flow: flowName },
          },
        );
      const h = await redis.hgetall(keys.instance(flowName, key));
      if (!h.site)
        throw new CrossdockError(
          'CD_E_FLOW_INSTANCE_NOT_FOUND',
          `flow ${flowName} has no instance with key ${JSON.stringify(key)}`,
          { details: { flow: flowName, key } },
        );
      return instanceOf(flow, key, h, groupsOf(h.site));
    },
    async listOverdue(limit) {
      const raw = await redis.zrange(keys.overdue, 0, Math.max(0, limit - 1), 'WITHSCORES');
      const out: OverdueInstance[] = [];
      const items: Array<{ flow: string; key: string; dueAt: number }> = [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const m = parseMember(raw[i]!);
        if (m) items.push({ ...m, dueAt: Number(raw[i + 1]) });
      }
      if (items.length === 0) return out;
      const p = redis.pipeline();
      for (const it of items) p.hmget(keys.instance(it.flow, it.key), 'site', 'od');
      const replies = (await p.exec()) ?? [];
      items.forEach((it, i) => {
        const [site, od] = (replies[i]?.[1] as Array<string | null> | undefined) ?? [];
        const stepIndex = Number(od ?? -1);
        const step = flowNamed(it.flow)?.steps[stepIndex]?.eventType ?? '';
        const alertId = flowAlertId('STEP_LATE', it.flow, it.key, Math.max(0, stepIndex));
        out.push({
          flow: it.flow,
          key: it.key,
          siteId: site ?? '',
          step,
          stepIndex,
          dueAt: it.dueAt,
          alertId,
        });
      });
      return out;
    },
    async summary() {
      const flows = options.flows();
      if (flows.length === 0) return [];
      const p = redis.pipeline();
      for (const f of flows) p.mget(keys.openCount(f.name), keys.overdueCount(f.name));
      const replies = (await p.exec()) ?? [];
      return flows.map((f, i) => {
        const [open, overdue] = (replies[i]?.[1] as Array<string | null> | undefined) ?? [];
        return {
          flow: f.name,
          open: Math.max(0, Number(open ?? 0)),
          overdue: Math.max(0, Number(overdue ?? 0)),
        };
      });
    },
  };
}
