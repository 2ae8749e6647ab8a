/**
 * What each kind of hub record costs in Redis, measured on real records (docs/operations.md,
 * "Redis persistence and capacity"). Starts a redis-server of its own (free port, temporary
 * folder, AOF on as the stack runs it), writes N records of each kind through the same code the
 * hub uses (retry/state.ts and the router's mark format), and reports per record: MEMORY USAGE of
 * one key, the growth of used_memory divided by N (what the keys, their members and Redis's own
 * bookkeeping cost together), and the growth of the append-only file.
 *
 * The event is a canonical OrderHoldPlaced (test/integration/delivery/helpers.ts) framed as the
 * router writes it, with its CloudEvents headers: the registry of the running stack encodes it.
 *
 *   npx tsx bench/redis/capacity.ts [--events N] [--json]
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { manualClock } from '../../core/clock';
import { deliveryKeys, routerKeys } from '../../core/names/redis-keys';
import { createRedis, type Redis } from '../../core/redis';
import { createDeliveryState, type RetryEntry } from '../../retry/state';
import { createDeduper } from '../../router/dedupe';
import { redisAnswers } from '../../stack/probes';
import { freePort, waitUntil } from '../../stack/proc';
import { redisServerArgs } from '../../stack/redis';
import { encodeHold, holdEvent } from '../../test/integration/delivery/helpers';

const args = process.argv.slice(2);
const N = Number(args[args.indexOf('--events') + 1] ?? 0) || 5000;
const json = args.includes('--json');

async function info(redis: Redis): Promise<{ used: number; aof: number }> {
  const mem = await redis.info('memory');
  const per = await redis.info('persistence');
  const num = (text: string, field: string) =>
    Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { used: num(mem, 'used_memory'), aof: num(per, 'aof_current_size') };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-redis-capacity-'));
  const port = await freePort();
  const server = spawn('redis-server', redisServerArgs(port, dir), { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  if (!(await waitUntil(() => redisAnswers(url), 10_000))) throw new Error('redis-server did not start');
  const redis = createRedis({ url, name: 'capacity' });
  const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
  const clock = manualClock(1_800_000_000_000);
  const prefix = 'cd:';
  const keys = deliveryKeys(prefix, 'erp');
  const state = createDeliveryState({
    redis,
    keys,
    clock,
    owner: `${os.hostname()}:12345:abcd1234`,
    capacity: { maxHeldEvents: 10 * N, maxParkedPerKey: 10 * N },
  });

  // Real records: canonical events, framed, with the headers the router stamps.
  const sample = await encodeHold(holdEvent('ORD-000123', 0));
  const entryOf = (i: number, orderKey?: string): RetryEntry => {
    const eventId = crypto.randomUUID();
    return {
      eventId,
      topic: 'cd.deliver.erp',
      partition: i % 6,
      offset: String(1_000_000 + i),
      key: Buffer.from(orderKey ?? `ORD-${i}`),
      value: sample.value,
      headers: Object.fromEntries(
        Object.entries({ ...sample.headers, ce_id: eventId }).map(([k, v]) => [k, Buffer.from(v)]),
      ),
      attempts: orderKey ? 0 : 1,
      ...(orderKey
        ? { orderKey }
        : {
            firstFailedAt: clock.now(),
            lastFailedAt: clock.now(),
            lastCode: 'CD_E_DELIVERY_SERVER_ERROR',
            lastReason: 'HTTP 503',
            lastStatus: 503,
          }),
    };
  };

  const results: Array<{
    kind: string;
    memoryUsage: number;
    usedPerRecord: number;
    aofPerRecord: number;
    note: string;
  }> = [];
  const measure = async (kind: string, note: string, write: () => Promise<string>) => {
    const before = await info(redis);
    const sampleKey = await write();
    const after = await info(redis);
    results.push({
      kind,
      note,
      memoryUsage: Number(await redis.call('MEMORY', 'USAGE', sampleKey, 'SAMPLES', '0')),
      usedPerRecord: Math.round((after.used - before.used) / N),
      aofPerRecord: Math.round((after.aof - before.aof) / N),
    });
  };

  await measure(
    'idempotency record (done)',
    'one per delivered event per subscriber, kept delivery.idempotency.ttlMs',
    async () => {
      const ids = Array.from({ length: N }, () => crypto.randomUUID());
      const limits = { ratePerSecond: 0, burst: 1, sharedConcurrency: 0 };
      await state.admitMany(ids, limits);
      await Promise.all(ids.map((id) => state.finish(id, 'done')));
      return keys.idempotency(ids[0]!);
    },
  );

  await measure(
    'retry entry (scheduled)',
    'one per event waiting for a retry, until delivered or dead-lettered',
    async () => {
      let first = '';
      for (let i = 0; i < N; i++) {
        const e = entryOf(i);
        first ||= e.eventId;
        await state.schedule(e, clock.now() + 60_000);
      }
      return keys.entry(first);
    },
  );

  const perKey = 50;
  await measure(
    'parked entry (behind its key)',
    `ordering 'key': one per event waiting behind its key's head (${perKey} per key here)`,
    async () => {
      let first = '';
      for (let k = 0; k < N / perKey; k++) {
        const orderKey = `ORD-P${k}`;
        await state.schedule({ ...entryOf(k, orderKey), attempts: 1 }, clock.now() + 60_000);
        for (let j = 1; j < perKey; j++) {
          const e = entryOf(k * perKey + j, orderKey);
          first ||= e.eventId;
          await state.park(e as RetryEntry & { orderKey: string });
        }
      }
      return keys.entry(first);
    },
  );

  await measure(
    'router duplicate mark',
    'one per routed event (not per subscriber), kept hub.router.duplicateWindowSeconds',
    async () => {
      // Written by the router's own code (router/dedupe.ts): hash, origin, first-seen time and
      // the subscribers with their routes (here two, as in the example below the table).
      const rk = routerKeys(prefix);
      const deduper = createDeduper(redis, rk, 604800, clock);
      const route = {
        subscribers: ['wms-chicago', 'analytics'],
        routeOf: { 'wms-chicago': 'orders-to-wms', analytics: 'everything' },
      };
      let first = '';
      for (let i = 0; i < N; i += 500) {
        const batch = Array.from({ length: Math.min(500, N - i) }, (_v, j) => ({
          eventId: crypto.randomUUID(),
          hash: crypto.randomBytes(32).toString('base64'),
          origin: `cd.ingress.us-chi/${(i + j) % 6}/${1_000_000 + i + j}`,
          route,
        }));
        first ||= rk.seen(batch[0]!.eventId);
        await deduper.check(batch);
      }
      return first;
    },
  );

  const report = { redisVersion: version, events: N, eventValueBytes: sample.value.length, records: results };
  if (json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(
      `Redis ${version}; ${N} records of each kind; event value ${sample.value.length} bytes (framed Avro) + ${Object.keys(sample.headers).length} headers`,
    );
    console.log('kind | MEMORY USAGE of one key | used_memory growth per record | AOF growth per record');
    for (const r of results)
      console.log(`${r.kind} | ${r.memoryUsage} | ${r.usedPerRecord} | ${r.aofPerRecord}`);
  }
  redis.disconnect();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
