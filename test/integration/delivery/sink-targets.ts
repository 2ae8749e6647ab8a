import type { Admin, Consumer, Kafka } from 'kafkajs';
import {
  createKafkaSink,
  type KafkaSinkSettings,
  type Sink,
  type SubscriberRuntimeConfig,
} from '../../../connectors/sinks';
import { createTopics, randomName } from '../../helpers/stack';
import { startReceiver, type Receiver, type TestEvent } from './helpers';

/** How the target answers one attempt of one event (it may wait first: a slow write). */
export type Program = (eventId: string, attempt: number) => Promise<'ok' | 'transient'>;

/** The system a sink writes to, observed by the conformance suite (sink-conformance.test.ts). */
export interface SinkTarget {
  /** The subscriber's `sink` section, as in hub.yaml. */
  readonly section: Record<string, unknown> & { kind: string };
  /** The Sink the connector should use instead of building one (undefined: the connector builds it). */
  sinkFor(config: SubscriberRuntimeConfig): Sink | undefined;
  /** Event ids whose write reached the target, in write order (may lag the target by a moment). */
  written(): readonly string[];
  /** Writes on the target so far, counted exactly (duplicates included). */
  count(): Promise<number>;
  /** Attempts the target saw for an event. */
  attempts(eventId: string): number;
  /** The event made into one this kind of target refuses for good. */
  poison(e: TestEvent): TestEvent;
  /** cd-error-code of a dead letter for a refused write. */
  readonly rejectCode: string;
  close(): Promise<void>;
}

export interface SinkKind {
  readonly kind: 'http' | 'kafka';
  open(program: Program): Promise<SinkTarget>;
}

/** A webhook: a real HTTP receiver; 2xx is the write, 503 a transient failure, 422 a refusal. */
export const httpKind: SinkKind = {
  kind: 'http',
  async open(program) {
    const refused = new Set<string>();
    const written: string[] = [];
    const receiver: Receiver = await startReceiver(async (req, attempt) => {
      if (refused.has(req.key)) return { status: 422, body: 'refused by the conformance suite' };
      if ((await program(req.key, attempt)) === 'transient') return { status: 503 };
      written.push(req.key);
      return { status: 200 };
    });
    return {
      // Gated writes answer late: the timeout must not turn them into failures.
      section: { kind: 'http', url: receiver.url, timeoutMs: 20_000 },
      sinkFor: () => undefined,
      written: () => written,
      count: async () => written.length,
      attempts: (id) => receiver.countByKey().get(id) ?? 0,
      poison(e) {
        refused.add(e.eventId);
        return e;
      },
      rejectCode: 'CD_E_DELIVERY_REJECTED',
      close: () => receiver.close(),
    };
  },
};

/** Largest record the Kafka target topic takes; a poison event is made larger than this. */
const TARGET_MAX_MESSAGE_BYTES = 2048;

/**
 * A Kafka topic on the real broker. A refusal is real: the topic takes records of at most
 * TARGET_MAX_MESSAGE_BYTES and the poison event is larger (the broker answers MESSAGE_TOO_LARGE).
 * A transient failure cannot be made for one event on a healthy broker (a broker-wide fault would
 * fail every key at once), so the programmed transient answers come from a wrapper in front of
 * the real Kafka sink, which writes only when the program says ok.
 */
export function kafkaKind(kafka: Kafka, admin: Admin): SinkKind {
  return {
    kind: 'kafka',
    async open(program) {
      const topic = randomName('sink-target');
      await createTopics(admin, [
        {
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(TARGET_MAX_MESSAGE_BYTES) }],
        },
      ]);
      const written: string[] = [];
      const attempts = new Map<string, number>();
      const reader: Consumer = kafka.consumer({ groupId: randomName('target-reader') });
      await reader.connect();
      await reader.subscribe({ topic, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => void written.push(String(message.headers?.ce_id ?? '')),
      });
      return {
        section: { kind: 'kafka', topic, createTopic: false },
        sinkFor(config) {
          const real = createKafkaSink(config.sink as KafkaSinkSettings, { kafka });
          return {
            kind: real.kind,
            start: () => real.start(),
            close: () => real.close(),
            async deliver(e) {
              const n = (attempts.get(e.eventId) ?? 0) + 1;
              attempts.set(e.eventId, n);
              if ((await program(e.eventId, n)) === 'transient')
                return {
                  kind: 'transient',
                  code: 'CD_E_DELIVERY_KAFKA_SINK',
                  reason: 'programmed: target busy',
                };
              return real.deliver(e);
            },
          };
        },
        written: () => written,
        count: async () => (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0),
        attempts: (id) => attempts.get(id) ?? 0,
        poison: (e) => ({ ...e, value: { ...e.value, holdNote: 'x'.repeat(2 * TARGET_MAX_MESSAGE_BYTES) } }),
        rejectCode: 'CD_E_DELIVERY_KAFKA_SINK_REJECTED',
        close: () => reader.disconnect(),
      };
    },
  };
}
