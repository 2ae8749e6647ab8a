import { Counter, Gauge, type Registry } from 'prom-client';
import type { QueueSummary } from './contract';

/**
 * The work queue as metrics (issue: depth by subscriber and code, oldest age, overdue). The
 * gauges are read from the index when Prometheus scrapes (one summary per scrape, shared by the
 * three gauges), so every process that serves /metrics with a summary source reports the same
 * figures; the counter counts what this process's indexer added.
 */
export interface DlqMetrics {
  indexed(kind: 'router' | 'deliver'): void;
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function dlqMetrics(
  registry: Registry,
  summary?: () => Promise<QueueSummary>,
  clock: () => number = Date.now,
): DlqMetrics {
  const registers = [registry];
  let cached: { at: number; value: Promise<QueueSummary | undefined> } | undefined;
  const read = (): Promise<QueueSummary | undefined> => {
    if (!summary) return Promise.resolve(undefined);
    const now = clock();
    if (!cached || now - cached.at > 1000) cached = { at: now, value: summary().catch(() => undefined) };
    return cached.value;
  };
  const indexed = metric(
    registry,
    'crossdock_dlq_indexed_total',
    () =>
      new Counter({
        name: 'crossdock_dlq_indexed_total',
        help: 'Dead letters this process added to the index, by dead-letter topic kind (router, deliver).',
        labelNames: ['kind'],
        registers,
      }),
  );
  metric(
    registry,
    'crossdock_dlq_open',
    () =>
      new Gauge({
        name: 'crossdock_dlq_open',
        help: 'Open dead letters (new or claimed) by subscriber (`router` for router dead letters) and error code.',
        labelNames: ['subscriber', 'code'],
        registers,
        async collect() {
          const s = await read();
          this.reset();
          for (const d of s?.depth ?? []) this.set({ subscriber: d.subscriber, code: d.code }, d.open);
        },
      }),
  );
  metric(
    registry,
    'crossdock_dlq_overdue',
    () =>
      new Gauge({
        name: 'crossdock_dlq_overdue',
        help: 'Open dead letters past their due time (deadLetters.serviceLevels).',
        registers,
        async collect() {
          const s = await read();
          if (s) this.set(s.overdue);
        },
      }),
  );
  metric(
    registry,
    'crossdock_dlq_oldest_open_age_seconds',
    () =>
      new Gauge({
        name: 'crossdock_dlq_oldest_open_age_seconds',
        help: 'Age of the oldest open dead letter (since its last failure); 0 when none is open.',
        registers,
        async collect() {
          const s = await read();
          if (s) this.set(s.oldestOpenAt !== undefined ? Math.max(0, (clock() - s.oldestOpenAt) / 1000) : 0);
        },
      }),
  );
  return { indexed: (kind) => indexed.inc({ kind }) };
}
