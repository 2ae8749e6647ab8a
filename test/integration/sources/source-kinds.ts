import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Admin, Kafka } from 'kafkajs';
import type { Redis } from '../../../core/redis';
import { systemClock } from '../../../core/clock';
import { CrossdockError } from '../../../core/errors';
import { encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';
import { readCredentials, stackPaths } from '../../../stack';
import { createSiteProducer, type EventBody } from '../../../connectors/sdk';
// Internal files, not the sources index: the suite sets each kind up the way its component does.
import { buildIngestApp } from '../../../connectors/sources/http/server';
import { createIngestState } from '../../../connectors/sources/http/state';
import { signedHeaders, type IngestKey } from '../../../connectors/sources/http/auth';
import { createCatalogCodec } from '../../../connectors/sources/codec';
import { createCsvDropFolder, type CsvReport } from '../../../connectors/sources/csv/drop-folder';
import { loadSiteMappings } from '../../../connectors/sources/mapping/load';
import { createIngressPublisher, type IngressPublisher } from '../../../connectors/sources/publisher';
import { grantSiteAcls, revokeSiteAcls } from '../../../connectors/sources/onboarding';
import { inventoryAdjustedBody } from '../../helpers/sites';
import { randomName, testEndpoints, eventually } from '../../helpers/stack';

const ROOT = path.resolve(__dirname, '../../..');

/** A refusal as the source reports it to the site. */
export interface Refusal {
  /** Stable code of the problem, CD_E_... */
  code: string;
  /** Where in the input: a JSON path, a row and column, a field path. */
  where: string;
  message: string;
}

/** One source kind set up for the conformance suite (source-conformance.test.ts). */
export interface SourceUnderTest {
  /** The site it publishes as, and another site with its own ingress topic. */
  readonly siteId: string;
  readonly otherSiteId: string;
  readonly topicPrefix: string;
  /** Sends one valid record whose business key includes `tag`; resolves once the source has answered. */
  sendValid(tag: string): Promise<{ key: string; eventType: string }>;
  /** Sends the record of sendValid(tag) again: same Idempotency-Key / same file / same eventId. */
  resend(tag: string): Promise<void>;
  /** A re-send writes a second record (with the same eventId) instead of none; the reason why. */
  readonly resendWritesAgain?: string;
  /** Sends a record whose `badField` is wrong; resolves with the refusal. */
  sendBad(): Promise<Refusal>;
  readonly badField: string;
  /** Tries to publish as otherSiteId; resolves with the refusal. Absent: why it cannot even be tried. */
  impersonate?(): Promise<Refusal>;
  readonly impersonationImpossible?: string;
  close(): Promise<void>;
}

export interface SourceEnv {
  kafka: Kafka;
  admin: Admin;
  redis: Redis;
}

async function startPublisher(kafka: Kafka): Promise<IngressPublisher> {
  const publisher = createIngressPublisher({ kafka, sendTimeoutMs: 5000 });
  await publisher.start();
  await eventually(() => publisher.ready(), 'the ingress producer to connect');
  return publisher;
}

/** HTTP ingest: POST /v1/sites/:siteId/events, HMAC-signed, through the Fastify app. */
export async function httpSource({ kafka, redis }: SourceEnv): Promise<SourceUnderTest> {
  const topicPrefix = randomName('cdsc');
  const redisPrefix = `${randomName('t')}:`;
  const keys: IngestKey[] = [
    { id: 'chi-1', siteId: 'us-chi', secret: 'secret-chi' },
    { id: 'mty-1', siteId: 'mx-mty', secret: 'secret-mty' },
  ];
  const sample = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'sites/us-chi/samples/order-released.input.json'), 'utf8'),
  ) as Record<string, unknown>;
  const publisher = await startPublisher(kafka);
  const app: FastifyInstance = await buildIngestApp(
    {
      topicPrefix,
      keys,
      maxBodyBytes: 64 * 1024,
      maxBatch: 20,
      sites: [
        { siteId: 'us-chi', mappings: loadSiteMappings('us-chi') },
        { siteId: 'mx-mty', mappings: loadSiteMappings('mx-mty') },
      ],
    },
    {
      publisher,
      codec: createCatalogCodec({ ids: testEndpoints().registryUrl }),
      state: createIngestState(redis, redisPrefix),
      clock: systemClock,
    },
  );
  // Signatures have a one-second timestamp and a replayed signature is refused: each request is
  // signed for its own second (all within the accepted skew).
  let signedAt = Date.now();
  const post = (siteId: string, body: string, extra: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: `/v1/sites/${siteId}/events`,
      payload: body,
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(keys[0]!, body, (signedAt -= 1000)),
        ...extra,
      },
    });
  const order = (tag: string) => JSON.stringify({ ...sample, orderNumber: `CHI-${tag}` });
  const refusal = (res: Awaited<ReturnType<typeof post>>): Refusal => {
    const json = res.json() as {
      code: string;
      message: string;
      problems?: Array<{ path: string; code: string }>;
    };
    const first = json.problems?.[0];
    return {
      code: first?.code ?? json.code,
      where: first?.path ?? `POST ${res.statusCode}`,
      message: json.message,
    };
  };
  const send = async (tag: string) => {
    const res = await post('us-chi', order(tag), { 'idempotency-key': `idem-${tag}` });
    if (res.statusCode !== 202) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
  };
  return {
    siteId: 'us-chi',
    otherSiteId: 'mx-mty',
    topicPrefix,
    async sendValid(tag) {
      await send(tag);
      return { key: `CHI-${tag}`, eventType: 'OrderReleased' };
    },
    resend: send,
    badField: 'currency',
    sendBad: async () => refusal(await post('us-chi', JSON.stringify({ ...sample, currency: 'XXQ' }))),
    // us-chi's key, signing a post to mx-mty's URL with mx-mty's own sample.
    impersonate: async () => refusal(await post('mx-mty', order('IMP'))),
    async close() {
      await app.close();
      await publisher.stop();
      const left = await redis.keys(`${redisPrefix}*`);
      if (left.length) await redis.del(...left);
    },
  };
}

/** CSV drop folder: complete files in the site's folder, exactly once per file content. */
export async function csvSource({ kafka, redis }: SourceEnv): Promise<SourceUnderTest> {
  const topicPrefix = randomName('cdsc');
  const redisPrefix = `${randomName('t')}:`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-csv-cf-'));
  const header = fs
    .readFileSync(path.join(ROOT, 'sites/us-dal/samples/orders.input.csv'), 'utf8')
    .split('\n')[0]!;
  const publisher = await startPublisher(kafka);
  const folder = createCsvDropFolder(
    {
      sites: [{ siteId: 'us-dal', mappings: loadSiteMappings('us-dal'), dir, policy: 'all-or-nothing' }],
      topicPrefix,
      stableMs: 0,
      chunkSize: 2,
      redisPrefix,
    },
    { publisher, codec: createCatalogCodec({ ids: testEndpoints().registryUrl }), redis, clock: systemClock },
  );
  const file = (orderNo: string, currency = 'USD') =>
    `${header}\n${orderNo},2026-03-02 07:45:00,C-3300,Lone Star Tools,DAL-1,2026-03-03,Lone Star Tools,1200 Commerce St,,Dallas,TX,75202,US,,,${currency},249.90,1,SKU-10001,Hex bolt,10,CS,24.9900,249.90\n`;
  let n = 0;
  /** Drops a file as a site should (temporary name, then rename) and processes the folder once. */
  const drop = async (content: string) => {
    const name = `f-${++n}.csv`;
    fs.writeFileSync(path.join(dir, `.${name}.tmp`), content);
    fs.renameSync(path.join(dir, `.${name}.tmp`), path.join(dir, name));
    await folder.pollOnce();
    const rejected = path.join(dir, 'rejected');
    const report = fs.existsSync(rejected)
      ? fs.readdirSync(rejected).find((f) => f.endsWith(`_${name}.report.json`))
      : undefined;
    return report
      ? (JSON.parse(fs.readFileSync(path.join(rejected, report), 'utf8')) as CsvReport)
      : undefined;
  };
  return {
    siteId: 'us-dal',
    otherSiteId: 'mx-mty',
    topicPrefix,
    async sendValid(tag) {
      const report = await drop(file(`DAL-${tag}`));
      if (report) throw new Error(`file rejected: ${JSON.stringify(report.problems)}`);
      return { key: `DAL-${tag}`, eventType: 'OrderReleased' };
    },
    // The same content under another name.
    resend: async (tag) => void (await drop(file(`DAL-${tag}`))),
    badField: 'currency',
    async sendBad() {
      const report = await drop(file('DAL-BAD', 'XXQ'));
      const p = report?.problems[0];
      if (!p) throw new Error('the bad file was not rejected with a report');
      return {
        code: p.code,
        where: `row ${p.row} column ${p.column}`,
        message: `${p.path}: expected ${p.expected}, got ${p.got}`,
      };
    },
    impersonationImpossible:
      'a file names no site: the folder it is dropped in is the site, so a file can only publish as that site',
    async close() {
      await publisher.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      const left = await redis.keys(`${redisPrefix}*`);
      if (left.length) await redis.del(...left);
    },
  };
}

function sitePassword(user: string): string {
  const u = readCredentials(stackPaths())?.users.find((x) => x.name === user);
  if (!u) throw new Error(`no SCRAM credentials for ${user}`);
  return u.password;
}

/** The site SDK: the site's own SCRAM login on the SASL listener, held to its topic by ACLs. */
export async function sdkSource({ admin }: SourceEnv): Promise<SourceUnderTest> {
  const topicPrefix = randomName('cdsc');
  const endpoints = testEndpoints();
  // What `crossdock schemas push` does: the SDK itself only looks schema ids up.
  await encodeEvent(
    endpoints.registryUrl,
    loadCatalog().byEventType('InventoryAdjusted')!,
    undefined,
    exampleEvent('InventoryAdjusted'),
  );
  for (const s of ['us-atl', 'ca-tor']) await grantSiteAcls(admin, topicPrefix, s);
  const sdk = (siteId: string) =>
    createSiteProducer({
      siteId,
      brokers: endpoints.kafkaSaslBrokers,
      sasl: { mechanism: 'scram-sha-512', username: 'site-us-atl', password: sitePassword('site-us-atl') },
      registryUrl: endpoints.registryUrl,
      topicPrefix,
    });
  const own = sdk('us-atl');
  const impostor = sdk('ca-tor');
  await own.connect();
  await impostor.connect();
  const body = (tag: string) => inventoryAdjustedBody({ adjustmentId: `ADJ-${tag}`, sku: `SKU-${tag}` });
  const ids = new Map<string, string>();
  const asRefusal = (err: unknown): Refusal => {
    if (!(err instanceof Error)) throw err;
    const problems = (err as CrossdockError).details?.problems as Array<{ path: string }> | undefined;
    // kafkajs errors carry a numeric code, and the broker's name for it in `type` of the error
    // or of the error it wraps.
    const code: unknown = (err as { code?: unknown }).code;
    let type: string | undefined;
    for (let e: unknown = err; e && typeof e === 'object' && !type;) {
      const t = (e as { type?: unknown }).type;
      if (typeof t === 'string' && t !== 'UNKNOWN') type = t;
      e = (e as { originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
    }
    return {
      code: typeof code === 'string' && code.startsWith('CD_E_') ? code : (type ?? String(code)),
      where: problems?.[0]?.path ?? `${impostor.topic}`,
      message: err.message,
    };
  };
  return {
    siteId: 'us-atl',
    otherSiteId: 'ca-tor',
    topicPrefix,
    async sendValid(tag) {
      const res = await own.events.InventoryAdjusted(body(tag));
      ids.set(tag, res.eventId);
      return { key: res.key, eventType: 'InventoryAdjusted' };
    },
    resend: async (tag) => void (await own.events.InventoryAdjusted(body(tag), { eventId: ids.get(tag) })),
    resendWritesAgain:
      'the SDK keeps no ingest state: a re-send with the same eventId is written again and the router drops it as a duplicate (router/dedupe.ts)',
    badField: 'quantityDelta',
    sendBad: () =>
      own.events
        .InventoryAdjusted({ ...body('BAD'), quantityDelta: -3 } as unknown as EventBody<'InventoryAdjusted'>)
        .then(() => ({ code: 'none', where: '', message: 'published' }), asRefusal),
    impersonate: () =>
      impostor.events
        .InventoryAdjusted(body('IMP'))
        .then(() => ({ code: 'none', where: '', message: 'published' }), asRefusal),
    async close() {
      await own.disconnect();
      await impostor.disconnect();
      for (const s of ['us-atl', 'ca-tor'])
        await revokeSiteAcls(admin, topicPrefix, s).catch(() => undefined);
    },
  };
}
