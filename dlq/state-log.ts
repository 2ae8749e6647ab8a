import type { Kafka, Producer } from 'kafkajs';
import type { OperatorState } from './contract';
import { readTopicsToEnd } from './topic-reader';

/**
 * The operators' states of dead letters on the compacted topic `<prefix>.dlq.state` (created with
 * the hub's topics: core/names/topics.ts topicLayout): one record per change, key = dead-letter id,
 * value = the whole OperatorState (JSON), so compaction keeps the latest of each letter and a
 * reindex restores it (docs/design.md "Topics").
 */

export interface StateLog {
  /** Writes one letter's state (acks from every in-sync replica) before the index changes. */
  write(id: string, state: OperatorState): Promise<void>;
  /** The latest state of every letter on the topic (a reindex reads this). */
  readAll(onProgress?: (read: number) => void): Promise<Map<string, OperatorState>>;
  close(): Promise<void>;
}

/** Most records one send to the state topic carries (the writes waiting are sent together). */
const MAX_BATCH = 500;

export function createStateLog(kafka: Kafka, topic: string): StateLog {
  let producer: Promise<Producer> | undefined;
  const connected = () =>
    (producer ??= (async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await p.connect();
      return p;
    })().catch((err: unknown) => {
      producer = undefined;
      throw err;
    }));
  // Writes made while a send is in flight wait and go together in the next one, in call order:
  // marking 10,000 letters for a replay is 20 sends instead of 10,000 round trips, and the
  // records of one letter stay in the order they were written (one send in flight at a time).
  type Waiting = { id: string; state: OperatorState; done: (err?: unknown) => void };
  let waiting: Waiting[] = [];
  let busy = false;
  const kick = (): void => {
    if (busy) return;
    busy = true;
    setImmediate(
      () =>
        void drain().finally(() => {
          busy = false;
          if (waiting.length) kick();
        }),
    );
  };
  async function drain(): Promise<void> {
    while (waiting.length) {
      const batch = waiting.slice(0, MAX_BATCH);
      waiting = waiting.slice(batch.length);
      try {
        const p = await connected();
        await p.send({
          topic,
          acks: -1,
          messages: batch.map((w) => ({ key: w.id, value: JSON.stringify(w.state) })),
        });
        for (const w of batch) w.done();
      } catch (err) {
        for (const w of batch) w.done(err);
      }
    }
  }
  return {
    write(id, state) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ id, state, done: (err) => (err === undefined ? resolve() : reject(err)) });
        kick();
      });
    },
    async readAll(onProgress) {
      const out = new Map<string, OperatorState>();
      await readTopicsToEnd({
        kafka,
        topics: [topic],
        onMessage: (_t, _p, m) => {
          const id = m.key?.toString('utf8');
          if (!id) return;
          if (m.value === null) out.delete(id);
          else {
            try {
              out.set(id, JSON.parse(m.value.toString('utf8')) as OperatorState);
            } catch {
              // A record this code did not write: skipped, the letter keeps what the index says.
            }
          }
        },
        ...(onProgress ? { onProgress } : {}),
      });
      return out;
    },
    async close() {
      const p = producer;
      producer = undefined;
      if (p) await (await p.catch(() => undefined))?.disconnect().catch(() => undefined);
    },
  };
}
