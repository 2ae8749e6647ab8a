/**
 * Arms K and K_rd: a raw producer sending the same pre-encoded events in batches of
 * CD_BENCH_BATCH from CD_BENCH_CONCURRENCY loops for CD_BENCH_SECONDS, each batch awaited.
 * Prints { events, seconds, cpuMs, rssMb, others }: others = the CPU ms over the same window of
 * the processes CD_BENCH_WATCH_PIDS names (JSON { name: pid }, e.g. the broker). CD_BENCH_CLIENT:
 *  - kafkajs (K): idempotent, acks=all, maxInFlightRequests 1 (kafkajs keeps the idempotent
 *    order only so; the ingest producer's settings);
 *  - librdkafka (K_rd): @confluentinc/kafka-javascript's KafkaJS-style producer, idempotent,
 *    acks=all, librdkafka's own defaults otherwise (linger.ms 5, 5 requests in flight): the
 *    fastest way this client writes these batches, as a team using it bare would.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import fs from 'node:fs';
import type { Message } from 'kafkajs';
import { createKafka } from '../../core/kafka';
import { loadNativeKafka } from '../../core/kafka-client/native-load';
import { currentEndpoints, stackPaths } from '../../stack';
import { cpuWindow } from '../proc-cpu';

async function main(): Promise<void> {
  const topic = process.env.CD_BENCH_TOPIC!;
  const batch = Number(process.env.CD_BENCH_BATCH ?? 100);
  const loops = Number(process.env.CD_BENCH_CONCURRENCY ?? 8);
  const seconds = Number(process.env.CD_BENCH_SECONDS ?? 8);
  const encoded = JSON.parse(fs.readFileSync(process.env.CD_BENCH_EVENTS_FILE!, 'utf8')) as Array<{
    key: string;
    value: string;
    headers: Record<string, string>;
  }>;
  const messages: Message[] = encoded.map((e) => ({
    key: e.key,
    value: Buffer.from(e.value, 'base64'),
    headers: e.headers,
  }));
  const brokers = currentEndpoints().kafkaBrokers;
  let send: (messages: Message[]) => Promise<unknown>;
  let disconnect: () => Promise<void>;
  if (process.env.CD_BENCH_CLIENT === 'librdkafka') {
    const native = loadNativeKafka(stackPaths().cache);
    if (!native.ok) throw native.error;
    const producer = new native.module.KafkaJS.Kafka({
      kafkaJS: { brokers, clientId: 'bench-raw-rd', logLevel: native.module.KafkaJS.logLevel.NOTHING },
    }).producer({ kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: false } });
    await producer.connect();
    // The client writes partition and headers into the messages it gets: copies.
    send = (ms) => producer.send({ topic, messages: ms.map((m) => ({ ...m, headers: { ...m.headers } })) });
    disconnect = () => producer.disconnect();
  } else {
    const producer = createKafka({ clientId: 'bench-raw', brokers }).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
    send = (ms) => producer.send({ topic, acks: -1, messages: ms });
    disconnect = () => producer.disconnect();
  }
  await send(messages.slice(0, batch)); // warm-up: metadata, producer id
  const others = cpuWindow(JSON.parse(process.env.CD_BENCH_WATCH_PIDS ?? '{}') as Record<string, number>);
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  const end = start + seconds * 1000;
  let events = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (Date.now() < end) {
        const from = (i += batch) % (messages.length - batch);
        await send(messages.slice(from, from + batch));
        events += batch;
      }
    }),
  );
  const took = (Date.now() - start) / 1000;
  const c = process.cpuUsage(cpu0);
  const othersMs = others.stop();
  await disconnect();
  process.stdout.write(
    JSON.stringify({
      events,
      seconds: took,
      cpuMs: Math.round((c.user + c.system) / 1000),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
      others: othersMs,
    }) + '\n',
  );
}

void main();
