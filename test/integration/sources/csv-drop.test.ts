import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { manualClock } from '../../../core/clock';
import { createRedis } from '../../../core/redis';
import { createCatalogCodec } from '../../../connectors/sources/codec';
import {
  createCsvDropFolder,
  type CsvDropSite,
  type CsvReport,
} from '../../../connectors/sources/csv/drop-folder';
import { loadSiteMappings } from '../../../connectors/sources/mapping/load';
import { createIngressPublisher, type IngressPublisher } from '../../../connectors/sources/publisher';
import {
  caughtUp,
  createTopics,
  eventually,
  randomName,
  testEndpoints,
  testKafka,
} from '../../helpers/stack';

/**
 * CSV drop folders against real Kafka, registry and Redis: complete files only, policies,
 * duplicates, and a crash in the middle of a file followed by a restart (each event once).
 */
describe('CSV drop folder (real Kafka, registry, Redis)', () => {
  const endpoints = testEndpoints();
  const prefix = randomName('cdc');
  const topic = `${prefix}.ingress.us-dal`;
  const kafka = testKafka();
  const admin = kafka.admin();
  const redis = createRedis({ url: endpoints.redisUrl });
  const redisPrefix = `${randomName('t')}:`;
  const codec = createCatalogCodec({ ids: endpoints.registryUrl });
  const clock = manualClock(Date.parse('2026-03-02T15:00:00Z'));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-csv-'));
  const sample = fs.readFileSync(
    path.join(__dirname, '../../../sites/us-dal/samples/orders.input.csv'),
    'utf8',
  );
  const header = sample.split('\n')[0]!;
  let publisher: IngressPublisher;
  const received: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: randomName('g') });

  /** A file of `orders` orders with 2 lines each (the second with an embedded newline), order numbers `<tag>-<i>`. */
  const ordersFile = (orders: number, tag = randomName('o')) => {
    const lines = [header];
    for (let i = 0; i < orders; i++) {
      const head = `${tag}-${i},2026-03-02 07:45:00,C-3300,Lone Star Tools,DAL-1,2026-03-03,"Lone Star Tools, Receiving",1200 Commerce St,,Dallas,TX,75202,US,,,USD,360.00`;
      lines.push(
        `${head},1,SKU-10001,Hex bolt,10,CS,24.9900,249.90`,
        `${head},2,SKU-50020,"Gloves\nsize L",22,EA,5.0050,110.10`,
      );
    }
    return lines.join('\n') + '\n';
  };
  const site = (dir: string, policy: CsvDropSite['policy'] = 'all-or-nothing'): CsvDropSite => ({
    siteId: 'us-dal',
    mappings: loadSiteMappings('us-dal'),
    dir: path.join(root, dir),
    policy,
  });
  const folder = (s: CsvDropSite, afterChunk?: (file: string, n: number) => void) =>
    createCsvDropFolder(
      { sites: [s], topicPrefix: prefix, stableMs: 0, chunkSize: 2, redisPrefix },
      { publisher, codec, redis, clock, afterChunk },
    );
  const drop = (s: CsvDropSite, name: string, content: string | Buffer) => {
    fs.mkdirSync(s.dir, { recursive: true });
    fs.writeFileSync(path.join(s.dir, `.${name}.tmp`), content);
    fs.renameSync(path.join(s.dir, `.${name}.tmp`), path.join(s.dir, name));
  };
  const reports = (s: CsvDropSite, sub: 'processed' | 'rejected') =>
    fs.existsSync(path.join(s.dir, sub))
      ? fs
          .readdirSync(path.join(s.dir, sub))
          .filter((f) => f.endsWith('.report.json'))
          .map((f) => JSON.parse(fs.readFileSync(path.join(s.dir, sub, f), 'utf8')) as CsvReport)
      : [];

  beforeAll(async () => {
    await admin.connect();
    await createTopics(admin, [topic]);
    publisher = createIngressPublisher({ kafka, sendTimeoutMs: 5000 });
    await publisher.start();
    await eventually(() => publisher.ready(), 'the producer');
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
    await eventually(() => joined, 'the consumer to join');
  });

  afterAll(async () => {
    await consumer.disconnect();
    await publisher.stop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('publishes a complete file once (grouped orders), moves it to processed/, and rejects the same content again as a duplicate', async () => {
    const s = site('good');
    const w = folder(s);
    drop(s, 'orders-1.csv', sample);
    await w.pollOnce();
    expect(fs.readdirSync(s.dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
    expect(fs.readdirSync(path.join(s.dir, 'processed')).filter((f) => f.endsWith('.csv'))).toHaveLength(1);
    await eventually(() => received.length >= 2, 'two order events');
    const keys = received.map((m) => m.key?.toString());
    expect(keys).toEqual(['DAL-9001', 'DAL-9002']);
    expect(received[0]!.headers?.ce_source?.toString()).toBe('crossdock://sites/us-dal/legacy-erp-csv');

    drop(s, 'orders-1.csv', sample); // the same file again, same name
    await w.pollOnce();
    drop(s, 'orders-1-copy.csv', sample); // and under another name
    await w.pollOnce();
    const dups = reports(s, 'rejected');
    expect(dups).toHaveLength(2);
    for (const dup of dups)
      expect(dup).toMatchObject({
        outcome: 'duplicate',
        problems: [expect.objectContaining({ code: 'CD_E_CSV_DUPLICATE_FILE' })],
      });
    await caughtUp(admin, [topic], () => received.length);
    expect(received).toHaveLength(2);
  });

  it('never reads a half-written file: temporary names are skipped, a growing file waits until its size is stable', async () => {
    const s = site('half');
    const w = createCsvDropFolder(
      { sites: [s], topicPrefix: prefix, stableMs: 2000, redisPrefix },
      { publisher, codec, redis, clock },
    );
    fs.mkdirSync(s.dir, { recursive: true });
    const text = ordersFile(1, 'HALF');
    fs.writeFileSync(path.join(s.dir, 'export.csv.part'), text);
    fs.writeFileSync(path.join(s.dir, 'growing.csv'), text.slice(0, 200));
    await w.pollOnce();
    clock.advance(1000);
    fs.appendFileSync(path.join(s.dir, 'growing.csv'), text.slice(200));
    await w.pollOnce(); // size changed: the stability clock starts again
    clock.advance(1500);
    await w.pollOnce();
    expect(fs.readdirSync(s.dir).sort()).toEqual(['export.csv.part', 'growing.csv']);
    clock.advance(600);
    await w.pollOnce();
    expect(fs.readdirSync(path.join(s.dir, 'processed')).filter((f) => f.endsWith('.csv'))).toHaveLength(1);
    expect(fs.existsSync(path.join(s.dir, 'export.csv.part'))).toBe(true);
    await eventually(
      () => received.some((m) => m.key?.toString() === 'HALF-0'),
      "the growing file's event, once complete",
    );
  });

  it('all-or-nothing: a file with one bad row publishes nothing and is rejected with a report of every bad row', async () => {
    const s = site('strict');
    const bad = ordersFile(2, 'STRICT').split('\n');
    bad[1] = bad[1]!.replace(',USD,', ',XXX,'); // row 1: unknown currency
    drop(s, 'strict.csv', bad.join('\n'));
    await folder(s).pollOnce();
    const [report] = reports(s, 'rejected');
    expect(report).toMatchObject({
      outcome: 'rejected',
      events: 0,
      problems: [
        expect.objectContaining({ row: 1, column: 'currency', code: 'CD_E_INPUT_UNKNOWN_CURRENCY' }),
      ],
    });
    await caughtUp(admin, [topic], () => received.length);
    expect(received.filter((m) => m.key?.toString().startsWith('STRICT-'))).toEqual([]);
  });

  it('publish-good: good orders are published, bad rows reported, the file goes to processed/', async () => {
    const s = site('lenient', 'publish-good');
    const mine = () => received.filter((m) => m.key?.toString().startsWith('LENIENT-'));
    // Order LENIENT-1, first line: a negative quantity.
    const text = ordersFile(3, 'LENIENT').replace(/(LENIENT-1,[^\n]*,1,SKU-10001,Hex bolt,)10,/, '$1-10,');
    drop(s, 'lenient.csv', text);
    await folder(s).pollOnce();
    const [report] = reports(s, 'processed');
    expect(report).toMatchObject({ outcome: 'partly-published', events: 2 });
    expect(report!.problems).toEqual([
      expect.objectContaining({ code: 'CD_E_INPUT_OUT_OF_RANGE', column: 'qty' }),
    ]);
    await eventually(() => mine().length >= 2, 'the two good orders');
    await caughtUp(admin, [topic], () => received.length);
    expect(
      mine()
        .map((m) => m.key?.toString())
        .sort(),
    ).toEqual(['LENIENT-0', 'LENIENT-2']);
  });

  it('a crash in the middle of a file, then a restart: each event published exactly once', async () => {
    const s = site('crash');
    const mine = () => received.filter((m) => m.key?.toString().startsWith('CRASH-'));
    drop(s, 'big.csv', ordersFile(7, 'CRASH'));
    let crashes = 0;
    const crashing = folder(s, (_file, published) => {
      if (published === 4 && crashes++ === 0) throw new Error('simulated crash after 4 events');
    });
    await expect(crashing.pollOnce()).rejects.toThrow('simulated crash');
    await crashing.stop();
    expect(fs.readdirSync(s.dir)).toContain('big.csv'); // not finished: still in the folder
    await eventually(() => mine().length === 4, 'the 4 events published before the crash');

    await folder(s).pollOnce(); // the restarted watcher resumes after the last acknowledged chunk
    await eventually(() => mine().length >= 7, 'all 7 events');
    await caughtUp(admin, [topic], () => received.length);
    const ids = mine().map((m) => m.headers?.ce_id?.toString());
    expect(ids).toHaveLength(7);
    expect(new Set(ids).size).toBe(7);
    expect(mine().map((m) => m.key?.toString())).toEqual(Array.from({ length: 7 }, (_, i) => `CRASH-${i}`));
    expect(fs.readdirSync(path.join(s.dir, 'processed')).filter((f) => f.endsWith('.csv'))).toEqual([
      expect.stringMatching(/_big\.csv$/),
    ]);
  });

  /** Runs the fixture worker as its own process; resolves with its exit signal (SIGKILL) or code. */
  const worker = (s: CsvDropSite, kill?: { at: number; point: 'afterPublish' | 'afterChunk' }) =>
    new Promise<string>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(__dirname, 'fixtures/csv-worker.ts')],
        {
          env: {
            ...process.env,
            CD_BROKERS: endpoints.kafkaBrokers.join(','),
            CD_REDIS_URL: endpoints.redisUrl,
            CD_REGISTRY_URL: endpoints.registryUrl,
            CD_DIR: s.dir,
            CD_PREFIX: prefix,
            CD_KEY_PREFIX: redisPrefix,
            ...(kill ? { CD_KILL_AT: String(kill.at), CD_KILL_POINT: kill.point } : {}),
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      child.on('exit', (code, signal) => resolve(signal ?? String(code)));
    });

  it.each([
    ['after Kafka acknowledged a chunk, before its progress reached Redis', 'afterPublish', 'KILLA'],
    ['after the progress was recorded', 'afterChunk', 'KILLB'],
  ] as const)(
    'kill -9 %s, then a restart: each event exactly once in the topic',
    async (_when, point, tag) => {
      const s = site(`kill-${point}`);
      drop(s, 'big.csv', ordersFile(7, tag));
      expect(await worker(s, { at: 4, point })).toBe('SIGKILL');
      expect(fs.readdirSync(s.dir)).toContain('big.csv');
      expect(await worker(s)).toBe('0');
      const mine = () => received.filter((m) => m.key?.toString().startsWith(`${tag}-`));
      await eventually(() => mine().length >= 7, 'all 7 events');
      await caughtUp(admin, [topic], () => received.length);
      const ids = mine().map((m) => m.headers?.ce_id?.toString());
      expect(ids).toHaveLength(7);
      expect(new Set(ids).size).toBe(7);
      expect(fs.readdirSync(path.join(s.dir, 'processed')).filter((f) => f.endsWith('.csv'))).toHaveLength(1);
    },
  );
  it('a file with many more events than the publisher bound streams through in chunks, each event once and in order', async () => {
    // A bound of 3 events, chunks of 10: every chunk waits for the room and is taken whole once
    // the queue is empty; the file is read as a stream, one order group at a time.
    const bounded = createIngressPublisher({ kafka, sendTimeoutMs: 5000, maxQueuedEvents: 3 });
    await bounded.start();
    await eventually(() => bounded.ready(), 'the bounded producer');
    const s = site('bounded');
    const n = 60;
    drop(s, 'large.csv', ordersFile(n, 'BOUND'));
    await createCsvDropFolder(
      { sites: [s], topicPrefix: prefix, stableMs: 0, chunkSize: 10, redisPrefix },
      { publisher: bounded, codec, redis, clock },
    ).pollOnce();
    const mine = () => received.filter((m) => m.key?.toString().startsWith('BOUND-'));
    await eventually(() => mine().length >= n, `all ${n} events`);
    await caughtUp(admin, [topic], () => received.length);
    expect(mine().map((m) => m.key?.toString())).toEqual(Array.from({ length: n }, (_, i) => `BOUND-${i}`));
    expect(new Set(mine().map((m) => m.headers?.ce_id?.toString())).size).toBe(n);
    expect(bounded.stats()).toMatchObject({ queuedEvents: 0, refusedBusy: 0, produceRequests: n / 10 });
    await bounded.stop();
  });

  it('a file whose order groups are not adjacent is still grouped right (read whole for that file)', async () => {
    const s = site('interleaved');
    const rows = ordersFile(2, 'MIX').trimEnd().split('\n');
    // header, MIX-0 line 1, MIX-0 line 2 (2 physical lines: embedded newline), MIX-1 likewise:
    // put MIX-1's first line between MIX-0's two lines.
    const [head, a1, a2a, a2b, b1, b2a, b2b] = rows;
    drop(s, 'mixed.csv', [head, a1, b1, a2a, a2b, b2a, b2b].join('\n') + '\n');
    await folder(s).pollOnce();
    const mine = () => received.filter((m) => m.key?.toString().startsWith('MIX-'));
    await eventually(() => mine().length >= 2, 'both orders');
    await caughtUp(admin, [topic], () => received.length);
    expect(mine().map((m) => m.key?.toString())).toEqual(['MIX-0', 'MIX-1']);
    expect(fs.readdirSync(path.join(s.dir, 'processed')).filter((f) => f.endsWith('.csv'))).toHaveLength(1);
  });
});
