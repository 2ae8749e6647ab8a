/**
 * Hot-slot measurement (docs/scaling.md): the delivery state's hot path (admit then finish of one
 * event: two Lua script calls on the subscriber's hash tag), and a retry arm (schedule, claim,
 * complete of one entry on one subscriber), on a Redis Cluster of its own
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
import { withBenchCluster } from './cluster';
import { systemClock } from '../../core/clock';
import { deliveryKeys } from '../../core/names/redis-keys';
import { redisNodes, type RedisClient } from '../../core/redis';
import { keySlot } from '../../core/redis-slot';
import { createDeliveryState, type DeliveryState } from '../../retry/state';

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

type Step = (state: DeliveryState) => Promise<void>;

/** The delivery's hot path: admit, then record the 2xx. */
const admitFinish: Step = async (state) => {
  const id = crypto.randomUUID();
  await state.admit(id, limits);
  await state.finish(id, 'done');
};

/** One retry: the entry is scheduled due now, claimed, and completed as delivered. */
const retryOnce: Step = async (state) => {
  const id = crypto.randomUUID();
  await state.schedule(
    {
      eventId: id,
      topic: 'bench.deliver',
      partition: 0,
      offset: '1',
      key: null,
      value: Buffer.alloc(1024, 1),
      headers: {},
      attempts: 1,
    },
    Date.now() - 1,
  );
  const [claimed] = await state.claimDue(1, 5_000);
  if (claimed) await state.complete(claimed, 'delivered');
};

/** Runs `inflight` workers for `seconds`, each doing `step` on its state in a loop. */
async function arm(
  redis: RedisClient,
  states: DeliveryState[],
  step: Step = admitFinish,
): Promise<{ perSecond: number; share: string; cpuPerEventUs: number }> {
  const before = await perNode(redis);
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async (i: number) => {
    const state = states[i % states.length]!;
    while (Date.now() < deadline) {
      await step(state);
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
  const cpu = deltas.reduce((sum, d) => sum + d.busy * elapsed, 0);
  return {
    perSecond: Math.round(done / elapsed),
    share,
    cpuPerEventUs: Math.round((cpu / (done || 1)) * 1e7) / 10,
  };
}

async function main(): Promise<void> {
  await withBenchCluster('slots', 17401, async ({ redis, url, prefix }) => {
    const make = (sub: string) =>
      createDeliveryState({ redis, keys: deliveryKeys(prefix, sub), clock: systemClock, owner: 'bench' });
    const subs = Array.from({ length: subscriberCount }, (_, i) => `sub-${i}`);
    const slots = subs.map((s) => keySlot(deliveryKeys(prefix, s).due));
    console.log(`cluster ${url}; ${inflight} events in flight; ${seconds} s per arm; ${rounds} rounds`);
    console.log(`spread arm: ${subscriberCount} subscribers on slots ${slots.join(', ')}`);
    for (let r = 1; r <= rounds; r++) {
      const one = await arm(redis, [make('one')]);
      console.log(
        `round ${r} one subscriber (1 slot): ${one.perSecond} events/s (admit+finish), ${one.cpuPerEventUs} µs primary CPU per event; primaries: ${one.share}`,
      );
      const spread = await arm(redis, subs.map(make));
      console.log(
        `round ${r} spread (${subscriberCount} subscribers): ${spread.perSecond} events/s, ${spread.cpuPerEventUs} µs primary CPU per event; primaries: ${spread.share}`,
      );
      const retry = await arm(redis, [make('retry')], retryOnce);
      console.log(
        `round ${r} retries on one subscriber (schedule+claim+complete, 1 KB entries): ${retry.perSecond} retries/s, ${retry.cpuPerEventUs} µs primary CPU per retry; primaries: ${retry.share}`,
      );
    }
  });
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
