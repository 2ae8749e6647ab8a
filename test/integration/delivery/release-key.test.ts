import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { RedisClient as Redis } from '../../../core/redis';
import { loadConfig } from '../../../hub';
import { subscriberDeliveryKeys } from '../../../connectors/sinks';
import { eventually, testEndpoints, testKafka } from '../../helpers/stack';
import {
  deliveryTopics,
  header,
  holdEvent,
  produceHolds,
  readTopic,
  startReceiver,
  startTestConnector,
  testRedis,
  type Receiver,
  type TestConnector,
  type TestEvent,
} from './helpers';

const ROOT = path.resolve(__dirname, '../../..');

/** `crossdock connector <id> --config <file> --release-key <key> --json` as an operator runs it. */
function releaseKey(
  id: string,
  file: string,
  key: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const endpoints = testEndpoints();
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin/crossdock.js'), 'connector', id, '--config', file, '--release-key', key, '--json'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CROSSDOCK_KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
        CROSSDOCK_REGISTRY_URL: endpoints.registryUrl,
        REDIS_URL: endpoints.redisUrl,
      },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('crossdock connector <id> --release-key (ordering: hold)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let redis: Redis;
  let receiver: Receiver;
  let c: TestConnector | undefined;
  let topics: Awaited<ReturnType<typeof deliveryTopics>>;
  let file: string;
  const events: TestEvent[] = [];
  /** Event ids the receiver accepted (2xx), in arrival order. */
  const accepted: string[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    redis = testRedis();
    topics = await deliveryTopics(admin, 1);
    receiver = await startReceiver((req) => {
      const e = events.find((x) => x.eventId === req.key);
      // K's first event is refused for good: dead-lettered, and K is held behind it.
      if (e?.orderId === 'K' && e.seq === 0) return { status: 422 };
      accepted.push(req.key);
      return { status: 200 };
    });
    // The hub configuration the operator's CLI reads; the connector below runs from the same file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-release-'));
    file = path.join(dir, 'hub.yaml');
    fs.writeFileSync(
      file,
      [
        'hub:',
        `  topicPrefix: ${topics.prefix}`,
        'sites:',
        '  - { id: us-chi, name: Chicago DC, country: US, timezone: America/Chicago, connector: { kind: http } }',
        'subscribers:',
        `  - id: ${topics.subscriberId}`,
        `    sink: { kind: http, url: "${receiver.url}", timeoutMs: 2000 }`,
        '    delivery:',
        '      ordering: { mode: key, onDeadLetter: hold }',
        '      retry: { maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 200 }',
        'routes:',
        `  - { name: all, match: { eventTypes: ['*'] }, to: [${topics.subscriberId}] }`,
        '',
      ].join('\n'),
    );
    const config = loadConfig(file);
    const subscriber = config.subscriberById[topics.subscriberId]!;
    c = await startTestConnector(
      kafka,
      redis,
      { prefix: config.hub.topicPrefix, subscriberId: subscriber.id },
      subscriber.sink,
      subscriber.delivery ?? {},
    );
  });

  afterAll(async () => {
    await c?.connector.stop();
    await receiver?.close();
    await producer?.disconnect();
    await admin?.disconnect();
    redis?.disconnect();
  });

  it('reports how many events waited behind the held key, and the running connector then delivers them in order', async () => {
    const k = Array.from({ length: 3 }, (_, i) => holdEvent('K', i));
    const other = holdEvent('O', 100);
    events.push(...k, other);
    await produceHolds(producer, topics.deliver, [k[0]!, k[1]!, k[2]!, other]);

    // K's head is dead-lettered and K held; its two later events wait (nothing sent for them).
    const dlq = await readTopic(kafka, topics.dlq, (m) => m.length >= 1, 'K0 dead-lettered');
    expect(dlq.map((m) => header(m, 'ce_id'))).toEqual([k[0]!.eventId]);
    await eventually(() => accepted.includes(other.eventId), 'the other key delivered meanwhile');
    const keys = subscriberDeliveryKeys(topics.subscriberId, { topicPrefix: topics.prefix });
    await eventually(async () => (await redis.llen(keys.keyQueue('K'))) === 2, "K's two events waiting");
    expect(await redis.sismember(keys.held, 'K')).toBe(1);
    expect(accepted.filter((id) => id === k[1]!.eventId || id === k[2]!.eventId)).toEqual([]);

    const res = await releaseKey(topics.subscriberId, file, 'K');
    // On failure, the CLI's message is in the diff.
    expect({ code: res.code, stderr: res.code === 0 ? '' : res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(res.stdout)).toEqual({ subscriberId: topics.subscriberId, key: 'K', waiting: 2 });

    await eventually(
      () => accepted.includes(k[2]!.eventId),
      "K's held events delivered by the running connector",
      30_000,
    );
    expect(accepted.filter((id) => id !== other.eventId)).toEqual([k[1]!.eventId, k[2]!.eventId]);
    expect(await redis.sismember(keys.held, 'K')).toBe(0);
  });
});
