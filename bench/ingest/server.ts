/**
 * One arm's HTTP server in its own process (CPU and RSS its own). CD_BENCH_MODE:
 *  - 'bare':    a Fastify route that reads the body and answers 202 {} (no work): the denominator;
 *  - 'ceiling': the least the design requires: read the same signed body as raw bytes, publish
 *               pre-encoded bytes for its events (CD_BENCH_EVENTS_FILE, CD_BENCH_PER_REQUEST
 *               messages per request, default 1, in turn, in one publish) through the ingest's own
 *               publisher (idempotent, acks=all, on the client CD_BENCH_CLIENT names) to
 *               CD_BENCH_TOPIC, and answer 202 with the eventIds after the ack. No HMAC, no replay
 *               mark, no mapping, no Avro;
 *  - 'ingest':  HTTP ingest as shipped (HMAC check, replay mark in Redis, mapping, schema check,
 *               Avro encode, idempotent produce with acks=all, 202 after the ack).
 * CD_BENCH_CLIENT (auto, kafkajs, librdkafka) picks the publisher's Kafka client; auto = as shipped.
 * Prints one JSON line { port } when listening; on SIGTERM prints { cpuMs, rssMb, produce } and exits
 * (produce: the publisher's produce requests and messages, when the arm has one).
 */
// First: kafkajs's read_committed filter is replaced before anything loads kafkajs.
import '../../core/kafkajs-patch';
import fs from 'node:fs';
import Fastify from 'fastify';
import type { Message } from 'kafkajs';
import { ackedProducerFor, chooseKafkaClient, type KafkaClientSetting } from '../../core/kafka-client/choose';
import { createRedis } from '../../core/redis';
import { currentEndpoints } from '../../stack';
import { createCatalogCodec } from '../../connectors/sources/codec';
import { createHttpIngest } from '../../connectors/sources/http/component';
import { loadSiteMappings } from '../../connectors/sources/mapping/load';
import { createIngressPublisher } from '../../connectors/sources/publisher';
import { silentLogger } from '../../core/logger';

function bareApp() {
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
  return app;
}

async function main(): Promise<void> {
  const mode = process.env.CD_BENCH_MODE ?? 'bare';
  // The ingest's producer client (CD_BENCH_CLIENT: auto, kafkajs or librdkafka; hub.kafka.clients.ingest).
  const choice = chooseKafkaClient('ingest', (process.env.CD_BENCH_CLIENT ?? 'auto') as KafkaClientSetting);
  const cpu0 = process.cpuUsage();
  let close: () => Promise<void>;
  let port: number;
  let stats: () => { produceRequests: number; messages: number } | undefined = () => undefined;
  if (mode === 'bare') {
    const app = bareApp();
    app.post('/v1/sites/:siteId/events', async (_req, reply) => reply.code(202).send({}));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
    close = () => app.close();
  } else if (mode === 'ceiling') {
    const topic = process.env.CD_BENCH_TOPIC!;
    const messages: Message[] = (
      JSON.parse(fs.readFileSync(process.env.CD_BENCH_EVENTS_FILE!, 'utf8')) as Array<{
        key: string;
        value: string;
        headers: Record<string, string>;
      }>
    ).map((e) => ({ key: e.key, value: Buffer.from(e.value, 'base64'), headers: e.headers }));
    const publisher = createIngressPublisher({
      producer: ackedProducerFor(choice, {
        clientId: 'bench-ceiling',
        brokers: currentEndpoints().kafkaBrokers,
      }),
    });
    await publisher.start();
    stats = () => publisher.stats();
    while (!publisher.ready()) await new Promise((r) => setTimeout(r, 50));
    let next = 0;
    const app = bareApp();
    const perRequest = Number(process.env.CD_BENCH_PER_REQUEST ?? 1);
    app.post('/v1/sites/:siteId/events', async (_req, reply) => {
      const batch: Message[] = new Array(perRequest);
      for (let i = 0; i < perRequest; i++) batch[i] = messages[next++ % messages.length]!;
      await publisher.publish(topic, batch);
      return reply.code(202).send({ accepted: perRequest, eventIds: batch.map((m) => m.headers!.ce_id) });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
    close = async () => {
      await app.close();
      await publisher.stop();
    };
  } else {
    const endpoints = currentEndpoints();
    const redis = createRedis({ url: endpoints.redisUrl });
    const ingest = createHttpIngest(
      {
        port: 0,
        topicPrefix: process.env.CD_BENCH_PREFIX!,
        redisPrefix: `${process.env.CD_BENCH_PREFIX}:`,
        maxBodyBytes: 8 * 1024 * 1024,
        maxBatch: 1000,
        keys: [{ id: 'bench-1', siteId: 'us-chi', secret: 'bench-secret' }],
        sites: [{ siteId: 'us-chi', mappings: loadSiteMappings('us-chi') }],
      },
      {
        producer: ackedProducerFor(choice, { clientId: 'bench-ingest', brokers: endpoints.kafkaBrokers }),
        redis,
        codec: createCatalogCodec({ ids: endpoints.registryUrl }),
        logger: silentLogger(),
      },
    );
    await ingest.start();
    port = ingest.port;
    const p = ingest.publisher!;
    stats = () => p.stats();
    close = async () => {
      await ingest.stop();
      redis.disconnect();
    };
  }
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.once('SIGTERM', () => {
    const c = process.cpuUsage(cpu0);
    process.stdout.write(
      JSON.stringify({
        cpuMs: Math.round((c.user + c.system) / 1000),
        rssMb: Math.round(process.memoryUsage().rss / 1e6),
        produce: stats(),
      }) + '\n',
    );
    void close().finally(() => process.exit(0));
  });
}

void main();
