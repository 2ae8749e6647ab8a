import crypto from 'node:crypto';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import YAML from 'yaml';
import { deadLetterHeaders } from '../../../core/dead-letters';
import type { HubConfig } from '../../../core/config';
import { createHealthServer, type HealthServer } from '../../../core/health';
import { createLogger } from '../../../core/logger';
import { topicsForPrefix, type HubTopics } from '../../../core/names/topics';
import { hubAdminApi, tokenSha256, type AdminApi, type AdminApiDeps, type AuditRecord } from '../../../dlq';
import { createFlowReader, createFlowStore, scorecardQuery } from '../../../flows';
import { hubOverview, loadConfigText } from '../../../hub';
import { encodeEvent, exampleEvent, loadCatalog } from '../../../schemas';
import { oneSiteConfig } from '../../helpers/hub';
import { createTopics, eventually, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * The admin API as `crossdock start` wires it (dlq/api/for-hub.ts: the real store over Redis,
 * dlq.state, reindex, the audit topic and its Redis copy, the registry, the catalog follower), on
 * port 0, over a random topic prefix and Redis prefix of the shared stack, with one token per
 * role and a local admin token. Three dead letters are on its topics and indexed through the
 * API's own reindex: two delivery dead letters of erp (OrderReleased, personal fields filled in)
 * and one router dead letter whose bytes are no Avro.
 */
export const TOKENS = {
  viewer: `viewer-${crypto.randomBytes(8).toString('hex')}`,
  operator: `operator-${crypto.randomBytes(8).toString('hex')}`,
  admin: `admin-${crypto.randomBytes(8).toString('hex')}`,
  local: `local-${crypto.randomBytes(8).toString('hex')}`,
} as const;

/** Token names in the configuration (and so in the audit trail). */
export const NAMES = { viewer: 'vera', operator: 'otto', admin: 'ada', local: 'local-admin' } as const;

export interface ApiHarness {
  prefix: string;
  topics: HubTopics;
  config: HubConfig;
  api: AdminApi;
  /** Base URL of the API (`<url>/api/v1/...`). */
  url: string;
  /** Ids of the dead letters: two of erp, one of the router. */
  ids: { erp: string[]; router: string };
  /** The name in the personal field shipTo.name of the erp letters. */
  personName: string;
  call(
    method: 'GET' | 'POST',
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Every record on the audit topic so far (read to its end). */
  auditTopic(): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

/** `extend`: more routes on the API's app, as hub/start.ts adds the console. */
export async function startApiHarness(
  options: { extend?: AdminApiDeps['extend'] } = {},
): Promise<ApiHarness> {
  const prefix = randomName('dlqapi');
  const t = topicsForPrefix(prefix);
  const doc = oneSiteConfig(prefix, 'http://127.0.0.1:9/events') as unknown as {
    hub: Record<string, unknown>;
    deadLetters?: unknown;
  };
  doc.hub.admin = {
    host: '127.0.0.1',
    port: 0,
    tokens: (['viewer', 'operator', 'admin'] as const).map((role) => ({
      name: NAMES[role],
      role,
      sha256: tokenSha256(TOKENS[role]),
    })),
  };
  doc.deadLetters = { replay: { maxSelection: 1000 } };
  const config = loadConfigText(YAML.stringify(doc));

  const kafka: Kafka = testKafka();
  const admin: Admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [
    t.dlqRouter,
    t.dlqDeliver('erp'),
    t.audit,
    {
      topic: t.dlqState,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
    },
  ]);
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  // Two delivery dead letters of erp: OrderReleased with a person's name in shipTo.name.
  const entry = loadCatalog().byEventType('OrderReleased')!;
  const personName = `Jane Roe ${crypto.randomBytes(3).toString('hex')}`;
  const now = Date.now();
  const erpMessages = await Promise.all(
    [1, 2].map(async (n) => {
      const event = exampleEvent('OrderReleased') as {
        metadata: { eventId: string };
        shipTo: { name: string };
      };
      event.shipTo.name = personName;
      const value = await encodeEvent(testEndpoints().registryUrl, entry, undefined, event as never);
      return {
        key: `ORD-${n}`,
        value,
        headers: {
          ...deadLetterHeaders(
            {
              code: 'CD_E_DELIVERY_REJECTED',
              message: 'erp answered 422: unknown warehouse',
              stage: 'deliver.http',
              attempts: 1,
              lastFailedAt: now - n * 1000,
              original: { topic: t.deliver('erp'), partition: 0, offset: String(n) },
              subscriber: 'erp',
            },
            { ce_id: event.metadata.eventId, ce_type: entry.subject },
          ),
          'cd-last-status': '422',
          'cd-last-error': 'CD_E_DELIVERY_REJECTED: unknown warehouse',
        },
      };
    }),
  );
  await producer.send({ topic: t.dlqDeliver('erp'), acks: -1, messages: erpMessages });
  await producer.send({
    topic: t.dlqRouter,
    acks: -1,
    messages: [
      {
        key: null,
        value: Buffer.from('{"not":"avro","name":"Jane Roe"}'),
        headers: deadLetterHeaders(
          {
            code: 'CD_E_BAD_FRAMING',
            message: 'message is not Confluent-framed Avro',
            stage: 'router.framing',
            lastFailedAt: now,
            original: { topic: t.ingress('us-atl'), partition: 0, offset: '9' },
          },
          {},
        ),
      },
    ],
  });
  await producer.disconnect();

  const health: HealthServer = createHealthServer();
  const api = hubAdminApi({
    config: () => config,
    endpoints: testEndpoints(),
    logger: createLogger({ level: 'silent' }),
    health,
    redisPrefix: `${prefix}:`,
    port: 0,
    localToken: TOKENS.local,
    // As hub/start.ts wires it.
    scorecards: ({ redis, redisPrefix }) => scorecardQuery({ redis, redisPrefix, config: () => config }),
    overview: ({ store }) => hubOverview({ health, config: () => config, store }),
    ...(options.extend ? { extend: options.extend } : {}),
    flows: ({ redis, redisPrefix }) =>
      createFlowReader({
        store: createFlowStore({ redis, redisPrefix }),
        flows: () => config.flows,
        sites: () => config.siteById,
      }),
  });
  await api.start();
  const url = api.url!;

  const call: ApiHarness['call'] = async (method, path, token, body) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  const reindexed = await call('POST', '/dlq/reindex', TOKENS.admin, {});
  if (reindexed.status !== 200 || reindexed.body.letters !== 3)
    throw new Error(`reindex through the API: ${JSON.stringify(reindexed)}`);
  const erp = [0, 1].map((p) => `${t.dlqDeliver('erp')}:0:${p}`);
  const router = `${t.dlqRouter}:0:0`;

  // The audit topic, read by a consumer of the test's own from its start.
  const seen: AuditRecord[] = [];
  const consumer: Consumer = kafka.consumer({ groupId: randomName('audit-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic: t.audit, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => void seen.push(JSON.parse(message.value!.toString()) as AuditRecord),
  });

  return {
    prefix,
    topics: t,
    config,
    api,
    url,
    ids: { erp, router },
    personName,
    call,
    async auditTopic() {
      const offsets = await admin.fetchTopicOffsets(t.audit);
      const total = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
      await eventually(() => seen.length >= total, `the test consumer to read the ${total} audit records`);
      return [...seen];
    },
    async close() {
      await consumer.disconnect();
      await api.stop();
      await admin.disconnect();
    },
  };
}
