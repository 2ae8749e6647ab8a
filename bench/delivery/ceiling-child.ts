/**
 * Arm C (ceiling) of benchmark D, in its own process like the connector: the least any Kafka-fed
 * HTTP connector on this stack (kafkajs + undici) must do. A kafkajs consumer with the connector's
 * group settings (read_committed, default fetch sizes, maxWaitTimeInMs, partitions consumed
 * concurrently, commit interval) on the same deliver topic; each record is decoded (cached schema)
 * to the same JSON body and POSTed with the same headers through an undici pool with the
 * connector's settings and the connector's dispatch handler (http-post.ts), at most `concurrency` in flight; events of one key go one after the other
 * (as in the connector); the batch's offsets are resolved once its posts have settled and
 * committed on the same interval. No Redis, no retry, no idempotency, no breaker, no metrics.
 *
 * CD_BENCH = JSON config (as connector-child.ts). Prints "ready" once consuming; SIGTERM stops it
 * and prints its CPU and RSS. CD_BENCH_CLIENT=librdkafka (arm C_rd): the same consumer on the
 * native client (@confluentinc/kafka-javascript's KafkaJS-style API: read_committed, auto-commit
 * on the same interval, batches unbounded as in bench/router's b1rd), the rest unchanged.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import type { EachBatchPayload, IHeaders } from 'kafkajs';
import { Pool } from 'undici';
import { toJsonSafe, unframe } from '../../core/avro';
import { createKafka } from '../../core/kafka';
import { crossdockCacheDir } from '../../core/home';
import { loadNativeKafka } from '../../core/kafka-client/native-load';
import { createSchemaResolver } from '../../core/registry';
import { post } from '../../connectors/sinks/http-post';
import { Semaphore } from '../../connectors/sinks/semaphore';
import { subscriberRuntimeConfig } from '../../connectors/sinks';
import { reportOnSigterm } from './child-exit';

const CE = ['id', 'type', 'source', 'time', 'subject', 'specversion'];

function text(h: IHeaders | undefined, name: string): string | undefined {
  const v = h?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.CD_BENCH ?? '{}') as {
    prefix: string;
    subscriberId: string;
    url: string;
    brokers: string[];
    registryUrl: string;
    concurrency: number;
  };
  // The connector's own compiled settings, so both arms share group and pool parameters.
  const config = subscriberRuntimeConfig(
    {
      id: cfg.subscriberId,
      sink: { kind: 'http', url: cfg.url, body: 'json' },
      delivery: { concurrency: { perInstance: cfg.concurrency } },
    },
    { topicPrefix: cfg.prefix, partitionsConsumedConcurrently: 6 },
  );
  if (config.sink.kind !== 'http') throw new Error('http sink expected');
  const sink = config.sink;
  const url = new URL(sink.url);
  const path = `${url.pathname}${url.search}`;
  const pool = new Pool(url.origin, {
    connections: sink.connections ?? 32,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const resolver = createSchemaResolver(cfg.registryUrl);
  const slots = new Semaphore(config.delivery.concurrency.perInstance);

  async function deliver(value: Buffer, h: IHeaders | undefined): Promise<void> {
    const framed = unframe(value)!;
    const schema = await resolver.getSchemaById(framed.schemaId);
    const body = Buffer.from(JSON.stringify(toJsonSafe(schema.type.fromBuffer(framed.payload))));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': text(h, 'ce_id')!,
      'user-agent': 'crossdock',
      traceparent: text(h, 'traceparent')!,
    };
    for (const n of CE) {
      const v = text(h, `ce_${n}`);
      if (v !== undefined) headers[`ce-${n}`] = v;
    }
    await slots.acquire();
    try {
      // The connector's own (cheapest known) way to POST with undici: a dispatch handler.
      const answer = await post(pool, path, headers, body, sink.timeoutMs);
      if (answer.status >= 300) throw new Error(`receiver answered ${answer.status}`);
    } finally {
      slots.release();
    }
  }

  async function eachBatch({ batch }: Pick<EachBatchPayload, 'batch'>): Promise<void> {
    const chains = new Map<string, Promise<void>>();
    for (const m of batch.messages) {
      const k = m.key?.toString('base64') ?? m.offset;
      const prev = chains.get(k);
      const value = m.value!;
      chains.set(k, prev ? prev.then(() => deliver(value, m.headers)) : deliver(value, m.headers));
    }
    await Promise.all(chains.values());
  }

  const topic = `${cfg.prefix}.deliver.${cfg.subscriberId}`;
  const cpu0 = process.cpuUsage();
  let disconnect: () => Promise<void>;
  if (process.env.CD_BENCH_CLIENT === 'librdkafka') {
    const native = loadNativeKafka(crossdockCacheDir());
    if (!native.ok) throw native.error;
    const { Kafka, logLevel } = native.module.KafkaJS;
    const consumer = new Kafka({
      kafkaJS: { brokers: cfg.brokers, clientId: 'bench-ceiling-rd', logLevel: logLevel.NOTHING },
    }).consumer({
      kafkaJS: {
        groupId: config.consumer.groupId,
        fromBeginning: true,
        autoCommit: true,
        autoCommitInterval: config.consumer.commitIntervalMs,
        maxWaitTimeInMs: config.consumer.maxWaitTimeInMs,
      },
      'js.consumer.max.batch.size': -1,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: config.consumer.partitionsConsumedConcurrently,
      eachBatch: (payload) => eachBatch(payload as unknown as Pick<EachBatchPayload, 'batch'>),
    });
    disconnect = () => consumer.disconnect();
  } else {
    const kafka = createKafka({ clientId: 'bench-ceiling', brokers: cfg.brokers });
    const consumer = kafka.consumer({
      groupId: config.consumer.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: config.consumer.maxWaitTimeInMs,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: true,
      autoCommitInterval: config.consumer.commitIntervalMs,
      partitionsConsumedConcurrently: config.consumer.partitionsConsumedConcurrently,
      eachBatch,
    });
    disconnect = () => consumer.disconnect();
  }
  process.stdout.write('ready\n');
  reportOnSigterm(cpu0, () => disconnect().then(() => pool.close()));
}

main().catch((err) => {
  process.stderr.write(`bench ceiling failed: ${String(err)}\n`);
  process.exit(1);
});
