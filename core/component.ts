import type { Logger } from './logger';
import type { Endpoints } from './env';
import type { HealthServer } from './health';

/**
 * A long-running part of the hub (the router, one sink connector, HTTP ingest, a CSV watcher).
 * `crossdock start` runs every component the configuration calls for in one process;
 * `crossdock router` / `crossdock connector <id>` run one. Components talk through Kafka and
 * Redis, never through each other's internals.
 *
 * Contract: start() resolves once the component is consuming/serving; stop() drains in-flight
 * work it can finish quickly, commits nothing it has not finished, closes its clients, and is
 * safe to call twice.
 */
export interface HubComponent {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What every component is handed (injected, never reached for globally). */
export interface ComponentDeps {
  endpoints: Endpoints;
  logger: Logger;
  /** Shared /healthz, /readyz, /metrics of the process; components add readiness and metrics. */
  health: HealthServer;
}
