import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry as MetricsRegistry, collectDefaultMetrics } from 'prom-client';

/**
 * Every long-running process serves /healthz (the process lives), /readyz (its dependencies
 * answer and it is doing its job) and Prometheus /metrics. Each part registers its own readiness
 * check and its own metrics in the registry it is handed.
 */
export interface HealthServer {
  readonly metrics: MetricsRegistry;
  /** A named readiness check; /readyz is 200 only when all return true. */
  addReadiness(name: string, check: () => boolean | Promise<boolean>): void;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** The process metrics every health server exposes (prom-client's defaults: CPU, memory, event loop, GC). */
export function registerProcessMetrics(metrics: MetricsRegistry): void {
  collectDefaultMetrics({ register: metrics });
}

export function createHealthServer(
  metrics: MetricsRegistry = new MetricsRegistry(),
  options: { defaultMetrics?: boolean } = {},
): HealthServer {
  if (options.defaultMetrics !== false) registerProcessMetrics(metrics);
  const checks = new Map<string, () => boolean | Promise<boolean>>();
  const server = http.createServer(async (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    try {
      if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (url === '/readyz') {
        const results: Record<string, boolean> = {};
        for (const [name, check] of checks) results[name] = await Promise.resolve(check()).catch(() => false);
        const ready = Object.values(results).every(Boolean);
        res
          .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ready, checks: results }));
      } else if (url === '/metrics') {
        res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.metrics());
      } else {
        res.writeHead(404).end();
      }
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  return {
    metrics,
    addReadiness: (name, check) => void checks.set(name, check),
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
