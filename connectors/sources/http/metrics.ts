import { Counter, type Registry as MetricsRegistry } from 'prom-client';

/**
 * HTTP ingest's metrics. Their `site` label is a site this ingest serves, `unknown` or `-` (server.ts
 * `siteLabel`), never the URL's text: the series stay bounded by the configuration.
 *
 * Registered in `registry` (none when no registry is given: tests). A
 * metric already in the registry is reused: HTTP ingest is created again when the sites change
 * while the hub runs (`crossdock config apply`), and its counters go on.
 */
export function ingestMetrics(registry?: MetricsRegistry): {
  answers: Counter<'site' | 'status'>;
  accepted: Counter<'site'>;
} {
  const registers = registry ? [registry] : [];
  const reuse = <T>(name: string, make: () => T): T =>
    (registry?.getSingleMetric(name) as T | undefined) ?? make();
  return {
    answers: reuse(
      'crossdock_ingest_requests_total',
      () =>
        new Counter({
          name: 'crossdock_ingest_requests_total',
          help: 'HTTP ingest answers by site and status (site: a served site, `unknown` for any other site id in the URL, `-` for no site route)',
          labelNames: ['site', 'status'],
          registers,
        }),
    ),
    accepted: reuse(
      'crossdock_ingest_events_total',
      () =>
        new Counter({
          name: 'crossdock_ingest_events_total',
          help: 'Events HTTP ingest published (Kafka acknowledged)',
          labelNames: ['site'],
          registers,
        }),
    ),
  };
}
