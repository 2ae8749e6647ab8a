import { Counter, type Registry as MetricsRegistry } from 'prom-client';

/** HTTP ingest's metrics, registered in `registry` (none when no registry is given: tests). */
export function ingestMetrics(registry?: MetricsRegistry): {
  answers: Counter<'site' | 'status'>;
  accepted: Counter<'site'>;
} {
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
