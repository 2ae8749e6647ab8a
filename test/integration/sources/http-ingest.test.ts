import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { manualClock } from '../../../core/clock';
import { createRedis } from '../../../core/redis';
import { createSchemaResolver } from '../../../core/registry';
import { decodeEvent, loadCatalog } from '../../../schemas';
import { signedHeaders, type IngestKey } from '../../../connectors/sources/http/auth';
import { buildIngestApp } from '../../../connectors/sources/http/server';
import { createIngestState } from '../../../connectors/sources/http/state';
import { createCatalogCodec } from '../../../connectors/sources/codec';
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
 * HTTP ingest against the real broker, registry and Redis: authentication, the bad-input corpus,
 * Idempotency-Key, quota, and Kafka unreachable → 503 with nothing published.
 */
describe('HTTP ingest (real Kafka, registry, Redis)', () => {
  const endpoints = testEndpoints();
  const prefix = randomName('cdt');
  const topic = `${prefix}.ingress.us-chi`;
  const mtyTopic = `${prefix}.ingress.mx-mty`;
  const kafka = testKafka();
  const admin = kafka.admin();
  const redis = createRedis({ url: endpoints.redisUrl });
  const redisPrefix = `${randomName('t')}:`;
  const clock = manualClock(Date.parse('2026-03-02T15:00:00Z'));
  const codec = createCatalogCodec({ ids: endpoints.registryUrl });
  const keys: IngestKey[] = [
    { id: 'chi-2026a', siteId: 'us-chi', secret: 'secret-chi-a' },
    { id: 'chi-2026b', siteId: 'us-chi', secret: 'secret-chi-b' },
    { id: 'chi-2025', siteId: 'us-chi', secret: 'secret-chi-old', expiresAt: '2026-01-01T00:00:00Z' },
    { id: 'mty-1', siteId: 'mx-mty', secret: 'secret-mty' },
    { id: 'tor-1', siteId: 'ca-tor', secret: 'secret-tor' },
  ];
  const sample = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../../../sites/us-chi/samples/order-released.input.json'), 'utf8'),
  ) as Record<string, unknown>;
  const mtySample = fs.readFileSync(
    path.join(__dirname, '../../../sites/mx-mty/samples/pedido-liberado.input.json'),
  );
  let publisher: IngressPublisher;
  let app: FastifyInstance;
  let consumer: Consumer;
  const received: KafkaMessage[] = [];

  /** Every eventId a 202 answer named: exactly these must reach Kafka, each once. */
  const acceptedIds = new Set<string>();
  const inject = async (a: FastifyInstance, opts: InjectOptions) => {
    const res = await a.inject(opts);
    if (res.statusCode === 202)
      for (const id of (res.json() as { eventIds: string[] }).eventIds) acceptedIds.add(id);
    return res;
  };
  const post = (
    siteId: string,
    body: string | Buffer,
    opts: { key?: IngestKey; headers?: Record<string, string>; at?: number; contentType?: string } = {},
  ) =>
    inject(app, {
      method: 'POST',
      url: `/v1/sites/${siteId}/events`,
      payload: body,
      headers: {
        'content-type': opts.contentType ?? 'application/json',
        ...(opts.key === undefined ? {} : signedHeaders(opts.key, body, opts.at ?? clock.now())),
        ...opts.headers,
      },
    });
  const order = (over: Record<string, unknown> = {}) =>
    JSON.stringify({ ...sample, orderNumber: randomName('CHI'), ...over });
  const chiA = keys[0]!;

  beforeAll(async () => {
    await admin.connect();
    await createTopics(admin, [topic, mtyTopic]);
    publisher = createIngressPublisher({ kafka, sendTimeoutMs: 5000 });
    await publisher.start();
    await eventually(() => publisher.ready(), 'the ingress producer to connect');
    app = await buildIngestApp(
      {
        topicPrefix: prefix,
        keys,
        maxBodyBytes: 64 * 1024,
        maxBatch: 20,
        sites: [
          { siteId: 'us-chi', mappings: loadSiteMappings('us-chi') },
          { siteId: 'mx-mty', mappings: loadSiteMappings('mx-mty'), quota: { events: 3, windowMs: 60_000 } },
        ],
      },
      { publisher, codec, state: createIngestState(redis, redisPrefix), clock },
    );
    consumer = kafka.consumer({ groupId: randomName('g') });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic, mtyTopic], fromBeginning: true });
    let joined = false;
    consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
    // A consumer disconnected in the middle of its first join can hang: wait for the join.
    await eventually(() => joined, 'the test consumer to join its group');
  });

  afterAll(async () => {
    await consumer.disconnect();
    await app.close();
    await publisher.stop();
    await admin.deleteTopics({ topics: [topic, mtyTopic] }).catch(() => undefined);
    await admin.disconnect();
    const leftovers = await redis.keys(`${redisPrefix}*`);
    if (leftovers.length) await redis.del(...leftovers);
    redis.disconnect();
  });

  it('accepts one event after Kafka acknowledged it: key, CloudEvents headers, decodable Avro', async () => {
    const res = await post('us-chi', order({ orderNumber: 'CHI-ONE-1' }), {
      key: chiA,
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(res.statusCode).toBe(202);
    const { eventIds } = res.json() as { eventIds: string[] };
    expect(eventIds).toHaveLength(1);
    await eventually(
      () => received.some((m) => m.headers?.ce_id?.toString() === eventIds[0]),
      'the event in the ingress topic',
    );
    const msg = received.find((m) => m.headers?.ce_id?.toString() === eventIds[0])!;
    const h = (k: string) => msg.headers?.[k]?.toString();
    expect(msg.key?.toString()).toBe('CHI-ONE-1');
    expect(h('ce_specversion')).toBe('1.0');
    expect(h('ce_type')).toBe('com.crossdock.order.OrderReleased');
    expect(h('ce_source')).toBe('crossdock://sites/us-chi/cloud-erp');
    expect(h('ce_subject')).toBe('CHI-ONE-1');
    expect(h('ce_time')).toBe('2026-03-02T20:30:00.000Z');
    expect(h('content-type')).toBe('application/avro');
    expect(h('traceparent')).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const decoded = await decodeEvent(createSchemaResolver(endpoints.registryUrl), msg.value!, {
      catalog: loadCatalog(),
    });
    expect(decoded.event).toMatchObject({
      orderId: 'CHI-ONE-1',
      orderTotal: '1247.40',
      metadata: { eventId: eventIds[0], siteId: 'us-chi', eventType: 'OrderReleased' },
    });
  });

  it('accepts a batch in another dialect, all events or none', async () => {
    const res = await post('mx-mty', mtySample, { key: keys[3] });
    expect(res.statusCode).toBe(202);
    const batch = JSON.stringify({ events: [JSON.parse(order()), JSON.parse(order()), JSON.parse(order())] });
    const ok = await post('us-chi', batch, { key: chiA });
    expect(ok.statusCode).toBe(202);
    expect((ok.json() as { eventIds: string[] }).eventIds).toHaveLength(3);
  });

  describe('authentication', () => {
    it.each([
      ['no signature headers', () => post('us-chi', order()), 401, 'CD_E_AUTH_MISSING'],
      [
        'a bad signature',
        () => post('us-chi', order(), { key: { ...chiA, secret: 'guess' } }),
        401,
        'CD_E_AUTH_BAD_SIGNATURE',
      ],
      [
        'an unknown key id',
        () => post('us-chi', order(), { key: { id: 'nope', siteId: 'us-chi', secret: 'x' } }),
        401,
        'CD_E_AUTH_BAD_SIGNATURE',
      ],
      [
        'a stale timestamp',
        () => post('us-chi', order(), { key: chiA, at: clock.now() - 301_000 }),
        401,
        'CD_E_AUTH_STALE',
      ],
      [
        'a timestamp from the future',
        () => post('us-chi', order(), { key: chiA, at: clock.now() + 301_000 }),
        401,
        'CD_E_AUTH_STALE',
      ],
      ["another site's key", () => post('us-chi', order(), { key: keys[3] }), 403, 'CD_E_AUTH_WRONG_SITE'],
      [
        'an expired (rotated out) key',
        () => post('us-chi', order(), { key: keys[2] }),
        401,
        'CD_E_AUTH_BAD_SIGNATURE',
      ],
    ])('refuses %s', async (_what, call, status, code) => {
      const res = await call();
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ code, retriable: false });
    });

    it('refuses a replayed request (same signature)', async () => {
      const body = order();
      const headers = signedHeaders(chiA, body, clock.now());
      const first = await inject(app, {
        method: 'POST',
        url: '/v1/sites/us-chi/events',
        payload: body,
        headers: { 'content-type': 'application/json', ...headers },
      });
      expect(first.statusCode).toBe(202);
      const again = await inject(app, {
        method: 'POST',
        url: '/v1/sites/us-chi/events',
        payload: body,
        headers: { 'content-type': 'application/json', ...headers },
      });
      expect(again.statusCode).toBe(401);
      expect(again.json()).toMatchObject({ code: 'CD_E_AUTH_REPLAYED' });
    });

    // The body is checked while the replay mark travels to Redis; the mark still decides first.
    it.each([
      ['a malformed body', '{"type": ', {}, 'CD_E_INPUT_MALFORMED'],
      ['a bad Idempotency-Key', 'x', { 'idempotency-key': 'has spaces' }, 'CD_E_INPUT_MALFORMED'],
      ['a body that does not map', JSON.stringify({ ...sample, currency: 'XXQ' }), {}, 'CD_E_INPUT_REJECTED'],
    ])('answers a replay of %s as replayed, not as bad input', async (_what, body, extra, firstCode) => {
      const headers = {
        'content-type': 'application/json',
        ...signedHeaders(chiA, body, clock.now()),
        ...extra,
      };
      const opts = { method: 'POST' as const, url: '/v1/sites/us-chi/events', payload: body, headers };
      const first = await inject(app, opts);
      expect(first.statusCode).toBe(400);
      expect(first.json()).toMatchObject({ code: firstCode });
      const again = await inject(app, opts);
      expect(again.statusCode).toBe(401);
      expect(again.json()).toMatchObject({ code: 'CD_E_AUTH_REPLAYED' });
    });

    it('publishes one of two concurrent copies of a signed request, and refuses the other', async () => {
      const body = order();
      const headers = { 'content-type': 'application/json', ...signedHeaders(chiA, body, clock.now()) };
      const opts = { method: 'POST' as const, url: '/v1/sites/us-chi/events', payload: body, headers };
      const answers = await Promise.all([inject(app, opts), inject(app, opts)]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 401]);
      const id = (answers.find((a) => a.statusCode === 202)!.json() as { eventIds: string[] }).eventIds[0]!;
      // The final check of this file proves no second copy was published.
      await eventually(
        () => received.some((m) => m.headers?.ce_id?.toString() === id),
        'the accepted copy in the ingress topic',
      );
    });

    it('accepts both keys of a rotation', async () => {
      expect((await post('us-chi', order(), { key: keys[0] })).statusCode).toBe(202);
      expect((await post('us-chi', order(), { key: keys[1] })).statusCode).toBe(202);
    });
  });

  describe('bad input: every problem, nothing published', () => {
    const lines = sample.lines as Array<Record<string, unknown>>;
    // Rows are fixed-length: jest passes a `done` callback to a test whose row is shorter than its arity.
    const corpus: Array<[string, () => string, number, string, string]> = [
      ['malformed JSON', () => '{"type": "order.released", ', 400, 'CD_E_INPUT_MALFORMED', ''],
      ['a JSON scalar', () => '42', 400, 'CD_E_INPUT_MALFORMED', ''],
      ['an empty batch', () => '[]', 400, 'CD_E_INPUT_MALFORMED', ''],
      [
        'a missing required field',
        () => order({ customer: { name: 'x' } }),
        400,
        'CD_E_INPUT_MISSING_FIELD',
        '$.customer.id',
      ],
      [
        'a wrong type',
        () => order({ lines: [{ ...lines[0], qty: 'ten' }] }),
        400,
        'CD_E_INPUT_WRONG_TYPE',
        '$.lines[0].qty',
      ],
      [
        'an object where text is expected',
        () => order({ warehouse: { id: 1 } }),
        400,
        'CD_E_INPUT_WRONG_TYPE',
        '$.warehouse',
      ],
      [
        'an unknown event type',
        () => order({ type: 'order.teleported' }),
        400,
        'CD_E_INPUT_UNKNOWN_EVENT_TYPE',
        '$.type',
      ],
      [
        'a negative quantity',
        () => order({ lines: [{ ...lines[0], qty: -5 }] }),
        400,
        'CD_E_INPUT_OUT_OF_RANGE',
        '$.lines[0].qty',
      ],
      [
        'too many decimal places',
        () => order({ total: '10.005' }),
        400,
        'CD_E_INPUT_OUT_OF_RANGE',
        '$.total',
      ],
      [
        'an unknown currency',
        () => order({ currency: 'XYZ' }),
        400,
        'CD_E_INPUT_UNKNOWN_CURRENCY',
        '$.currency',
      ],
      ['an impossible date', () => order({ shipBy: '2026-02-30' }), 400, 'CD_E_INPUT_BAD_DATE', '$.shipBy'],
      [
        'a timestamp without offset',
        () => order({ releasedAt: '2026-03-02T14:30:00' }),
        400,
        'CD_E_INPUT_BAD_DATE',
        '$.releasedAt',
      ],
      [
        'an unknown unit code',
        () => order({ lines: [{ ...lines[0], uom: 'BARREL' }] }),
        400,
        'CD_E_INPUT_UNKNOWN_CODE',
        '$.lines[0].uom',
      ],
      ['no order lines', () => order({ lines: [] }), 400, 'CD_E_INPUT_MISSING_FIELD', '$.lines'],
      [
        'a batch with one bad record among good ones',
        () =>
          JSON.stringify([JSON.parse(order()), JSON.parse(order({ currency: 'EURO' })), JSON.parse(order())]),
        400,
        'CD_E_INPUT_UNKNOWN_CURRENCY',
        '$[1].currency',
      ],
      [
        'an oversized body',
        () => JSON.stringify({ ...sample, pad: 'x'.repeat(70 * 1024) }),
        413,
        'CD_E_BODY_TOO_LARGE',
        '',
      ],
      [
        'a batch over maxBatch',
        () => JSON.stringify(Array.from({ length: 21 }, () => JSON.parse(order()))),
        413,
        'CD_E_BODY_TOO_LARGE',
        '',
      ],
      ['a bad Idempotency-Key', () => order(), 400, 'CD_E_INPUT_MALFORMED', ''],
    ];

    it.each(corpus)('%s', async (what, body, status, code, at) => {
      const res = await post('us-chi', body(), {
        key: chiA,
        headers: what === 'a bad Idempotency-Key' ? { 'idempotency-key': 'x'.repeat(300) } : {},
      });
      expect(res.statusCode).toBe(status);
      const json = res.json() as {
        code: string;
        problems?: Array<{ path: string; code: string; expected: string; got: string }>;
      };
      if (at) {
        expect(json.code).toBe('CD_E_INPUT_REJECTED');
        expect(json.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: at, code })]));
        for (const p of json.problems!) expect(p.expected.length).toBeGreaterThan(3);
      } else expect(json.code).toBe(code);
      // Nothing published: checked for the whole file in the last test (every ce_id was answered 202).
    });

    it('refuses a wrong content type with 415', async () => {
      const res = await post('us-chi', order(), { key: chiA, contentType: 'text/csv' });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({ code: 'CD_E_UNSUPPORTED_MEDIA_TYPE' });
    });

    it('refuses a site that does not ingest over HTTP here with 404 (signed with its own key)', async () => {
      const res = await post('ca-tor', order(), { key: keys[4] });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'CD_E_UNKNOWN_SITE' });
    });
  });

  it('Idempotency-Key: same key + body → same answer, nothing new; other body → 409', async () => {
    const body = order();
    const idem = randomName('idem');
    const first = await post('us-chi', body, { key: chiA, headers: { 'idempotency-key': idem } });
    expect(first.statusCode).toBe(202);
    clock.advance(1000); // a new signature: a retry signs again
    const second = await post('us-chi', body, { key: chiA, headers: { 'idempotency-key': idem } });
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    const other = await post('us-chi', order(), { key: chiA, headers: { 'idempotency-key': idem } });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'CD_E_IDEMPOTENCY_CONFLICT' });
    // Published once: the last test checks that each accepted eventId is in Kafka exactly once.
  });

  it('answers 429 with Retry-After past the site quota, publishing nothing of the refused request', async () => {
    // mx-mty's quota is 3 events a minute; the batch test used 1.
    const two = JSON.stringify([JSON.parse(mtySample.toString()), JSON.parse(mtySample.toString())]);
    expect((await post('mx-mty', two, { key: keys[3] })).statusCode).toBe(202);
    const res = await post('mx-mty', mtySample, { key: keys[3] });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json()).toMatchObject({ code: 'CD_E_QUOTA_EXCEEDED', retriable: true });
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, { post: { responses: Record<string, unknown> } }>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths['/v1/sites/{siteId}/events']!.post.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '403', '409', '413', '415', '429', '503']),
    );
  });

  it('answers 503 with Retry-After when Kafka cannot take the write, and the same request succeeds later', async () => {
    const dead = new Kafka({
      clientId: randomName('dead'),
      brokers: ['127.0.0.1:1'],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 300,
      retry: { retries: 0 },
    });
    const deadPublisher = createIngressPublisher({
      kafka: dead,
      sendTimeoutMs: 1000,
      reconnectDelayMs: 60_000,
    });
    await deadPublisher.start();
    const deadApp = await buildIngestApp(
      { topicPrefix: prefix, keys, sites: [{ siteId: 'us-chi', mappings: loadSiteMappings('us-chi') }] },
      { publisher: deadPublisher, codec, state: createIngestState(redis, redisPrefix), clock },
    );
    const body = order();
    const idem = randomName('idem');
    const headers = {
      'content-type': 'application/json',
      'idempotency-key': idem,
      ...signedHeaders(chiA, body, clock.now()),
    };
    const res = await inject(deadApp, {
      method: 'POST',
      url: '/v1/sites/us-chi/events',
      payload: body,
      headers,
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ code: 'CD_E_KAFKA_UNAVAILABLE', retriable: true });
    await deadApp.close();
    await deadPublisher.stop();
    // Nothing was stored for the key or the signature: the very same request goes through now.
    const retry = await inject(app, {
      method: 'POST',
      url: '/v1/sites/us-chi/events',
      payload: body,
      headers,
    });
    expect(retry.statusCode).toBe(202);
  });

  it('answers 503 with Retry-After within a bound when Redis does not answer, and accepts nothing', async () => {
    // A Redis client whose server is gone (nothing listens on port 1): HTTP ingest's state calls
    // fail after the command timeout instead of holding the request.
    const goneRedis = createRedis({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 300 });
    const noStateApp = await buildIngestApp(
      { topicPrefix: prefix, keys, sites: [{ siteId: 'us-chi', mappings: loadSiteMappings('us-chi') }] },
      { publisher, codec, state: createIngestState(goneRedis, redisPrefix), clock },
    );
    const body = order();
    const started = Date.now();
    const res = await inject(noStateApp, {
      method: 'POST',
      url: '/v1/sites/us-chi/events',
      payload: body,
      headers: { 'content-type': 'application/json', ...signedHeaders(chiA, body, clock.now()) },
    });
    const waited = Date.now() - started;
    await noStateApp.close();
    goneRedis.disconnect();
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ code: 'CD_E_INGEST_STATE_UNAVAILABLE', retriable: true });
    // Bounded by the command timeout, not by Redis coming back (it never does here).
    expect(waited).toBeLessThan(10_000);
  });

  it('every accepted event is in Kafka exactly once, and nothing else is', async () => {
    expect(acceptedIds.size).toBeGreaterThan(10);
    await eventually(
      () => received.length >= acceptedIds.size,
      `${acceptedIds.size} accepted events in Kafka`,
    );
    await caughtUp(admin, [topic, mtyTopic], () => received.length);
    const ids = received.map((m) => m.headers?.ce_id?.toString() ?? '');
    expect(ids.filter((id) => !acceptedIds.has(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(acceptedIds.size);
    // The publisher counted every message it had acknowledged, in at most one request per message.
    const stats = publisher.stats();
    expect(stats.messages).toBe(acceptedIds.size);
    expect(stats.produceRequests).toBeGreaterThan(0);
    expect(stats.produceRequests).toBeLessThanOrEqual(stats.messages);
  });
});
