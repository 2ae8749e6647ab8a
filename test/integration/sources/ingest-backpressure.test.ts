import '../../helpers/integration-timeout';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { createRedis } from '../../../core/redis';
import { signedHeaders, type IngestKey } from '../../../connectors/sources/http/auth';
import { buildIngestApp } from '../../../connectors/sources/http/server';
import { createIngestState } from '../../../connectors/sources/http/state';
import { createCatalogCodec } from '../../../connectors/sources/codec';
import { loadSiteMappings } from '../../../connectors/sources/mapping/load';
import { createIngressPublisher, type IngressPublisher } from '../../../connectors/sources/publisher';
import { down, status, up } from '../../../stack';
import {
  caughtUp,
  createTopics,
  eventually,
  ownStackEnv,
  randomName,
  testEndpoints,
} from '../../helpers/stack';

/**
 * Back-pressure of HTTP ingest against a broker of this test's own (the shared one is never
 * stalled), stalled with SIGSTOP and resumed with SIGCONT:
 * - a request whose events Kafka does not acknowledge in time answers 503 + Retry-After within
 *   the publish timeout (CD_E_KAFKA_UNAVAILABLE), never later;
 * - while those events are still held by the producer, the bounded queue is full and the next
 *   request is refused at once (503 CD_E_INGEST_BUSY + Retry-After);
 * - after the broker resumes, requests are accepted again, and the retry of the timed-out body
 *   (no Idempotency-Key) carries the eventId of the first attempt: the topic never holds that
 *   body under two identities.
 * Only Kafka is this test's own (registry and Redis are the shared ones), to keep it fast.
 */
jest.setTimeout(180000);

const PUBLISH_TIMEOUT_MS = 1500;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-backpressure-'));
const shared = testEndpoints();
const redis = createRedis({ url: shared.redisUrl });
const redisPrefix = `${randomName('t')}:`;
const prefix = randomName('cdt');
const topic = `${prefix}.ingress.us-chi`;
const key: IngestKey = { id: 'chi-bp', siteId: 'us-chi', secret: 'secret-bp' };
const sample = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../../sites/us-chi/samples/order-released.input.json'), 'utf8'),
) as Record<string, unknown>;
let env: NodeJS.ProcessEnv;
let kafka: Kafka;
let kafkaPid: number | undefined;
let stalled = false;
let publisher: IngressPublisher;
let app: FastifyInstance;

beforeAll(async () => {
  env = { ...(await ownStackEnv(home)), CROSSDOCK_REGISTRY_URL: shared.registryUrl };
  const res = await up({ env });
  kafkaPid = (await status({ env })).find((p) => p.part === 'kafka')?.pid;
  if (!kafkaPid) throw new Error('the test Kafka has no pid');
  kafka = new Kafka({
    clientId: randomName('bp'),
    brokers: res.endpoints.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [topic]);
  await admin.disconnect();
  publisher = createIngressPublisher({
    kafka,
    sendTimeoutMs: PUBLISH_TIMEOUT_MS,
    maxQueuedEvents: 1,
    reconnectDelayMs: 200,
  });
  await publisher.start();
  await eventually(() => publisher.ready(), 'the ingress producer to connect');
  app = await buildIngestApp(
    {
      topicPrefix: prefix,
      keys: [key],
      retryAfterSeconds: 2,
      sites: [{ siteId: 'us-chi', mappings: loadSiteMappings('us-chi') }],
    },
    {
      publisher,
      codec: createCatalogCodec({ ids: shared.registryUrl }),
      state: createIngestState(redis, redisPrefix),
    },
  );
});

afterAll(async () => {
  if (stalled && kafkaPid) process.kill(kafkaPid, 'SIGCONT');
  await app?.close();
  await publisher?.stop();
  await down({ env, purge: true }).catch(() => undefined);
  fs.rmSync(home, { recursive: true, force: true });
  const leftovers = await redis.keys(`${redisPrefix}*`);
  if (leftovers.length) await redis.del(...leftovers);
  redis.disconnect();
});

/** A signed POST (signed anew at each call, as a client retry is). */
const post = (body: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/sites/us-chi/events',
    payload: body,
    headers: { 'content-type': 'application/json', ...signedHeaders(key, body) },
  });
const order = (orderNumber: string) => JSON.stringify({ ...sample, orderNumber });

it('answers 503 + Retry-After within the publish timeout under a stalled broker, refuses at once when the queue is full, and accepts again after', async () => {
  const first = await post(order('BP-0'));
  expect(first.statusCode).toBe(202);

  process.kill(kafkaPid!, 'SIGSTOP');
  stalled = true;
  const stuckBody = order('BP-STUCK');
  const began = Date.now();
  const timedOut = await post(stuckBody);
  const waited = Date.now() - began;
  expect(timedOut.statusCode).toBe(503);
  expect(timedOut.headers['retry-after']).toBe('2');
  expect(timedOut.json()).toMatchObject({ code: 'CD_E_KAFKA_UNAVAILABLE', retriable: true });
  // The bound a client can rely on: the publish timeout, plus the request's own work.
  expect(waited).toBeGreaterThanOrEqual(PUBLISH_TIMEOUT_MS - 50);
  expect(waited).toBeLessThan(PUBLISH_TIMEOUT_MS + 5000);

  // The stuck event is still held by the producer: the queue (bound 1 event) is full.
  const busy = await post(order('BP-BUSY'));
  expect(busy.statusCode).toBe(503);
  expect(busy.headers['retry-after']).toBe('2');
  expect(busy.json()).toMatchObject({ code: 'CD_E_INGEST_BUSY', retriable: true });
  expect(publisher.stats()).toMatchObject({ queuedEvents: 1, maxQueuedEvents: 1 });
  expect(publisher.stats().refusedBusy).toBeGreaterThanOrEqual(1);

  process.kill(kafkaPid!, 'SIGCONT');
  stalled = false;
  // The client retries the timed-out body until it is accepted.
  let retryIds: string[] = [];
  await eventually(
    async () => {
      const r = await post(stuckBody);
      if (r.statusCode === 202) retryIds = (r.json() as { eventIds: string[] }).eventIds;
      else expect(r.statusCode).toBe(503);
      return r.statusCode === 202;
    },
    'the retried request to be accepted once the broker resumed',
    60000,
  );
  const after = await post(order('BP-AFTER'));
  expect(after.statusCode).toBe(202);

  // Every record of the stuck body carries the retry's eventId (the first attempt may have landed
  // too: then it is the same identity, and the router drops the copy).
  const received: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: randomName('g') });
  const admin = kafka.admin();
  await admin.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
  await caughtUp(admin, [topic], () => received.length);
  await consumer.disconnect();
  await admin.disconnect();
  const stuck = received.filter((m) => m.key?.toString() === 'BP-STUCK');
  expect(stuck.length).toBeGreaterThanOrEqual(1);
  expect(new Set(stuck.map((m) => m.headers?.ce_id?.toString()))).toEqual(new Set(retryIds));
  expect(received.filter((m) => m.key?.toString() === 'BP-BUSY')).toEqual([]);
  expect(received.filter((m) => m.key?.toString() === 'BP-AFTER')).toHaveLength(1);
});
