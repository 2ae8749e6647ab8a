import type { Admin } from 'kafkajs';
import {
  kafkaConnectionFailure,
  redisConnectionFailure,
  registryConnectionFailure,
} from '../core/connection-errors';
import { CrossdockError, describeError, isCrossdockError } from '../core/errors';
import type { Endpoints } from '../core/env';
import type { HealthServer } from '../core/health';
import { createKafka, kafkaUnreachable } from '../core/kafka';
import { createRedis, redisReady, type Redis } from '../core/redis';
import { registryRequest } from '../core/registry';

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
  endpoints: Pick<Endpoints, 'kafka' | 'registry' | 'redis'>;
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
  const kafka = createKafka({ clientId: 'crossdock-probe', connection: options.endpoints.kafka });
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
      redis ??= createRedis({ connection: options.endpoints.redis, name: 'crossdock-probe', failFast: true });
      await redis.ping();
    },
    async registry() {
      const res = await registryRequest(options.endpoints.registry, 'GET', '/subjects', undefined, {
        timeoutMs,
      });
      if (res.status < 200 || res.status >= 300) throw new Error(`GET /subjects answered ${res.status}`);
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

export type DependencyName = 'kafka' | 'registry' | 'redis';

/**
 * The first connection to each of `parts` (default: all three), once, at start-up: Kafka's
 * cluster metadata, the registry's GET /subjects, Redis's ready state and PING, all at once.
 * Failures no retry will mend are coded so that the operator knows which setting to fix:
 * CD_E_KAFKA_AUTH_FAILED, CD_E_KAFKA_TLS_FAILED, CD_E_REGISTRY_AUTH_FAILED (401, 403),
 * CD_E_REGISTRY_TLS_FAILED, CD_E_REDIS_AUTH_FAILED, CD_E_REDIS_TLS_FAILED; a part that does not
 * answer is CD_E_KAFKA_UNREACHABLE, CD_E_REGISTRY_UNAVAILABLE or CD_E_STACK_NO_REDIS. Messages
 * name the endpoint and the variables to check, never a secret.
 * @throws CrossdockError the first failure, in the order Kafka, registry, Redis
 */
export async function checkConnectionsAtStart(
  endpoints: Pick<Endpoints, 'kafka' | 'registry' | 'redis'>,
  options: { parts?: readonly DependencyName[]; timeoutMs?: number } = {},
): Promise<void> {
  const parts = options.parts ?? ['kafka', 'registry', 'redis'];
  const timeoutMs = options.timeoutMs ?? 10_000;
  const checks: Record<DependencyName, () => Promise<void>> = {
    async kafka() {
      const brokers = endpoints.kafka.brokers.join(',');
      const admin = createKafka({
        clientId: 'crossdock-start-check',
        connection: endpoints.kafka,
        extra: {
          connectionTimeout: Math.min(timeoutMs, 5000),
          authenticationTimeout: timeoutMs,
          requestTimeout: timeoutMs,
          retry: { retries: 2 },
        },
      }).admin();
      try {
        await admin.connect();
        await admin.describeCluster();
      } catch (err) {
        throw (
          kafkaConnectionFailure(err, brokers) ??
          kafkaUnreachable(err) ??
          new CrossdockError(
            'CD_E_KAFKA_UNREACHABLE',
            `Kafka at ${brokers} could not be used: ${describeError(err)}`,
            { retriable: true, cause: err, details: { brokers } },
          )
        );
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    async registry() {
      const { url } = endpoints.registry;
      let status: number;
      try {
        ({ status } = await registryRequest(endpoints.registry, 'GET', '/subjects', undefined, {
          timeoutMs,
        }));
      } catch (err) {
        throw registryConnectionFailure(url, { error: err }) ?? err;
      }
      const refused = registryConnectionFailure(url, { status });
      if (refused) throw refused;
      if (status < 200 || status >= 300)
        throw new CrossdockError(
          'CD_E_REGISTRY_UNAVAILABLE',
          `the schema registry at ${url} answered ${status} to GET /subjects; check CROSSDOCK_REGISTRY_URL (the base of its Confluent API)`,
          { retriable: true, details: { url, status } },
        );
    },
    async redis() {
      const { url } = endpoints.redis;
      const redis = createRedis({
        connection: endpoints.redis,
        name: 'crossdock-start-check',
        failFast: true,
      });
      try {
        await redisReady(redis, url, timeoutMs);
        await redis.ping();
      } catch (err) {
        throw isCrossdockError(err) ? err : (redisConnectionFailure(err, url) ?? err);
      } finally {
        redis.disconnect();
      }
    },
  };
  const order: DependencyName[] = ['kafka', 'registry', 'redis'];
  const chosen = order.filter((p) => parts.includes(p));
  const results = await Promise.allSettled(chosen.map((p) => checks[p]()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
