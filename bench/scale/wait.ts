/**
 * What `WAIT` costs the delivery hot path (docs/scaling.md "What a failover can cost"): admit then
 * finish of fresh events on one subscriber, finish batched as the sink connector does
 * (finishDelayMs 10), without WAIT and with `replicaAck: { replicas: 1 }` (WAIT 1 after each
 * finish batch, in the same pipeline, on the slot's primary), the two arms interleaved in each
 * round so the machine's noise falls on both. On a Redis Cluster of its own (3 primaries +
 * 3 replicas, AOF, loopback; CROSSDOCK_BENCH_CLUSTER_PORT, default 17441-17446), at two numbers of
 * events in flight (BENCH_INFLIGHT, default 8 and 256). Prints events/s, the mean time of one
 * admit+finish, the with/without ratios, and how many finish batches WAIT answered short.
 *
 *   npx tsx bench/scale/wait.ts              (defaults: 4 s per arm, 3 rounds)
 *   BENCH_SECONDS=10 BENCH_ROUNDS=5 BENCH_INFLIGHT=64 npx tsx bench/scale/wait.ts
 */
import { withBenchCluster } from './cluster';
import { systemClock } from '../../core/clock';
import { deliveryKeys } from '../../core/names/redis-keys';
import type { RedisClient } from '../../core/redis';
import { createDeliveryState } from '../../retry/state';

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const inflights = (process.env.BENCH_INFLIGHT ?? '8,256').split(',').map(Number);
const limits = { ratePerSecond: 0, burst: 1, sharedConcurrency: 0 };

interface Result {
  perSecond: number;
  meanMs: number;
  shortBatches: number;
}

async function arm(redis: RedisClient, prefix: string, inflight: number, wait: boolean): Promise<Result> {
  let shortBatches = 0;
  const state = createDeliveryState({
    redis,
    keys: deliveryKeys(prefix, 'one'),
    clock: systemClock,
    owner: 'bench',
    finishDelayMs: 10,
    ...(wait
      ? { replicaAck: { replicas: 1, timeoutMs: 1000 }, onReplicaShortfall: () => void shortBatches++ }
      : {}),
  });
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  let busyMs = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      const id = crypto.randomUUID();
      const t0 = performance.now();
      await state.admit(id, limits);
      await state.finish(id, 'done');
      busyMs += performance.now() - t0;
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: inflight }, worker));
  const elapsed = (Date.now() - started) / 1000;
  return { perSecond: Math.round(done / elapsed), meanMs: busyMs / (done || 1), shortBatches };
}

async function main(): Promise<void> {
  await withBenchCluster('wait', 17441, async ({ redis, url, prefix }) => {
    console.log(`cluster ${url}; ${seconds} s per arm; ${rounds} rounds; in flight ${inflights.join(', ')}`);
    const ratios = new Map<number, { rate: number[]; latency: number[] }>();
    for (let r = 1; r <= rounds; r++) {
      for (const inflight of inflights) {
        const without = await arm(redis, prefix, inflight, false);
        const withWait = await arm(redis, prefix, inflight, true);
        const rate = withWait.perSecond / without.perSecond;
        const latency = withWait.meanMs / without.meanMs;
        const acc = ratios.get(inflight) ?? { rate: [], latency: [] };
        acc.rate.push(rate);
        acc.latency.push(latency);
        ratios.set(inflight, acc);
        console.log(
          `round ${r}, ${inflight} in flight: without WAIT ${without.perSecond} events/s, ${without.meanMs.toFixed(2)} ms per admit+finish; ` +
            `with WAIT 1 ${withWait.perSecond} events/s, ${withWait.meanMs.toFixed(2)} ms (${withWait.shortBatches} batches short); ` +
            `with/without: rate ${rate.toFixed(2)}, time ${latency.toFixed(2)}`,
        );
      }
    }
    for (const [inflight, acc] of ratios) {
      const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
      console.log(
        `${inflight} in flight: with/without WAIT events/s ${range(acc.rate)}, time per admit+finish ${range(acc.latency)}`,
      );
    }
  });
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
