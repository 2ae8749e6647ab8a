/**
 * One arm of bench:sdk in its own process: a site program publishing through the SDK
 * (createSiteProducer, SCRAM on the SASL listener, typed OrderReleased events validated and
 * Avro-encoded, each publish awaited) from CD_BENCH_CONCURRENCY loops for CD_BENCH_SECONDS, on
 * the client CD_BENCH_CLIENT names. Prints one JSON line { client, events, seconds, cpuMs, rssMb,
 * p50Ms, p99Ms }.
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { createSiteProducer } from '../../connectors/sdk';
import type { KafkaClientSetting } from '../../core/kafka-client/choose';
import { currentEndpoints } from '../../stack';
import { atlOrderReleased } from '../../test/helpers/orders';

async function main(): Promise<void> {
  const endpoints = currentEndpoints();
  const loops = Number(process.env.CD_BENCH_CONCURRENCY ?? 64);
  const seconds = Number(process.env.CD_BENCH_SECONDS ?? 8);
  const producer = createSiteProducer({
    siteId: 'us-atl',
    brokers: endpoints.kafkaSaslBrokers,
    sasl: { mechanism: 'scram-sha-512', username: 'site-us-atl', password: process.env.CD_BENCH_PASSWORD! },
    registryUrl: endpoints.registryUrl,
    topicPrefix: process.env.CD_BENCH_PREFIX!,
    sourceSystem: 'bench',
    client: (process.env.CD_BENCH_CLIENT ?? 'auto') as KafkaClientSetting,
  });
  await producer.connect();
  let n = 0;
  const order = () => atlOrderReleased(`ATL-${n++}`, 'Peachtree Supply');
  // Warm-up: metadata, producer id, schema id, JIT.
  for (let i = 0; i < 200; i++) await producer.events.OrderReleased(order());
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  const end = start + seconds * 1000;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (Date.now() < end) {
        const t = performance.now();
        await producer.events.OrderReleased(order());
        latencies.push(performance.now() - t);
      }
    }),
  );
  const took = (Date.now() - start) / 1000;
  const c = process.cpuUsage(cpu0);
  await producer.disconnect();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) * 10) / 10;
  process.stdout.write(
    JSON.stringify({
      client: producer.client,
      events: latencies.length,
      total: n,
      seconds: took,
      cpuMs: Math.round((c.user + c.system) / 1000),
      rssMb: Math.round(process.memoryUsage().rss / 1e6),
      p50Ms: at(0.5),
      p99Ms: at(0.99),
    }) + '\n',
  );
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench:sdk arm failed: ${String(err)}\n`);
  process.exit(1);
});
