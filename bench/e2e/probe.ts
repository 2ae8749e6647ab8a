/**
 * The breakdown's Kafka stamps: a read_committed reader of the run's ingress and deliver topics
 * that keeps, per eventId (ce_id header), the CreateTime of the ingress record (the ingest's
 * produce), the CreateTime of the router's copy, and when the copy became readable here (its
 * transaction had committed). Reads only; the hub does not know it is there.
 */
import type { Consumer } from 'kafkajs';
import { createKafka } from '../../core/kafka';

export interface Probe {
  /** eventId → CreateTime of the ingress record. */
  readonly ingress: Map<string, number>;
  /** eventId → CreateTime of the copy on the deliver topic, and when it was read here. */
  readonly deliver: Map<string, { ts: number; seen: number }>;
  stop(): Promise<void>;
}

export async function startProbe(options: {
  brokers: string[];
  groupId: string;
  topics: { ingress: string; deliver: string };
  now: () => number;
}): Promise<Probe> {
  const kafka = createKafka({ clientId: 'bench-e2e-probe', brokers: options.brokers });
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  });
  const ingress = new Map<string, number>();
  const deliver = new Map<string, { ts: number; seen: number }>();
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.connect();
  await consumer.subscribe({ topics: [options.topics.ingress, options.topics.deliver], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const seen = options.now();
      const isIngress = batch.topic === options.topics.ingress;
      for (const m of batch.messages) {
        const id = m.headers?.ce_id?.toString();
        if (!id) continue;
        if (isIngress) {
          if (!ingress.has(id)) ingress.set(id, Number(m.timestamp));
        } else if (!deliver.has(id)) deliver.set(id, { ts: Number(m.timestamp), seen });
      }
    },
  });
  const deadline = Date.now() + 60000;
  while (!joined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!joined) throw new Error('the e2e Kafka probe did not join its group within 60 s');
  return { ingress, deliver, stop: () => consumer.disconnect() };
}
