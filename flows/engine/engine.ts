import type { Kafka } from 'kafkajs';
import type { SiteConfig } from '../../core/config';
import { systemClock, type Clock } from '../../core/clock';
import type { Redis } from '../../core/redis';
import type { FactSink, FlowAlert, FlowDefinition, IngressFact } from '../contract';
import type { FlowLog } from './log-events';
import type { FlowMetrics } from '../metrics';
import { createAlertPublisher, type AlertEncoder, type AlertPublisher } from './alerts';
import { compileFlowMatcher, type FlowMatcher } from './match';
import { createFlowReader, type FlowReader } from './read';
import { createDeadlineScanner, DEFAULT_GRACE_MS, type DeadlineScanner } from './scanner';
import { createFlowStore, type FlowStore, type StepInput, type StepResult } from './store';

/**
 * The flow engine (docs/flows.md "Flow instances, deadlines and alerts"): takes the feed's
 * accepted facts (a FactSink), keeps flow instances in Redis, raises alerts through its deadline
 * scanner and publishes them on `<prefix>.flow.alerts`, and reads its state back (FlowReader).
 *
 * Facts of one call are applied in their order in one Redis round trip; calls may run
 * concurrently (several partitions, several tracker processes): each step is one atomic script,
 * and a fact applied twice is `replayed` (nothing changes, nothing is counted).
 */
export interface FlowEngine extends FactSink, FlowReader {
  /** One pass of the deadline scanner. */
  scanOnce(): Promise<FlowAlert[]>;
  /** Publishes the alerts a previous run claimed and may not have published; starts the scanner. */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly store: FlowStore;
}

export interface FlowEngineOptions {
  redis: Redis;
  redisPrefix: string;
  flows: () => readonly FlowDefinition[];
  sites: () => Readonly<Record<string, SiteConfig>>;
  clock?: Clock;
  metrics?: FlowMetrics;
  log: FlowLog;
  /** Where alerts go: the hub's Kafka, `<prefix>.flow.alerts` and the FlowAlertRaised encoder. */
  alerts: {
    kafka: Kafka;
    topic: string;
    encode: AlertEncoder;
    /** Consumer group prefix of the restart check (`<prefix>.flow-alerts-check-`). */
    checkGroupPrefix: string;
    /** @defaultValue 10 minutes */
    marginMs?: number;
  };
  /** Scanner interval (ms). @defaultValue 1000 */
  intervalMs?: number;
  /** How old a pending alert must be before a scan checks the topic for it (ms). @defaultValue 60000 */
  graceMs?: number;
  /** How long an instance is kept past its expiry (ms). */
  instanceMarginMs?: number;
  /** The time up to which every accepted event has been read (flows/engine/scanner.ts). */
  readUpTo?: () => number;
}

export function createFlowEngine(options: FlowEngineOptions): FlowEngine {
  const clock = options.clock ?? systemClock;
  const { metrics, log } = options;
  const store = createFlowStore({
    redis: options.redis,
    redisPrefix: options.redisPrefix,
    ...(options.instanceMarginMs !== undefined ? { instanceMarginMs: options.instanceMarginMs } : {}),
  });
  const publisher: AlertPublisher = createAlertPublisher({
    kafka: options.alerts.kafka,
    topic: options.alerts.topic,
    encode: options.alerts.encode,
    checkGroupPrefix: options.alerts.checkGroupPrefix,
    store,
    log,
    ...(options.alerts.marginMs !== undefined ? { marginMs: options.alerts.marginMs } : {}),
  });
  const reader = createFlowReader({ store, flows: options.flows, sites: options.sites });
  const scanner: DeadlineScanner = createDeadlineScanner({
    store,
    flows: options.flows,
    sites: options.sites,
    clock,
    publisher,
    log,
    ...(metrics ? { metrics } : {}),
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    ...(options.readUpTo ? { readUpTo: options.readUpTo } : {}),
  });
  const groupsOf = (site: string) => options.sites()[site]?.groups ?? [];

  let compiled: { flows: readonly FlowDefinition[]; matcher: FlowMatcher } | undefined;
  const matcher = () => {
    const flows = options.flows();
    if (compiled?.flows !== flows) compiled = { flows, matcher: compileFlowMatcher(flows) };
    return compiled.matcher;
  };

  const count = (input: StepInput, r: StepResult) => {
    if (!metrics) return;
    const flow = input.flow.name;
    const step = input.flow.steps[input.stepIndex]!.eventType;
    if (r.kind === 'duplicate') metrics.step(flow, step, r.site, 'duplicate');
    if (r.kind !== 'recorded') return;
    metrics.step(flow, step, r.site, r.outcome);
    if (r.created) metrics.started(flow, r.site);
    if (r.completed) metrics.completed(flow, r.site, r.completedOnTime);
    if (r.latencyMs !== null) metrics.latency(flow, step, Math.max(0, r.latencyMs));
    if (r.alert) metrics.alert(flow, step, r.alert.kind);
  };

  return {
    store,
    async onFacts(facts: readonly IngressFact[]) {
      const m = matcher();
      const inputs: StepInput[] = [];
      const now = clock.now();
      for (const fact of facts) {
        if (fact.outcome !== 'accepted') continue;
        const { matches, keyless } = m.match(fact);
        for (const k of keyless) metrics?.keyless(k.flow.name, k.step.eventType);
        for (const x of matches) {
          // Older than the flow's expiry already (history, a backlog, a sample file): an
          // instance it began would be expired, one it belongs to expired before it came; tracked,
          // it could only raise an alert per instance about the past.
          if (fact.occurredAt + x.flow.expireAfterMs <= now) {
            metrics?.expired(x.flow.name, x.step.eventType);
            continue;
          }
          inputs.push({
            flow: x.flow,
            stepIndex: x.step.index,
            key: x.key,
            siteId: fact.siteId,
            siteGroups: groupsOf(fact.siteId),
            eventId: fact.eventId,
            occurredAt: fact.occurredAt,
            receivedAt: fact.receivedAt,
            now,
          });
        }
      }
      if (inputs.length === 0) return;
      // The instance's site is its first event's: learn the stored ones first, so the steps of
      // one call run in their order in one round trip.
      const stored = await store.sitesOf(inputs.map((i) => ({ flow: i.flow.name, key: i.key })));
      const sited = inputs.map((i, j) =>
        stored[j] && stored[j] !== i.siteId
          ? { ...i, siteId: stored[j]!, siteGroups: groupsOf(stored[j]!) }
          : i,
      );
      const results = await store.steps(sited);
      const alerts: FlowAlert[] = [];
      for (let j = 0; j < sited.length; j++) {
        let r = results[j]!;
        let input = sited[j]!;
        // Created meanwhile by another process with another site: once more with that site.
        if (r.kind === 'site') {
          input = { ...input, siteId: r.site, siteGroups: groupsOf(r.site) };
          r = (await store.steps([input]))[0]!;
        }
        count(input, r);
        if (r.kind === 'recorded' && r.alert) alerts.push(r.alert);
      }
      if (alerts.length > 0) {
        try {
          await publisher.publish(alerts);
        } catch (err) {
          // Claimed in Redis: a scan publishes what is not on the topic once it is past the grace.
          log.emit('flows.alert_publish_failed', { alerts: alerts.length, err });
        }
      }
    },
    getInstance: reader.getInstance,
    listOverdue: reader.listOverdue,
    summary: reader.summary,
    scanOnce: scanner.scanOnce,
    async start() {
      try {
        await publisher.recover(clock.now() - (options.graceMs ?? DEFAULT_GRACE_MS));
      } catch (err) {
        // Kafka or Redis not there yet: every scan tries again.
        log.emit('flows.scan_failed', { err });
      }
      scanner.start();
    },
    async stop() {
      await scanner.stop();
      await publisher.close();
    },
  };
}
