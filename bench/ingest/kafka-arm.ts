/**
 * Arm K: a raw kafkajs producer (idempotent, acks=all, maxInFlightRequests 1 — the ingest
 * producer's settings) sending the same pre-encoded events in batches of CD_BENCH_BATCH from
 * CD_BENCH_CONCURRENCY loops for CD_BENCH_SECONDS. Prints { events, seconds, cpuMs, rssMb }.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import fs from 'node:fs';
import type { Message } from 'kafkajs';
import { createKafka } from '../../core/kafka';
import { currentEndpoints } from '../../stack';

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
  const producer = createKafka({ clientId: 'bench-raw', brokers: currentEndpoints().kafkaBrokers }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: messages.slice(0, batch) }); // warm-up: metadata, producer id
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  const end = start + seconds * 1000;
  let events = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (Date.now() < end) {
        const from = (i += batch) % (messages.length - batch);
        await producer.send({ topic, acks: -1, messages: messages.slice(from, from + batch) });
        events += batch;
      }
    }),
  );
  const took = (Date.now() - start) / 1000;
  const c = process.cpuUsage(cpu0);
  await producer.disconnect();
  process.stdout.write(
    JSON.stringify({
      events,
      seconds: took,
      cpuMs: Math.round((c.user + c.system) / 1000),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
    }) + '\n',
  );
}

void main();
