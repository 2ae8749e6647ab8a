import '../../helpers/integration-timeout';
import crypto from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import type { IHeaders } from 'kafkajs';
import { silentLogger } from '../../../core/logger';
import { createSchemaResolver } from '../../../core/registry';
import { routerCatalog } from '../../../router/catalog';
import { compileRoutes } from '../../../router/match';
import { createValidator, type IngressRecord } from '../../../router/validate';
import { createLocalAnalyzer, type RecordAnalysis } from '../../../router/analysis';
import { createWorkerAnalyzer, type WorkerAnalyzer } from '../../../router/analysis-pool';
import { routerLog } from '../../../router/log-events';
import { loadCatalog } from '../../../schemas';
import { systemClock } from '../../../core/clock';
import { createRedis } from '../../../core/redis';
import { createDeduper } from '../../../router/dedupe';
import { routerKeys } from '../../../router/keys';
import { randomName, testEndpoints } from '../../helpers/stack';
import { wireEvent, type SampleOptions } from './events';
import { testConfig } from './harness';

/**
 * Validation on worker threads (hub.router.validationThreads) must give exactly the verdicts of
 * validation on the main thread, for good and bad records alike, and a worker that dies must
 * fail its batch as retriable (the router retries it) and be replaced.
 */
const registryUrl = testEndpoints().registryUrl;
const config = testConfig({
  subscribers: ['all', 'tor'],
  routes: [
    { name: 'everything', match: {}, to: ['all'] },
    { name: 'toronto', match: { sites: ['ca-tor'] }, to: ['tor'] },
  ],
  rules: {
    OrderReleased: [
      { name: 'known-currency', schema: { properties: { currency: { enum: ['USD', 'CAD', 'MXN'] } } } },
    ],
  },
});
const headerConfig = testConfig({
  subscribers: ['traced'],
  routes: [{ name: 'traced', match: { headers: [{ header: 'x-trace', exists: true }] }, to: ['traced'] }],
});

function record(
  w: { key: string | null; value: Buffer | null; headers?: IHeaders },
  i: number,
): IngressRecord {
  return {
    topic: 'cd.ingress.us-chi',
    partition: 0,
    offset: String(i),
    key: w.key === null ? null : Buffer.from(w.key),
    value: w.value,
    ...(w.headers ? { headers: w.headers } : {}),
  };
}

async function corpus(): Promise<IngressRecord[]> {
  const ev = (o: SampleOptions = {}) =>
    wireEvent(registryUrl, { eventType: 'OrderReleased', siteId: 'us-chi', ...o });
  const good = await ev();
  const v1 = await ev({ version: 1 });
  const other = await ev({ eventType: 'InventoryAdjusted' });
  const withHeader = (name: string, value: string | Buffer[]) => ({
    ...good,
    headers: { ...good.headers, [name]: value },
  });
  const trailing = Buffer.concat([good.value, Buffer.from([0])]);
  const list = [
    good,
    v1,
    other,
    { ...good, headers: undefined },
    { ...good, headers: { ...good.headers, 'x-trace': 'yes' } },
    withHeader('ce_id', crypto.randomUUID()),
    withHeader('ce_type', 'InvoiceGenerated'),
    withHeader('ce_time', '2020-01-01T00:00:00Z'),
    withHeader('content-type', 'application/json'),
    withHeader('ce_specversion', '0.3'),
    withHeader('ce_id', [Buffer.from(good.event.metadata.eventId as string), Buffer.from('second')]),
    { ...good, key: 'not-the-business-key' },
    { ...good, value: trailing },
    { ...good, value: good.value.subarray(0, good.value.length - 3) },
    { ...good, value: Buffer.from('plain text') },
    { ...good, value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0x00]), good.value.subarray(5)]) },
    { key: 'k', value: null },
    await ev({ siteId: 'ca-tor' }),
    await ev({ patch: (e) => (e.currency = 'EUR') }),
    await ev({ siteId: 'us-dal' }),
    await ev({ occurredAt: new Date(Date.now() + 86_400_000) }),
    // The first record again from another offset (a duplicate), then its eventId with another
    // payload (a conflict).
    good,
    await ev({ eventId: good.event.metadata.eventId as string }),
  ];
  return list.map(record);
}

const redis = createRedis({ url: testEndpoints().redisUrl });

/** Each analyzer gets duplicate marks of its own (a fresh key prefix), so all see first sightings. */
function local(cfg = config) {
  const router = compileRoutes(cfg);
  return createLocalAnalyzer({
    validator: createValidator({
      config: cfg,
      resolver: createSchemaResolver(registryUrl),
      catalog: routerCatalog(loadCatalog()),
      clock: systemClock,
      convertAll: router.usesFields,
    }),
    router,
    deduper: createDeduper(redis, routerKeys(randomName('aw') + ':'), 600),
  });
}

/** Verdicts without the one clock-dependent figure (seconds ahead of the clock). */
function stable(list: RecordAnalysis[]): RecordAnalysis[] {
  return list.map((a) =>
    a.ok
      ? a
      : {
          ok: false,
          rejection: { ...a.rejection, message: a.rejection.message.replace(/\d+ s ahead/, 'N s ahead') },
        },
  );
}

const started: WorkerAnalyzer[] = [];
async function pool(threads: number, cfg = config, onWorker?: (w: Worker) => void): Promise<WorkerAnalyzer> {
  const a = createWorkerAnalyzer({
    config: cfg,
    registry: { url: registryUrl },
    redis: testEndpoints().redis,
    redisPrefix: randomName('aw') + ':',
    threads,
    log: routerLog(silentLogger()),
    allHeaders: compileRoutes(cfg).usesHeaders,
    ...(onWorker ? { onWorker } : {}),
  });
  started.push(a);
  await a.start();
  return a;
}

afterAll(async () => {
  await Promise.all(started.map((a) => a.close()));
  redis.disconnect();
});

describe('analysis on worker threads', () => {
  it('gives the verdicts of the main thread on good and bad records', async () => {
    const records = await corpus();
    const want = stable(await local().analyze('us-chi', records));
    // The corpus really exercises every duplicate verdict, acceptance and several refusals.
    const seen = want.flatMap((a) => (a.ok ? [a.seen] : []));
    expect(seen.filter((v) => v === 'new').length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(expect.arrayContaining(['duplicate', 'conflict']));
    const codes = new Set(want.flatMap((a) => (a.ok ? [] : [a.rejection.code])));
    expect(codes.size).toBeGreaterThanOrEqual(8);
    const workers = await pool(2);
    expect(stable(await workers.analyze('us-chi', records))).toEqual(want);
    // Batches in flight at once on two threads keep their own answers; the same records from
    // the same offsets again are the same attempt (the crash-window rule), not duplicates.
    const [a, b] = await Promise.all([
      workers.analyze('us-chi', records.slice(0, 5)),
      workers.analyze('us-chi', records.slice(5)),
    ]);
    expect(stable([...a, ...b])).toEqual(
      want.map((x) => (x.ok && x.seen === 'new' ? { ...x, seen: 'same-attempt' } : x)),
    );
  });

  it('passes every header when a route tests headers', async () => {
    const records = await corpus();
    const want = stable(await local(headerConfig).analyze('us-chi', records));
    const traced = want.filter((a) => a.ok && a.route.subscribers.includes('traced'));
    expect(traced).toHaveLength(1);
    expect(stable(await (await pool(1, headerConfig)).analyze('us-chi', records))).toEqual(want);
  });

  it('a worker that dies fails its batch as retriable and is replaced', async () => {
    const workers: Worker[] = [];
    const a = await pool(1, config, (w) => workers.push(w));
    const records = await corpus();
    // A batch big enough that the worker is still on it when it is terminated.
    const pending = a.analyze('us-chi', Array.from({ length: 300 }, () => records).flat());
    await workers[0]!.terminate();
    await expect(pending).rejects.toMatchObject({ code: 'CD_E_ROUTER_WORKER_FAILED', retriable: true });
    const again = await a.analyze('us-chi', records);
    expect(again).toHaveLength(records.length);
    expect(workers).toHaveLength(2);
  });

  it('a worker that cannot compile the configuration fails start()', async () => {
    const broken = {
      ...config,
      rules: { OrderReleased: [{ name: 'broken', schema: { type: 'no-such-type' } }] },
    };
    await expect(pool(1, broken)).rejects.toThrow(/no-such-type|schema is invalid/);
  });
});
