import type { IHeaders, Message } from 'kafkajs';
import { cloudEventValues, lacksCloudEventHeaders } from '../core/cloudevents';
import type { Clock } from '../core/clock';
import type { HubTopics } from '../core/names/topics';
import { deadLetterHeaders, isReplayHeader } from '../core/dead-letters';
import { conflictRejection, type Analyzer, type RecordAnalysis } from './analysis';
import type { RouterLog } from './log-events';
import type { RouterMetrics } from './metrics';
import type { IngressRecord, Rejection } from './validate';

type Accepted = Extract<RecordAnalysis, { ok: true }>;

/**
 * One fetched batch → the records to write in its transaction. Pure planning: nothing is
 * written here. Throws a retriable CrossdockError when the registry or Redis is down or an
 * analysis worker failed (the caller pauses and retries the whole batch; nothing was
 * dead-lettered).
 */

/**
 * Every ingress header travels with the copies (CloudEvents, traceparent, the site's own), except
 * the hub's `cd-*` namespace, which only the hub writes (a site cannot forge a route or an error).
 * The replay headers (`cd-replay-*`) are the exception: a replayed router dead letter comes back
 * through its ingress topic and keeps them, so the loop guard counts its replays. A site that
 * forged them could only make the loop guard refuse its own event sooner.
 */
export const ROUTE_HEADER = 'cd-route';

export interface BatchPlan {
  /** Messages per output topic, in input order within each topic. */
  out: Map<string, Message[]>;
  counts: { valid: number; deadLettered: number; duplicates: number; unrouted: number; copies: number };
  /**
   * Adds this batch to the counters (events in, routed, duplicates, dead letters, unrouted).
   * Called once, when its transaction committed: a batch planned again (after a rewind or a
   * rebalance dropped it) is counted once, like its effects.
   */
  record(): void;
}

export interface PlannerDeps {
  /** Validates, hashes, routes and dedupes each record (router/analysis.ts). */
  analyzer: Analyzer;
  topics: HubTopics;
  sendUnrouted: boolean;
  clock: Clock;
  log: RouterLog;
  metrics: RouterMetrics;
}

/**
 * The headers of a copy: the ingress headers except `cd-*`, then every CloudEvents header the
 * producer left out, stamped from the decoded event (`stamp`; a plain Confluent producer sends
 * none), so that downstream an event's identity is always its eventId. Headers that were present
 * stay as they were (validation refused the ones that contradict the payload), except `ce_type`,
 * which is always the canonical type: the record full name (`subject`).
 */
function copyHeaders(
  headers: IHeaders | undefined,
  subject: string,
  stamp: Record<string, string> | undefined,
  route?: string,
): IHeaders {
  const out: IHeaders = {};
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined && (!k.startsWith('cd-') || isReplayHeader(k))) out[k] = v;
  }
  if (stamp) for (const k in stamp) if (out[k] === undefined) out[k] = stamp[k]!;
  // Validation accepts the short type name too; copies carry the canonical one (the record full name).
  out.ce_type = subject;
  if (route !== undefined) out[ROUTE_HEADER] = route;
  return out;
}

/** The CloudEvents values to stamp on an accepted record's copies, or undefined when none is missing. */
function stampOf(siteId: string, record: IngressRecord, a: Accepted): Record<string, string> | undefined {
  if (!lacksCloudEventHeaders(record.headers)) return undefined;
  return cloudEventValues({
    eventId: a.eventId,
    subject: a.subject,
    siteId,
    sourceSystem: a.sourceSystem,
    occurredAt: a.occurredAt,
    ...(record.key ? { key: record.key.toString('utf8') } : {}),
  });
}

/** The broken data rule's name of a CD_E_RULE_VIOLATION (router/validate.ts puts it in the details). */
function ruleOf(r: Rejection): { rule?: string } {
  const rule = r.code === 'CD_E_RULE_VIOLATION' ? r.details?.rule : undefined;
  return typeof rule === 'string' && rule !== '' ? { rule } : {};
}

export async function planBatch(
  deps: PlannerDeps,
  siteId: string,
  records: readonly IngressRecord[],
): Promise<BatchPlan> {
  const { metrics, topics } = deps;
  const out = new Map<string, Message[]>();
  const push = (topic: string, m: Message) => {
    let list = out.get(topic);
    if (!list) out.set(topic, (list = []));
    list.push(m);
  };
  const counts = { valid: 0, deadLettered: 0, duplicates: 0, unrouted: 0, copies: 0 };
  // Counters by label, added to the metrics only when the batch commits (BatchPlan.record).
  const deadByCode = new Map<string, number>();
  const dupByType = new Map<string, number>();
  const unroutedByType = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const now = deps.clock.now();

  const deadLetter = (record: IngressRecord, r: Rejection) => {
    push(topics.dlqRouter, {
      key: record.key,
      value: record.value,
      headers: deadLetterHeaders(
        {
          code: r.code,
          message: r.message,
          stage: r.stage,
          lastFailedAt: now,
          original: { topic: record.topic, partition: record.partition, offset: record.offset },
          ...ruleOf(r),
        },
        record.headers,
      ),
    });
    counts.deadLettered++;
    bump(deadByCode, r.code);
    deps.log.emit('router.dead_lettered', {
      eventId: r.eventId,
      correlationId: r.correlationId,
      code: r.code,
      stage: r.stage,
      reason: r.message,
      eventType: r.eventType,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      details: r.details,
    });
  };

  // 1. Analyse every record: validate, hash, route, check for duplicates (router/analysis.ts;
  // on worker threads when hub.router.validationThreads > 0). A registry or Redis outage, or a
  // failed worker, throws here. Counters are kept per batch and added on commit (record()).
  const started = performance.now();
  const analyses = await deps.analyzer.analyze(siteId, records);
  if (records.length)
    metrics.validationSeconds.observe((performance.now() - started) / 1000 / records.length);
  const valid: Array<{ record: IngressRecord; a: Accepted }> = [];
  const inByType = new Map<string, number>();
  analyses.forEach((a, i) => {
    const type = a.ok ? a.eventType : (a.rejection.eventType ?? 'unknown');
    inByType.set(type, (inByType.get(type) ?? 0) + 1);
    if (a.ok) valid.push({ record: records[i]!, a });
    else deadLetter(records[i]!, a.rejection);
  });

  // 2. Plan the copies: the original key and value bytes (the key was checked to be
  // the business key), so nothing is re-encoded.
  const routedTo = new Map<string, number>();
  valid.forEach(({ record, a }) => {
    const verdict = a.seen;
    if (verdict === 'duplicate') {
      counts.duplicates++;
      bump(dupByType, a.eventType);
      deps.log.emit('router.duplicate', { eventId: a.eventId, correlationId: a.correlationId });
      return;
    }
    if (verdict === 'conflict') {
      deadLetter(record, conflictRejection(a));
      return;
    }
    counts.valid++;
    const decision = a.route;
    if (decision.subscribers.length === 0) {
      counts.unrouted++;
      bump(unroutedByType, a.eventType);
      if (deps.sendUnrouted)
        push(topics.unrouted, {
          key: record.key,
          value: record.value,
          headers: copyHeaders(record.headers, a.subject, stampOf(siteId, record, a)),
        });
      return;
    }
    // One header object per route, not per copy: kafkajs only reads it, and the copies of one
    // event that the same route selected carry the same headers.
    const stamp = stampOf(siteId, record, a);
    let lastRoute: string | undefined;
    let lastHeaders: IHeaders | undefined;
    for (const sub of decision.subscribers) {
      const route = decision.routeOf[sub]!;
      if (route !== lastRoute || !lastHeaders) {
        lastHeaders = copyHeaders(record.headers, a.subject, stamp, route);
        lastRoute = route;
      }
      push(topics.deliver(sub), { key: record.key, value: record.value, headers: lastHeaders });
      routedTo.set(sub, (routedTo.get(sub) ?? 0) + 1);
      counts.copies++;
    }
  });
  const record = () => {
    for (const [type, n] of inByType) metrics.eventsIn.inc({ site: siteId, type }, n);
    for (const [subscriber, n] of routedTo) metrics.routed.inc({ subscriber }, n);
    for (const [type, n] of dupByType) metrics.duplicates.inc({ site: siteId, type }, n);
    for (const [type, n] of unroutedByType) metrics.unrouted.inc({ site: siteId, type }, n);
    for (const [code, n] of deadByCode) metrics.deadLetters.inc({ code }, n);
  };
  return { out, counts, record };
}
