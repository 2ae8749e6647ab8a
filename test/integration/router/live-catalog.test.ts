import '../../helpers/integration-timeout';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Producer } from 'kafkajs';
import { businessKey, encodeEvent, loadCatalog, pushSchemas, type CatalogEntry } from '../../../schemas';
import { eventually, testEndpoints, testKafka } from '../../helpers/stack';
import { SchemaSandbox } from '../../unit/schemas/sandbox';
import { ceHeaders, sampleEvent, type WireEvent } from './events';
import {
  Collector,
  allTopics,
  createConfigTopics,
  idsOf,
  produce,
  settle,
  startRouter,
  testConfig,
  type RunningRouter,
} from './harness';

/**
 * Catalog changes while the router runs (docs/operations.md "Live catalog changes"). The catalog is
 * a throwaway copy holding one event type under a random domain (its own registry subject), and
 * the router has a random topic prefix, so `<prefix>.catalog` and the subjects are this test's
 * alone: the canonical subjects the other tests use are never touched.
 */
jest.setTimeout(180000);

const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const { registryUrl, kafkaBrokers } = testEndpoints();
const GRACE_MS = 12000;
const config = testConfig({
  subscribers: ['all'],
  routes: [{ name: 'everything', match: {}, to: ['all'] }],
  partitions: 1,
  router: { unknownVersionGraceMs: GRACE_MS, retry: { initialMs: 100, maxMs: 500 } },
});
const t = allTopics(config);
const kafka = testKafka();
const box = new SchemaSandbox();
const { subject } = box.isolate('OrderHoldPlaced');
let producer: Producer;
let collector: Collector;
let running: RunningRouter;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/crossdock.js', ...args], {
      cwd: root,
      env: {
        ...process.env,
        CROSSDOCK_REGISTRY_URL: registryUrl,
        CROSSDOCK_KAFKA_BROKERS: kafkaBrokers.join(','),
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `crossdock schemas push` of the sandbox to this router's prefix; returns the publish time. */
async function push(): Promise<number> {
  const res = await cli(['schemas', 'push', '--dir', box.dir, '--prefix', config.hub.topicPrefix, '--json']);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return Date.parse((JSON.parse(res.stdout) as { catalog: { publishedAt: string } }).catalog.publishedAt);
}

/** Waits until the router validates against the catalog published at `at`. */
async function routerHas(at: number): Promise<void> {
  await eventually(async () => {
    const text = await running.health.metrics.getSingleMetricAsString(
      'crossdock_router_catalog_published_seconds',
    );
    return Number(/ (\S+)$/.exec(text.trim())?.[1]) === at / 1000;
  }, 'the router to follow the new catalog');
}

function entryOf(): CatalogEntry {
  return loadCatalog(box.dir, { cache: false }).bySubject(subject)!;
}

async function events(version: number, n: number): Promise<WireEvent[]> {
  const entry = entryOf();
  return Promise.all(
    Array.from({ length: n }, async () => {
      const event = sampleEvent({ eventType: 'OrderHoldPlaced', siteId: 'us-chi' });
      if (version >= 2) event.note = null;
      return {
        key: businessKey(entry, event),
        value: await encodeEvent(registryUrl, entry, version, event),
        headers: ceHeaders(entry, event),
        event,
      };
    }),
  );
}

const eventIds = (list: WireEvent[]) => list.map((w) => w.event.metadata.eventId as string).sort();
const dlqCodes = () => collector.get(t.dlq).map((r) => [r.headers['cd-error-code'], r.headers.ce_id]);

beforeAll(async () => {
  producer = kafka.producer();
  await producer.connect();
  await createConfigTopics(kafka, config);
  collector = new Collector(kafka, [t.deliver('all'), t.dlq]);
  await collector.start();
  // Nobody pushed to this prefix: the router starts on the catalog shipped with the hub.
  running = await startRouter(config, { catalogPollMs: 300 });
});

afterAll(async () => {
  await running?.stop();
  await collector?.stop();
  await producer?.disconnect();
  box.remove();
});

it('routes a version pushed while it runs, holding its events while the catalog is on its way', async () => {
  // Registered, but the catalog not published yet: what a router sees in the middle of a push.
  await pushSchemas({ registry: registryUrl, catalog: loadCatalog(box.dir, { cache: false }) });
  const v1 = await events(1, 3);
  await produce(producer, t.ingress('us-chi'), v1);
  await settle(1500);
  expect(collector.get(t.deliver('all'))).toEqual([]);
  expect(collector.get(t.dlq)).toEqual([]);
  expect(
    await running.health.metrics.getSingleMetricAsString('crossdock_router_transient_retries_total'),
  ).toMatch(/dependency="catalog"\} [1-9]/);

  await routerHas(await push());
  await eventually(() => collector.get(t.deliver('all')).length >= 3, 'the held v1 events routed');
  expect(idsOf(collector.get(t.deliver('all')))).toEqual(eventIds(v1));
  expect(collector.get(t.dlq)).toEqual([]);
});

it('routes a new version after `schemas push`, refuses a retired one, all without a restart', async () => {
  box.addVersion('OrderHoldPlaced', (s) => {
    s.fields.push({ name: 'note', type: ['null', 'string'], default: null, doc: 'A free-text note.' });
  });
  await routerHas(await push());
  const v2 = await events(2, 3);
  await produce(producer, t.ingress('us-chi'), v2);
  await eventually(() => collector.get(t.deliver('all')).length >= 6, 'the v2 events routed');
  expect(collector.get(t.dlq)).toEqual([]);

  box.editEntry('OrderHoldPlaced', (e) => {
    e.versions[0]!.status = 'retired';
  });
  await routerHas(await push());
  const late = await events(1, 2);
  await produce(producer, t.ingress('us-chi'), late);
  await eventually(() => collector.get(t.dlq).length >= 2, 'the retired-version events dead-lettered');
  expect(dlqCodes().sort()).toEqual(eventIds(late).map((id) => ['CD_E_VERSION_RETIRED', id]));
  await settle(1000);
  expect(collector.get(t.deliver('all'))).toHaveLength(6);
});

it('dead-letters a version the catalog never names once the grace period is over', async () => {
  // v3 is registered but its catalog is never published (a schema registered outside the catalog).
  box.addVersion('OrderHoldPlaced', (s) => {
    s.fields.push({ name: 'channel', type: ['null', 'string'], default: null, doc: 'Where it came from.' });
  });
  await pushSchemas({ registry: registryUrl, catalog: loadCatalog(box.dir, { cache: false }) });
  const v3 = (await events(3, 1)).map((w) => w);
  const started = Date.now();
  await produce(producer, t.ingress('us-chi'), v3);
  await eventually(
    () => collector.get(t.dlq).length >= 3,
    'the unknown version dead-lettered',
    GRACE_MS + 20000,
  );
  expect(Date.now() - started).toBeGreaterThanOrEqual(GRACE_MS - 1000);
  expect(dlqCodes()).toContainEqual(['CD_E_UNKNOWN_SCHEMA_VERSION', v3[0]!.event.metadata.eventId]);
});

it('`schemas check` refuses an in-place edit of a published version, naming the file', async () => {
  box.editVersion('OrderHoldPlaced', 2, (s) => {
    s.fields.push({ name: 'priority', type: ['null', 'int'], default: null, doc: 'Priority.' });
  });
  const res = await cli(['schemas', 'check', '--dir', box.dir]);
  expect(res.code).toBe(1);
  expect(res.stdout).toMatch(
    /CD_E_PUBLISHED_VERSION_CHANGED: \S+\/OrderHoldPlaced\/v2\.avsc .*add the change as v4/,
  );
  const refused = await cli(['schemas', 'push', '--dir', box.dir, '--prefix', config.hub.topicPrefix]);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain('CD_E_SCHEMA_CHECK_FAILED');
});
