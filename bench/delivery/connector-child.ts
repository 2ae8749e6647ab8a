/**
 * Arm D's connector in its own process (as it runs in production). CD_BENCH = JSON config.
 * Prints "ready" once consuming; SIGTERM stops it cleanly and prints its CPU and RSS.
 * CD_BENCH_CLIENT=librdkafka (arm D_rd): the same connector with its deliver-topic consumer on
 * the native client (hub.kafka.clients.connectors: librdkafka).
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import { systemClock } from '../../core/clock';
import { createKafka } from '../../core/kafka';
import { chooseKafkaClient, committingFor } from '../../core/kafka-client/choose';
import { silentLogger } from '../../core/logger';
import { createRedis } from '../../core/redis';
import { createSchemaResolver } from '../../core/registry';
import { createSinkConnector, enableAutoPipelining, subscriberRuntimeConfig } from '../../connectors/sinks';
import { reportOnSigterm } from './child-exit';

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.CD_BENCH ?? '{}') as {
    prefix: string;
    subscriberId: string;
    url: string;
    brokers: string[];
    redisUrl: string;
    registryUrl: string;
    concurrency: number;
    body?: 'json' | 'avro';
  };
  const kafka = createKafka({ clientId: 'bench-connector', brokers: cfg.brokers });
  const redis = createRedis({ url: cfg.redisUrl });
  enableAutoPipelining(redis);
  const config = subscriberRuntimeConfig(
    {
      id: cfg.subscriberId,
      sink: { kind: 'http', url: cfg.url, body: cfg.body ?? 'json' },
      delivery: { concurrency: { perInstance: cfg.concurrency }, idempotency: { ttlMs: 600_000 } },
    },
    { topicPrefix: cfg.prefix, partitionsConsumedConcurrently: 6 },
  );
  const client = process.env.CD_BENCH_CLIENT === 'librdkafka' ? 'librdkafka' : 'kafkajs';
  const connector = createSinkConnector(config, {
    kafka,
    consumer: committingFor(chooseKafkaClient('connectors', client), kafka, {
      clientId: 'bench-connector',
      connection: { brokers: cfg.brokers },
    }),
    redis,
    logger: silentLogger(),
    clock: systemClock,
    resolver: createSchemaResolver(cfg.registryUrl),
  });
  const cpu0 = process.cpuUsage();
  await connector.start();
  process.stdout.write('ready\n');
  reportOnSigterm(cpu0, () => connector.stop().then(() => redis.disconnect()));
}

main().catch((err) => {
  process.stderr.write(`bench connector failed: ${String(err)}\n`);
  process.exit(1);
});
