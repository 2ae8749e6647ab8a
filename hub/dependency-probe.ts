import type { Admin } from 'kafkajs';
import { describeError } from '../core/errors';
import type { Endpoints } from '../core/env';
import type { HealthServer } from '../core/health';
import { createKafka } from '../core/kafka';
import { createRedis, type Redis } from '../core/redis';

/**
 * Checks, every `intervalMs`, that this process's own dependencies answer: Kafka (the cluster
 * metadata), Redis (PING) and the schema registry (GET /subjects). Each result feeds a readiness
 * check named `kafka`, `redis`, `registry` (so /readyz is 503 while one of them is unreachable)
 * and a /status entry `dependencies.<name>`:
 *
 * `{ up: boolean, checkedAt: ISO 8601 | null, latencyMs?: number, lastError?: string, downSince?: ISO 8601 }`
 *
 * Readiness reads the last result (a check never runs inside a /readyz request). A dependency is
 * down until its first check answered, and a check still running after `timeoutMs` counts as
 * down; a new check of it starts only when the previous one has ended (a stalled broker does not
 * pile requests up).
 */
export interface DependencyProbeOptions {
  endpoints: Pick<Endpoints, 'kafkaBrokers' | 'registryUrl' | 'redisUrl'>;
  health: HealthServer;
  /** @defaultValue 5000 */
  intervalMs?: number;
  /** @defaultValue 3000 */
  timeoutMs?: number;
}

export interface DependencyProbe {
  /** Checks once now, then every intervalMs. */
  start(): void;
  /** Runs every check once and resolves with the results (tests, start-up). */
  checkNow(): Promise<Record<string, boolean>>;
  stop(): Promise<void>;
}

interface Result {
  up: boolean;
  checkedAt: string | null;
  latencyMs?: number;
  lastError?: string;
  downSince?: string;
}

export function createDependencyProbe(options: DependencyProbeOptions): DependencyProbe {
  const intervalMs = options.intervalMs ?? 5000;
  const timeoutMs = options.timeoutMs ?? 3000;
  const kafka = createKafka({ clientId: 'crossdock-probe', brokers: options.endpoints.kafkaBrokers });
  let admin: Admin | undefined;
  let redis: Redis | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const checks: Record<string, () => Promise<void>> = {
    async kafka() {
      if (!admin) {
        const a = kafka.admin();
        await a.connect();
        admin = a;
      }
      await admin.describeCluster();
    },
    async redis() {
      redis ??= createRedis({ url: options.endpoints.redisUrl, name: 'crossdock-probe', failFast: true });
      await redis.ping();
    },
    async registry() {
      const res = await fetch(`${options.endpoints.registryUrl.replace(/\/$/, '')}/subjects`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET /subjects answered ${res.status}`);
    },
  };
  const results = new Map<string, Result>();
  const running = new Map<string, Promise<void>>();

  async function checkOne(name: string): Promise<void> {
    // The previous check has not ended: it was marked down at its timeout and stays so.
    if (running.has(name)) return;
    const began = Date.now();
    let timeout: NodeJS.Timeout | undefined;
    const run = checks[name]!();
    running.set(
      name,
      run
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => running.delete(name)),
    );
    const prev = results.get(name);
    const mark = (r: Omit<Result, 'checkedAt'>) => {
      const now = new Date().toISOString();
      results.set(name, {
        ...r,
        checkedAt: now,
        ...(r.up ? {} : { downSince: prev && !prev.up && prev.downSince ? prev.downSince : now }),
      });
    };
    try {
      await Promise.race([
        run,
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      mark({ up: true, latencyMs: Date.now() - began });
    } catch (err) {
      if (name === 'kafka' && admin && /not connected|disconnected/i.test(describeError(err))) {
        const a = admin;
        admin = undefined;
        void a.disconnect().catch(() => undefined);
      }
      mark({ up: false, lastError: describeError(err) });
    } finally {
      clearTimeout(timeout);
    }
  }

  async function checkNow(): Promise<Record<string, boolean>> {
    await Promise.all(Object.keys(checks).map(checkOne));
    return Object.fromEntries(Object.keys(checks).map((n) => [n, results.get(n)?.up === true]));
  }

  for (const name of Object.keys(checks)) {
    options.health.addReadiness(name, () => results.get(name)?.up === true);
    options.health.addStatus('dependencies', name, () => ({
      ...(results.get(name) ?? { up: false, checkedAt: null }),
    }));
  }

  const loop = () => {
    if (stopped) return;
    void checkNow().finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs).unref();
    });
  };

  return {
    start() {
      stopped = false;
      loop();
    },
    checkNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await admin?.disconnect().catch(() => undefined);
      admin = undefined;
      redis?.disconnect();
      redis = undefined;
    },
  };
}
