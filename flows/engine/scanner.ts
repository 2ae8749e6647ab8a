import type { SiteConfig } from '../../core/config';
import type { Clock } from '../../core/clock';
import type { FlowAlert, FlowDefinition } from '../contract';
import type { FlowLog } from './log-events';
import type { FlowMetrics } from '../metrics';
import type { AlertPublisher } from './alerts';
import { parseMember, type ClaimInput, type FlowStore } from './store';

/**
 * The deadline scanner: every `intervalMs` it takes the instances whose deadline is due (score ≤
 * now in the deadlines set), claims each with claim.lua (several trackers may scan one Redis: a
 * member is claimed once), then publishes what it claimed and forgets it in the pending alerts.
 * Each pass also publishes pending alerts older than `graceMs` that a crash or a failed publish
 * left, after checking the topic for them (alerts.ts recover).
 */
export interface DeadlineScanner {
  /** One pass: claims every due deadline, publishes the alerts. Returns what it claimed. */
  scanOnce(): Promise<FlowAlert[]>;
  start(): void;
  stop(): Promise<void>;
}

export interface DeadlineScannerOptions {
  store: FlowStore;
  flows: () => readonly FlowDefinition[];
  sites: () => Readonly<Record<string, SiteConfig>>;
  clock: Clock;
  publisher: AlertPublisher;
  metrics?: FlowMetrics;
  log: FlowLog;
  /** @defaultValue 1000 */
  intervalMs?: number;
  /** Deadlines claimed per round trip. @defaultValue 200 */
  batch?: number;
  /** How old a pending alert must be before a pass checks the topic for it (ms). @defaultValue 60000 */
  graceMs?: number;
  /**
   * The time up to which every accepted event has been read (the tracker's watermark): deadlines
   * are judged as of min(clock, this), so a step that is on the topic but not read yet (a
   * restart, a lag) is not called missing. -Infinity: nothing is judged yet.
   * @defaultValue the clock
   */
  readUpTo?: () => number;
}

/** How old a pending alert must be before it is checked against the topic (ms). */
export const DEFAULT_GRACE_MS = 60_000;

export function createDeadlineScanner(options: DeadlineScannerOptions): DeadlineScanner {
  const { store, clock, publisher, metrics, log } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const batch = options.batch ?? 200;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const groupsOf = (site: string) => options.sites()[site]?.groups ?? [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;
  const warnedUnknown = new Set<string>();

  /** Claims one batch; returns the alerts and whether the batch was full. */
  const claimBatch = async (now: number, skip: number) => {
    const members = await store.redis.zrangebyscore(store.keys.deadlines, '-inf', now, 'LIMIT', skip, batch);
    const flows = new Map(options.flows().map((f) => [f.name, f] as const));
    const items: Array<{ flow: FlowDefinition; key: string }> = [];
    const unknown = new Map<string, number>();
    for (const m of members) {
      const parsed = parseMember(m);
      const flow = parsed && flows.get(parsed.flow);
      if (parsed && flow) items.push({ flow, key: parsed.key });
      else if (parsed) unknown.set(parsed.flow, (unknown.get(parsed.flow) ?? 0) + 1);
    }
    for (const [flow, instances] of unknown)
      if (!warnedUnknown.has(flow)) {
        warnedUnknown.add(flow);
        log.emit('flows.unknown_flow', { flow, instances });
      }
    const sites = await store.sitesOf(items.map((i) => ({ flow: i.flow.name, key: i.key })));
    const input = (i: number, site: string): ClaimInput => ({
      flow: items[i]!.flow,
      key: items[i]!.key,
      siteId: site,
      siteGroups: groupsOf(site),
      now,
    });
    let results = await store.claims(items.map((_it, i) => input(i, sites[i]!)));
    // An instance created between the site read and the claim: claim it again with its site.
    const again = results.flatMap((r, i) => (r.kind === 'site' ? [input(i, r.site)] : []));
    if (again.length > 0) {
      const second = await store.claims(again);
      let j = 0;
      results = results.map((r) => (r.kind === 'site' ? second[j++]! : r));
    }
    const alerts: FlowAlert[] = [];
    let stuck = unknown.size > 0 ? [...unknown.values()].reduce((a, b) => a + b, 0) : 0;
    for (const r of results) {
      if (r.kind === 'alert') alerts.push(r.alert);
      else if (r.kind === 'site' || r.kind === 'none') stuck += r.kind === 'site' ? 1 : 0;
    }
    return { alerts, full: members.length === batch, stuck };
  };

  const scanOnce = async (): Promise<FlowAlert[]> => {
    const now = clock.now();
    const judgeAt = Math.min(now, options.readUpTo?.() ?? now);
    const claimed: FlowAlert[] = [];
    let skip = 0;
    for (; Number.isFinite(judgeAt);) {
      const { alerts, full, stuck } = await claimBatch(judgeAt, skip);
      for (const a of alerts) {
        claimed.push(a);
        metrics?.alert(a.flow, a.step, a.kind);
        if (a.kind === 'FLOW_INCOMPLETE') metrics?.incomplete(a.flow, a.siteId);
      }
      skip += stuck;
      if (!full || (alerts.length === 0 && stuck === 0)) break;
    }
    try {
      await publisher.publish(claimed);
    } catch (err) {
      // Claimed in Redis: a later pass publishes what is not on the topic once past the grace.
      log.emit('flows.alert_publish_failed', { alerts: claimed.length, err });
    }
    try {
      await publisher.recover(now - graceMs);
    } catch (err) {
      log.emit('flows.alert_publish_failed', { alerts: 0, err });
    }
    return claimed;
  };

  const tick = () => {
    if (stopped) return;
    running = scanOnce()
      .catch((err: unknown) => log.emit('flows.scan_failed', { err }))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };

  return {
    scanOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setTimeout(tick, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
