import crypto from 'node:crypto';
// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts), for the fixtures
// that run outside jest (under jest, jest.config.js maps the module).
import '../../core/kafkajs-patch';
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';
import type { Endpoints } from '../../core/env';
import { currentEndpoints, stackPaths } from '../../stack';
import { freePort } from '../../stack/proc';

/** Endpoints of the stack the global setup brought up (or the current one when run alone). */
export function testEndpoints(): Endpoints {
  const raw = process.env.CROSSDOCK_TEST_ENDPOINTS;
  return raw ? (JSON.parse(raw) as Endpoints) : currentEndpoints();
}

/** A name no other test or run uses: topics, groups, key prefixes, subjects. */
export function randomName(prefix: string): string {
  return `${prefix}-${crypto.randomBytes(5).toString('hex')}`;
}

export function testKafka(clientId = randomName('test')): Kafka {
  return new Kafka({ clientId, brokers: testEndpoints().kafkaBrokers, logLevel: logLevel.NOTHING });
}

/**
 * Creates topics and waits for their leaders (the broker does not auto-create topics).
 *
 * kafkajs's leader wait retries LEADER_NOT_AVAILABLE but gives up on UNKNOWN_TOPIC_OR_PARTITION,
 * which the broker answers while a topic it has just created is not in its metadata cache yet
 * (KRaft propagates it a moment later; seen under load with two test workers). The topics exist
 * by then, so that answer means "not yet": the wait goes on here until their metadata is served.
 */
export async function createTopics(admin: Admin, topics: Array<string | ITopicConfig>): Promise<void> {
  const specs = topics.map((t) =>
    typeof t === 'string' ? { topic: t, numPartitions: 1, replicationFactor: 1 } : t,
  );
  try {
    await admin.createTopics({ waitForLeaders: true, topics: specs });
  } catch (err) {
    if ((err as { type?: unknown }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
    await eventually(
      () =>
        admin.fetchTopicMetadata({ topics: specs.map((t) => t.topic) }).then(
          (m) => m.topics.every((t) => t.partitions.every((p) => p.leader >= 0)),
          () => false,
        ),
      `the metadata of ${specs.map((t) => t.topic).join(', ')}`,
    );
  }
}

/** Polls until predicate() is true; fails with `what` after timeoutMs. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until a test consumer has read every record `topics` hold now (their end offsets, for
 * topics written without transactions): after it, a record the consumer has not seen was not on
 * the topics when this was called. Negative checks ("nothing else was published") need no fixed
 * wait: everything the code under test had published by then is in `seen()`.
 */
export async function caughtUp(
  admin: Admin,
  topics: string[],
  seen: () => number,
  timeoutMs = 30000,
): Promise<void> {
  let total = 0;
  for (const t of topics)
    for (const o of await admin.fetchTopicOffsets(t)) total += Number(o.high) - Number(o.low);
  await eventually(
    () => seen() >= total,
    `the test consumer to read the ${total} records on ${topics.join(', ')}`,
    timeoutMs,
  );
}

/**
 * Environment for a stack of a test's own: a temporary home, free ports, the shared downloads and
 * the shared Redis. Tests that stop or restart Kafka or the registry use it so the shared stack is
 * never touched.
 */
export async function ownStackEnv(home: string): Promise<NodeJS.ProcessEnv> {
  const [kafka, controller, sasl, registry, management] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CROSSDOCK_HOME: home,
    CROSSDOCK_CACHE_DIR: stackPaths().cache,
    CROSSDOCK_KAFKA_PORT: String(kafka),
    CROSSDOCK_KAFKA_CONTROLLER_PORT: String(controller),
    CROSSDOCK_KAFKA_SASL_PORT: String(sasl),
    CROSSDOCK_REGISTRY_PORT: String(registry),
    CROSSDOCK_REGISTRY_MANAGEMENT_PORT: String(management),
    REDIS_URL: testEndpoints().redisUrl,
  };
  delete env.CROSSDOCK_KAFKA_BROKERS;
  delete env.CROSSDOCK_REGISTRY_URL;
  return env;
}
