import crypto from 'node:crypto';
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';
import type { Endpoints } from '../../core/env';
import { currentEndpoints } from '../../stack';

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

/** Creates topics and waits for their leaders (the broker does not auto-create topics). */
export async function createTopics(admin: Admin, topics: Array<string | ITopicConfig>): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((t) =>
      typeof t === 'string' ? { topic: t, numPartitions: 1, replicationFactor: 1 } : t,
    ),
  });
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
