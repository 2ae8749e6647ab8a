/**
 * Hot-slot measurement (docs/scaling.md): the delivery state's hot path (admit then finish of one
 * event: two Lua script calls on the subscriber's hash tag) on a Redis Cluster of its own
 * (3 primaries + 3 replicas, AOF, started with the stack's code on CROSSDOCK_BENCH_CLUSTER_PORT,
 * default 17401-17406), with the same number of events in flight in two arms:
 *  - one subscriber: every call goes to the one slot of its tag, so to one primary;
 *  - spread: the same load over BENCH_SUBSCRIBERS subscribers (default 12), whose tags fall on all
 *    three primaries.
 * Prints events/s per arm and the commands each primary processed (INFO stats deltas), so the
 * share of the busiest primary shows whether one slot is the limit.
 *
 *   npx tsx bench/scale/slots.ts              (defaults: 5 s per arm, 256 in flight, 2 rounds)
 *   BENCH_SECONDS=10 BENCH_INFLIGHT=512 npx tsx bench/scale/slots.ts
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../core/clock';
import { deliveryKeys } from '../../core/names/redis-keys';
import { createRedis, redisNodes, redisReady, type RedisClient } from '../../core/redis';
import { keySlot } from '../../core/redis-slot';
import { createDeliveryState, type DeliveryState } from '../../retry/state';
import { down, upRedisCluster } from '../../stack';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const inflight = Number(process.env.BENCH_INFLIGHT ?? 256);
const subscriberCount = Number(process.env.BENCH_SUBSCRIBERS ?? 12);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const limits = { ratePerSecond: 0, burst: 1, sharedConcurrency: 0 };

/** Per primary: commands processed and CPU seconds used (main thread, user + sys) so far. */
async function perNode(redis: RedisClient): Promise<Map<string, { commands: number; cpu: number }>> {
  const out = new Map<string, { commands: number; cpu: number }>();
  for (const node of redisNodes(redis)) {
    const info = await node.info();
    const num = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    out.set(`${node.options.port}`, {
      commands: num('total_commands_processed'),
      cpu: num('used_cpu_user_main_thread') + num('used_cpu_sys_main_thread'),
    });
  }
  return out;
}

/** Runs `inflight` workers for `seconds`, each doing admit + finish of fresh events on its state. */
async function arm(
  redis: RedisClient,
  states: DeliveryState[],
): Promise<{ perSecond: number; share: string }> {
  const before = await perNode(redis);
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async (i: number) => {
    const state = states[i % states.length]!;
    while (Date.now() < deadline) {
      const id = crypto.randomUUID();
      await state.admit(id, limits);
      await state.finish(id, 'done');
      done++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: inflight }, (_, i) => worker(i)));
  const elapsed = (Date.now() - started) / 1000;
  const after = await perNode(redis);
  const deltas = [...after].map(([port, n]) => {
    const b = before.get(port) ?? { commands: 0, cpu: 0 };
    return { port, commands: n.commands - b.commands, busy: (n.cpu - b.cpu) / elapsed };
  });
  const total = deltas.reduce((s, d) => s + d.commands, 0) || 1;
  const share = deltas
    .map(
      (d) =>
        `${d.port} ${Math.round((100 * d.commands) / total)}% of commands, CPU ${Math.round(100 * d.busy)}%`,
    )
    .join('; ');
  return { perSecond: Math.round(done / elapsed), share };
}

async function main(): Promise<void> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-bench-slots-'));
  const env = {
    PATH: process.env.PATH,
    CROSSDOCK_HOME: home,
    CROSSDOCK_REDIS_CLUSTER_PORT: process.env.CROSSDOCK_BENCH_CLUSTER_PORT ?? '17401',
  };
  const up = await upRedisCluster({ env, timeoutMs: 60_000 });
  const redis = createRedis({ connection: up.endpoints.redis, name: 'crossdock-bench-slots' });
  try {
    await redisReady(redis, up.url, 20_000);
    const prefix = `bench-${crypto.randomBytes(3).toString('hex')}:`;
    const make = (sub: string) =>
      createDeliveryState({ redis, keys: deliveryKeys(prefix, sub), clock: systemClock, owner: 'bench' });
    const subs = Array.from({ length: subscriberCount }, (_, i) => `sub-${i}`);
    const slots = subs.map((s) => keySlot(deliveryKeys(prefix, s).due));
    console.log(`cluster ${up.url}; ${inflight} events in flight; ${seconds} s per arm; ${rounds} rounds`);
    console.log(`spread arm: ${subscriberCount} subscribers on slots ${slots.join(', ')}`);
    for (let r = 1; r <= rounds; r++) {
      const one = await arm(redis, [make('one')]);
      console.log(
        `round ${r} one subscriber (1 slot): ${one.perSecond} events/s (admit+finish); primaries: ${one.share}`,
      );
      const spread = await arm(redis, subs.map(make));
      console.log(
        `round ${r} spread (${subscriberCount} subscribers): ${spread.perSecond} events/s; primaries: ${spread.share}`,
      );
    }
  } finally {
    redis.disconnect();
    await down({ env, purge: true });
    fs.rmSync(home, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
