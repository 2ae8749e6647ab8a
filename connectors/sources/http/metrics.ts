import { Counter, type Registry as MetricsRegistry } from 'prom-client';

/** HTTP ingest's metrics. */
export interface IngestMetrics {
  /** Answers by site and HTTP status. */
  readonly answers: Counter<'site' | 'status'>;
  /** Events published (Kafka acknowledged) by site. */
  readonly accepted: Counter<'site'>;
}

/**
 * Creates HTTP ingest's metrics in `registry` (the health server's, so /metrics shows them).
 * @param registry @defaultValue none: the counters count but are not exposed
 */
export function createIngestMetrics(registry?: MetricsRegistry): IngestMetrics {
  const registers = registry ? [registry] : [];
  return {
    answers: new Counter({
      name: 'crossdock_ingest_requests_total',
      help: 'HTTP ingest answers by site and status',
      labelNames: ['site', 'status'],
      registers,
    }),
    accepted: new Counter({
      name: 'crossdock_ingest_events_total',
      help: 'Events HTTP ingest published (Kafka acknowledged)',
      labelNames: ['site'],
      registers,
    }),
  };
}
