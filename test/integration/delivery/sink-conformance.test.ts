import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { systemClock } from '../../../core/clock';
import { createSchemaResolver } from '../../../core/registry';
import { createHttpSink, createKafkaSink, type Sink, type SinkEvent } from '../../../connectors/sinks';
import { randomName, testEndpoints, testKafka } from '../../helpers/stack';
import { encodeHold, freePort, holdEvent, readTopic, startReceiver, type Receiver } from './helpers';

/**
 * The sink contract (connectors/sinks/contract.ts), one suite for every sink: a new sink must
 * pass it before the connector runtime may wrap it.
 */
interface Harness {
  sink: Sink;
  /** Event ids the target has received so far. */
  received(): Promise<string[]>;
  /** A sink of the same kind whose target is down. */
  downSink(): Promise<Sink>;
  close(): Promise<void>;
}

async function sinkEvent(i: number): Promise<SinkEvent> {
  const e = holdEvent(`CF-${i}`, i);
  const { key, value, headers } = await encodeHold(e);
  return {
    eventId: e.eventId,
    key: Buffer.from(key),
    value,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    topic: 't',
    partition: 0,
    offset: String(i),
    attempt: 1,
  };
}

function conformance(name: string, make: () => Promise<Harness>): void {
  describe(`sink conformance: ${name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await make();
      await h.sink.start();
    });
    afterAll(async () => {
      await h.sink.close();
      await h.close();
    });

    it('delivers one event: ok, and the target has it', async () => {
      const e = await sinkEvent(1);
      expect(await h.sink.deliver(e)).toMatchObject({ kind: 'ok' });
      expect(await h.received()).toContain(e.eventId);
    });

    it('takes concurrent deliveries', async () => {
      const events = await Promise.all(Array.from({ length: 20 }, (_, i) => sinkEvent(100 + i)));
      const results = await Promise.all(events.map((e) => h.sink.deliver(e)));
      expect(results.every((r) => r.kind === 'ok')).toBe(true);
      const got = new Set(await h.received());
      expect(events.every((e) => got.has(e.eventId))).toBe(true);
    });

    it('a target that is down is a transient result, never a rejection', async () => {
      const down = await h.downSink();
      try {
        const r = await down.deliver(await sinkEvent(2));
        expect(r.kind).toBe('transient');
      } finally {
        await down.close();
      }
    });

    it('close() is safe to call twice', async () => {
      const extra = await h.downSink();
      await extra.close();
      await expect(extra.close()).resolves.toBeUndefined();
    });
  });
}

conformance('http', async () => {
  const receiver: Receiver = await startReceiver(() => ({ status: 200 }));
  const resolver = createSchemaResolver(testEndpoints().registryUrl);
  const settings = {
    kind: 'http' as const,
    url: receiver.url,
    body: 'json' as const,
    timeoutMs: 2000,
    headers: {},
    secrets: [],
    connections: 8,
    source: 'crossdock',
  };
  return {
    sink: createHttpSink(settings, { resolver, clock: systemClock }),
    received: async () => receiver.requests.map((r) => r.key),
    downSink: async () =>
      createHttpSink(
        { ...settings, url: `http://127.0.0.1:${await freePort()}/x` },
        { resolver, clock: systemClock },
      ),
    close: () => receiver.close(),
  };
});

conformance('kafka', async () => {
  const kafka: Kafka = testKafka();
  const admin: Admin = kafka.admin();
  await admin.connect();
  const topic = randomName('sink-cf');
  const settings = {
    kind: 'kafka' as const,
    topic,
    brokers: [],
    acks: -1 as const,
    timeoutMs: 2000,
    createTopic: true,
  };
  let seen: KafkaMessage[] = [];
  return {
    sink: createKafkaSink(settings, { kafka }),
    received: async () => {
      const offsets = await admin.fetchTopicOffsets(topic);
      const total = offsets.reduce((n, o) => n + Number(o.high), 0);
      if (seen.length < total)
        seen = await readTopic(kafka, topic, (m) => m.length >= total, `${total} on ${topic}`);
      return seen.map((m) => String(m.headers?.ce_id));
    },
    // Not started: its producer is not connected, like a cluster that cannot be reached.
    downSink: async () => createKafkaSink({ ...settings, createTopic: false }, { kafka }),
    close: () => admin.disconnect(),
  };
});
