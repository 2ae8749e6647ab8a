import { withBrokerType } from './native-producer';
import type { NativeMessage, NativeProducer } from './native-types';

/**
 * The records of one native transaction, written through the binding's low-level producer.
 *
 * Why: the KafkaJS-style send() makes a promise per record, rewrites each record object, and
 * builds record metadata from each delivery report, then awaits them all; for the router's copies
 * that was most of its producer cost per copy (a transaction of 15,000 records of ~1 KB with ten
 * headers, in one process: ~23 µs of CPU per record through sendBatch against ~14 µs this way).
 * Inside a transaction no record needs its own answer: the commit is what makes them visible, and
 * librdkafka's commit fails when any of them failed. So `write` hands each record to librdkafka's
 * queue (one call, no promise) and returns; `settle` waits until every record handed over was
 * acknowledged (flush) and throws the first delivery failure, if any.
 *
 * Contract
 * - `write` never waits for the broker; it gives the event loop a turn every YIELD_EVERY records,
 *   waits while librdkafka's local queue is full (QUEUE_FULL), retrying each few milliseconds, and
 *   throws what produce() refuses otherwise (with the broker's error type, as the KafkaJS-style
 *   path does).
 * - `settle` resolves once every record written so far is acknowledged; it rejects with the first
 *   record's delivery error, or with the flush's timeout. Called before the offsets are added, so
 *   a failed record aborts the transaction before its commit is attempted.
 * - The delivery reports still come (the KafkaJS-style producer turns them on and owns the
 *   handler); each carries one shared report object per transaction, which notes the first
 *   failure and ignores successes.
 * - `directRecords` gives undefined when the producer does not expose its low-level client (a
 *   client version other than NATIVE_CLIENT.version): the caller keeps the KafkaJS-style sendBatch.
 */

/** The binding's low-level producer, as far as this file calls it (its lib/producer.js). */
interface LowLevelProducer {
  produce(
    topic: string,
    partition: number,
    value: Buffer | null,
    key: Buffer | string | null,
    timestamp: number,
    opaque: unknown,
    headers: Array<Record<string, Buffer | string>> | null,
  ): unknown;
  flush(timeoutMs: number, cb: (err: unknown) => void): void;
}

/** librdkafka's code for a full local queue (RD_KAFKA_RESP_ERR__QUEUE_FULL). */
const QUEUE_FULL = -184;
const QUEUE_FULL_WAIT_MS = 5;
/** Records written between two turns of the event loop (~3–5 ms of produce() calls). */
const YIELD_EVERY = 256;

export interface TransactionRecords {
  write(
    topicMessages: ReadonlyArray<{ topic: string; messages: ReadonlyArray<NativeMessage> }>,
  ): Promise<void>;
  settle(): Promise<void>;
}

/** A record's headers as librdkafka takes them: one `{ name: value }` per value. */
function rdkafkaHeaders(headers: NativeMessage['headers']): Array<Record<string, Buffer | string>> | null {
  if (!headers) return null;
  const list: Array<Record<string, Buffer | string>> = [];
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const each of v) list.push({ [name]: each });
    else list.push({ [name]: v });
  }
  return list;
}

function isQueueFull(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === QUEUE_FULL;
}

export function directRecords(
  producer: NativeProducer,
  flushTimeoutMs: number,
): TransactionRecords | undefined {
  const client = (producer as { _getInternalClient?: () => LowLevelProducer | null })._getInternalClient?.();
  if (!client || typeof client.produce !== 'function' || typeof client.flush !== 'function') return undefined;
  let failure: unknown;
  // What each delivery report of this transaction carries back (the KafkaJS-style handler calls
  // resolve on success, reject with the record's error otherwise).
  const report = {
    resolve: () => undefined,
    reject: (err: unknown) => {
      failure ??= err;
    },
  };
  return {
    async write(topicMessages) {
      let sinceYield = 0;
      // The copies of an event that one route selected share one header object (router/batch.ts),
      // across the topics of one call: its list is made once for them. Within this call only, so
      // a header object a caller changes between calls is read again.
      const lists = new Map<object, ReturnType<typeof rdkafkaHeaders>>();
      for (const { topic, messages } of topicMessages)
        for (const m of messages) {
          // produce() is synchronous: a transaction of tens of thousands of copies would hold the
          // event loop for the whole of it (the consumer's fetches, the analysis workers' answers
          // and the delivery reports wait), so the loop gets a turn every few hundred records.
          if (++sinceYield === YIELD_EVERY) {
            sinceYield = 0;
            await new Promise((r) => setImmediate(r));
          }
          const value = typeof m.value === 'string' ? Buffer.from(m.value) : m.value;
          const timestamp = m.timestamp ? Number(m.timestamp) : 0;
          let headers = m.headers ? lists.get(m.headers) : null;
          if (headers === undefined) lists.set(m.headers!, (headers = rdkafkaHeaders(m.headers)));
          for (;;) {
            try {
              client.produce(topic, m.partition ?? -1, value, m.key ?? null, timestamp, report, headers);
              break;
            } catch (err) {
              if (!isQueueFull(err)) throw withBrokerType(err);
              await new Promise((r) => setTimeout(r, QUEUE_FULL_WAIT_MS));
            }
          }
        }
    },
    async settle() {
      await new Promise<void>((resolve, reject) =>
        client.flush(flushTimeoutMs, (err) => (err ? reject(withBrokerType(err)) : resolve())),
      );
      if (failure !== undefined) throw withBrokerType(failure);
    },
  };
}
