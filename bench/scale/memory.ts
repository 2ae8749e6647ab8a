/**
 * Redis memory per unit of the hub's work, for the capacity model (docs/scaling.md "Capacity
 * model"): on a redis-server of its own (port CROSSDOCK_BENCH_REDIS_PORT, default 17601, AOF off,
 * nothing else on it), through the hub's own code, each kind written N times and measured as the
 * server's `used_memory` delta / N and as `MEMORY USAGE` of one key:
 *  - a router duplicate mark (router/dedupe.ts, one per routed event, kept
 *    hub.router.duplicateWindowSeconds);
 *  - a delivered event's idempotency record (retry/state.ts admit + finish 'done', one per event
 *    and subscriber, kept 7 days);
 *  - an open retry (retry/state.ts schedule, the entry holding the record's value: VALUE_BYTES).
 *
 *   npx tsx bench/scale/memory.ts                 (N = 20000; VALUE_BYTES = 950, the Avro size of the benches' events)
 *   BENCH_N=50000 VALUE_BYTES=2000 npx tsx bench/scale/memory.ts [--json]
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../core/clock';
import { deliveryKeys, routerKeys } from '../../core/names/redis-keys';
import { createRedis, redisReady, type RedisClient } from '../../core/redis';
import { createDeliveryState } from '../../retry/state';
import { createDeduper, originOf, payloadHash } from '../../router/dedupe';

const N = Number(process.env.BENCH_N ?? 20_000);
const VALUE_BYTES = Number(process.env.VALUE_BYTES ?? 950);
const port = Number(process.env.CROSSDOCK_BENCH_REDIS_PORT ?? 17601);
const json = process.argv.includes('--json');
const say = (s: string) => process.stderr.write(`${s}\n`);

async function usedMemory(redis: RedisClient): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

/** Bytes per item: the used_memory delta of writing N of them, and MEMORY USAGE of one key. */
async function measure(
  redis: RedisClient,
  name: string,
  write: (from: number, to: number) => Promise<void>,
  oneKey: () => string,
): Promise<{ name: string; perItemBytes: number; keyBytes: number }> {
  const before = await usedMemory(redis);
  for (let i = 0; i < N; i += 500) await write(i, Math.min(N, i + 500));
  const perItemBytes = Math.round((await usedMemory(redis)) - before) / N;
  const keyBytes = Number((await redis.call('MEMORY', 'USAGE', oneKey())) ?? 0);
  say(`${name}: ${Math.round(perItemBytes)} B per item (used_memory Δ / ${N}), one key ${keyBytes} B`);
  return { name, perItemBytes: Math.round(perItemBytes), keyBytes };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-bench-memory-'));
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const redis = createRedis({ url, name: 'crossdock-bench-memory' });
  try {
    await redisReady(redis, url, 20_000);
    const prefix = `bench-${crypto.randomBytes(3).toString('hex')}:`;
    const ids = Array.from({ length: N }, () => crypto.randomUUID());
    const results = [];

    const rkeys = routerKeys(prefix);
    const dedupe = createDeduper(redis, rkeys, 7 * 24 * 3600);
    const body = crypto.randomBytes(VALUE_BYTES);
    results.push(
      await measure(
        redis,
        'router duplicate mark',
        async (from, to) =>
          void (await dedupe.check(
            ids.slice(from, to).map((eventId, i) => ({
              eventId,
              hash: payloadHash(body),
              origin: originOf(`${prefix}ingress.us-chi`, i % 6, String(from + i)),
              route: {
                subscribers: ['central-erp', 'tms'],
                routeOf: { 'central-erp': 'orders', tms: 'orders' },
              },
            })),
          )),
        () => rkeys.seen(ids[0]!),
      ),
    );

    const dkeys = deliveryKeys(prefix, 'central-erp');
    const state = createDeliveryState({ redis, keys: dkeys, clock: systemClock, owner: 'bench' });
    const limits = { ratePerSecond: 0, burst: 1, sharedConcurrency: 0 };
    results.push(
      await measure(
        redis,
        'idempotency record of a delivered event',
        async (from, to) => {
          await state.admitMany(ids.slice(from, to), limits);
          await Promise.all(ids.slice(from, to).map((id) => state.finish(id, 'done')));
        },
        () => dkeys.idempotency(ids[0]!),
      ),
    );

    const rstate = createDeliveryState({
      redis,
      keys: deliveryKeys(prefix, 'finance'),
      clock: systemClock,
      owner: 'bench',
    });
    const value = crypto.randomBytes(VALUE_BYTES);
    const rkeysFinance = deliveryKeys(prefix, 'finance');
    results.push(
      await measure(
        redis,
        `open retry (${VALUE_BYTES} B record value)`,
        async (from, to) =>
          void (await Promise.all(
            ids.slice(from, to).map((eventId, i) =>
              rstate.schedule(
                {
                  eventId,
                  topic: `${prefix}deliver.finance`,
                  partition: i % 6,
                  offset: String(from + i),
                  key: Buffer.from(`ord-${from + i}`),
                  value,
                  headers: {
                    ce_type: Buffer.from('InvoiceGenerated'),
                    traceparent: Buffer.from('00-'.padEnd(55, '0')),
                  },
                  attempts: 1,
                },
                Date.now() + 3_600_000,
              ),
            ),
          )),
        () => rkeysFinance.entry(ids[0]!),
      ),
    );
    if (json)
      process.stdout.write(
        `${JSON.stringify({ date: new Date().toISOString(), n: N, valueBytes: VALUE_BYTES, results })}\n`,
      );
  } finally {
    redis.disconnect();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
