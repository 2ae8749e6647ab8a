import type { Kafka } from 'kafkajs';
import type { SiteConfig } from '../../core/config';
import { systemClock, type Clock } from '../../core/clock';
import { CrossdockError } from '../../core/errors';
import type { Redis } from '../../core/redis';
import type { FactSink, FlowAlert, FlowDefinition, IngressFact } from '../contract';
import type { FlowLog } from './log-events';
import type { FlowMetrics } from '../metrics';
import { createAlertPublisher, type AlertEncoder, type AlertPublisher } from './alerts';
import { compileFlowMatcher, type FlowMatcher } from './match';
import { createFlowReader, type FlowReader } from './read';
import { createDeadlineScanner, DEFAULT_GRACE_MS, type DeadlineScanner } from './scanner';
import { createFlowStore, instanceMember, type FlowStore, type StepInput, type StepResult } from './store';

/**
 * The flow engine (docs/flows.md "Flow instances, deadlines and alerts"): takes the feed's
 * accepted facts (a FactSink), keeps flow instances in Redis, raises alerts through its deadline
 * scanner and publishes them on `<prefix>.flow.alerts`, and reads its state back (FlowReader).
 *
 * Facts of one call are applied in their order, in one steps.lua call per 200 steps (one more
 * round when an instance has another site than the event's); calls may run concurrently (several
 * partitions, several tracker processes): each script call is atomic, and a fact applied twice
 * is `replayed` (nothing changes, nothing is counted).
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

/**
 * Rounds of one batch's steps at most: a step comes back unapplied when its instance has another
 * site, and goes again with that site; a site changes again only when the instance expired and
 * was created anew meanwhile.
 */
const MAX_SITE_ROUNDS = 5;

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
      // The instance's site is its first event's. Steps go with their event's site; one whose
      // instance was created with another site (and any later step of that instance) comes back
      // unapplied and goes again, in order, with the stored site.
      const results: StepResult[] = new Array<StepResult>(inputs.length);
      const final: StepInput[] = [...inputs];
      let todo = inputs.map((_i, j) => j);
      for (let round = 0; todo.length > 0; round++) {
        if (round === MAX_SITE_ROUNDS)
          throw new CrossdockError(
            'CD_E_FLOW_SITE_UNSETTLED',
            `${todo.length} flow steps not applied after ${MAX_SITE_ROUNDS} tries: their instances changed site each time`,
            { retriable: true, details: { steps: todo.length } },
          );
        const got = await store.steps(todo.map((j) => final[j]!));
        const storedSite = new Map<string, string>();
        got.forEach((r, x) => {
          if (r.kind === 'site')
            storedSite.set(instanceMember(final[todo[x]!]!.flow.name, final[todo[x]!]!.key), r.site);
        });
        const again: number[] = [];
        got.forEach((r, x) => {
          const j = todo[x]!;
          if (r.kind !== 'site' && r.kind !== 'blocked') {
            results[j] = r;
            return;
          }
          const site = storedSite.get(instanceMember(final[j]!.flow.name, final[j]!.key));
          if (site !== undefined && site !== final[j]!.siteId)
            final[j] = { ...final[j]!, siteId: site, siteGroups: groupsOf(site) };
          again.push(j);
        });
        todo = again;
      }
      const alerts: FlowAlert[] = [];
      for (let j = 0; j < final.length; j++) {
        const r = results[j]!;
        count(final[j]!, r);
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
