import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createRedis } from '../../../core/redis';
import { signedHeaders, type IngestKey } from '../../../connectors/sources/http/auth';
import { buildIngestApp } from '../../../connectors/sources/http/server';
import { createIngestState } from '../../../connectors/sources/http/state';
import { createCatalogCodec } from '../../../connectors/sources/codec';
import { loadSiteMappings } from '../../../connectors/sources/mapping/load';
import { createIngressPublisher, type IngressPublisher } from '../../../connectors/sources/publisher';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * The URL of HTTP ingest is not authenticated: nothing in it may become a metric label as sent.
 * 10,000 requests with random site ids and random other path parts, unsigned, signed with a real
 * key of another site, malformed: every one gets its coded answer, and the metrics registry holds
 * the same series after the storm as before it (once each kind of answer was seen).
 */
describe('HTTP ingest metrics under random URLs (real Kafka, registry, Redis)', () => {
  const endpoints = testEndpoints();
  const prefix = randomName('cdt');
  const topic = `${prefix}.ingress.us-chi`;
  const kafka = testKafka();
  const admin = kafka.admin();
  const redis = createRedis({ url: endpoints.redisUrl });
  const redisPrefix = `${randomName('t')}:`;
  const metrics = new Registry();
  const key: IngestKey = { id: 'chi-1', siteId: 'us-chi', secret: 'secret-chi' };
  const sample = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../../../sites/us-chi/samples/order-released.input.json'), 'utf8'),
  ) as Record<string, unknown>;
  let publisher: IngressPublisher;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    await admin.connect();
    await createTopics(admin, [topic]);
    publisher = createIngressPublisher({ kafka, sendTimeoutMs: 5000 });
    await publisher.start();
    await eventually(() => publisher.ready(), 'the ingress producer to connect');
    app = await buildIngestApp(
      {
        topicPrefix: prefix,
        keys: [key],
        sites: [{ siteId: 'us-chi', mappings: loadSiteMappings('us-chi') }],
      },
      {
        publisher,
        codec: createCatalogCodec({ ids: endpoints.registryUrl }),
        state: createIngestState(redis, redisPrefix),
        metrics,
      },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    await publisher.stop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    const leftovers = await redis.keys(`${redisPrefix}*`);
    if (leftovers.length) await redis.del(...leftovers);
    redis.disconnect();
  });

  /** Every series of every metric in the registry, as `name{labels}`. */
  const series = async () =>
    (await metrics.getMetricsAsJSON()).flatMap((m) =>
      m.values.map((v) => `${m.name}${JSON.stringify(v.labels)}`),
    );
  const answered = async () =>
    (await metrics.getSingleMetric('crossdock_ingest_requests_total')!.get()).values.reduce(
      (n, v) => n + v.value,
      0,
    );

  const rnd = (n: number) => crypto.randomInt(n);
  const token = (len: number, alphabet: string) =>
    Array.from({ length: len }, () => alphabet[rnd(alphabet.length)]).join('');
  const validId = () => token(1 + rnd(20), 'abcdefghijklmnopqrstuvwxyz0123456789').replace(/^-/, 'x');
  const invalidId = (variant = rnd(6)) =>
    [
      () => token(1 + rnd(10), 'ABCDEFGHIJ'),
      () => 'a'.repeat(64 + rnd(200)),
      () => `-${validId()}`,
      () => encodeURIComponent(`é${validId()}`),
      () => encodeURIComponent(`${validId()}.${validId()}`),
      () => `${validId()}%20x`,
    ][variant]!();

  /** One request of a random kind; resolves to the status and the body's code it should get. */
  function randomRequest(
    kind = rnd(6),
    variant = rnd(6),
  ): { url: string; init: RequestInit; status: number; code: string } {
    const body = JSON.stringify({ ...sample, orderNumber: randomName('CHI') });
    const json = { 'content-type': 'application/json' };
    switch (kind) {
      case 0: // an unknown site, unsigned
        return {
          url: `/v1/sites/${validId()}/events`,
          init: { method: 'POST', headers: json, body },
          status: 401,
          code: 'CD_E_AUTH_MISSING',
        };
      case 1: // an unknown site, signed with a real key of another site
        return {
          url: `/v1/sites/${validId()}x/events`,
          init: { method: 'POST', headers: { ...json, ...signedHeaders(key, body) }, body },
          status: 404,
          code: 'CD_E_UNKNOWN_SITE',
        };
      case 2: // a site id no site can have
        return {
          url: `/v1/sites/${invalidId(variant)}/events`,
          init: { method: 'POST', headers: json, body },
          status: 400,
          code: 'CD_E_INPUT_MALFORMED',
        };
      case 3: // a random path under a random site
        return {
          url: `/v1/sites/${validId()}/${token(1 + rnd(12), 'abcdefxyz')}`,
          init: { method: 'POST', headers: json, body },
          status: 404,
          code: 'CD_E_NOT_FOUND',
        };
      case 4: // the right path, the wrong method
        return {
          url: `/v1/sites/${validId()}/events`,
          init: { method: 'GET' },
          status: 405,
          code: 'CD_E_METHOD_NOT_ALLOWED',
        };
      default: // a random path elsewhere
        return {
          url: `/${token(1 + rnd(8), 'abcdefxyz')}/${validId()}?site=${validId()}`,
          init: { method: 'POST', headers: json, body },
          status: 404,
          code: 'CD_E_NOT_FOUND',
        };
    }
  }

  it('10,000 random URLs: every one answered with its code, no new series', async () => {
    // One accepted event and one request of each kind first: the series they make are the baseline.
    const body = JSON.stringify({ ...sample, orderNumber: randomName('CHI') });
    const ok = await fetch(`${base}/v1/sites/us-chi/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(key, body) },
      body,
    });
    expect(ok.status).toBe(202);
    for (let kind = 0; kind < 6; kind++)
      for (let variant = 0; variant < 6; variant++) {
        const r = randomRequest(kind, variant);
        const res = await fetch(base + r.url, r.init);
        expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([r.status, r.code]);
      }
    // A site id over Fastify's 100-character parameter limit is refused before the route's own
    // check (its label is `-`, not `unknown`): the baseline has both sides of that limit.
    for (const length of [64, 263]) {
      const res = await fetch(`${base}/v1/sites/${'a'.repeat(length)}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([
        400,
        'CD_E_INPUT_MALFORMED',
      ]);
    }
    const before = await series();
    const answeredBefore = await answered();

    const wrong: string[] = [];
    let left = 10_000;
    const worker = async () => {
      while (left > 0) {
        left--;
        const r = randomRequest();
        const res = await fetch(base + r.url, r.init);
        const got = (await res.json()) as { code?: string };
        if (res.status !== r.status || got.code !== r.code)
          wrong.push(`${r.init.method} ${r.url}: ${res.status} ${got.code} (expected ${r.status} ${r.code})`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));

    expect(wrong.slice(0, 10)).toEqual([]);
    expect(await answered()).toBe(answeredBefore + 10_000);
    const after = await series();
    expect(after.filter((s) => !before.includes(s))).toEqual([]);
    expect(after.length).toBe(before.length);
    const sites = new Set(
      (await metrics.getSingleMetric('crossdock_ingest_requests_total')!.get()).values.map(
        (v) => v.labels.site,
      ),
    );
    expect([...sites].sort()).toEqual(['-', 'unknown', 'us-chi']);
  });
});
