import { Partitioners, type IHeaders, type Kafka } from 'kafkajs';

/** One pre-encoded ingress event of a benchmark workload. */
export interface PreloadEvent {
  site: string;
  key: string | Buffer | null;
  value: Buffer;
  headers?: IHeaders;
}

/**
 * Writes a workload to `<prefix>.ingress.<site>` before the clock starts (bench:router, bench:flows),
 * 2,000 events a request. Idempotent, so a retried request under load cannot write an event twice
 * into ingress (the router would rightly drop the copy, and an arm counting records would stop early).
 */
export async function preloadIngress(
  kafka: Kafka,
  prefix: string,
  sites: readonly string[],
  events: readonly PreloadEvent[],
): Promise<void> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 2000) {
      const chunk = events.slice(i, i + 2000);
      await producer.sendBatch({
        acks: -1,
        topicMessages: sites.map((s) => ({
          topic: `${prefix}.ingress.${s}`,
          messages: chunk
            .filter((e) => e.site === s)
            .map((e) => ({ key: e.key, value: e.value, headers: e.headers })),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}
