import { existingTopics } from '../core/kafka';
import type { Kafka } from 'kafkajs';
import type { IndexDeps } from './indexer';
import { indexMessage } from './indexer';
import { deadLetterId } from './record';
import type { StateLog } from './state-log';
import { readTopicsToEnd } from './topic-reader';

/**
 * `crossdock dlq reindex`: the index rebuilt from the topics, which are the truth. The operators'
 * states are read from `<prefix>.dlq.state` first; then the index is emptied and every record of
 * every dead-letter topic (those of subscribers no longer configured too) is added with its
 * operator state restored. Replay jobs are kept. The live indexer may add new letters meanwhile:
 * adding is idempotent, and a new letter has no operator state to lose.
 */
export interface ReindexOptions extends IndexDeps {
  kafka: Kafka;
  stateLog: Pick<StateLog, 'readAll'>;
  onProgress?(phase: 'states' | 'letters', read: number): void;
}

export interface ReindexResult {
  /** Dead letters in the index after the rebuild. */
  letters: number;
  /** Of those, how many got an operator state back from the dlq.state topic. */
  states: number;
  ms: number;
}

export async function reindex(options: ReindexOptions): Promise<ReindexResult> {
  const started = Date.now();
  const states = await options.stateLog.readAll((n) => options.onProgress?.('states', n));
  const dlqTopics = [...(await existingTopics(options.kafka))]
    .filter((t) => options.topics.dlqPattern.test(t))
    .sort();
  await options.store.clear();
  let restored = 0;
  await readTopicsToEnd({
    kafka: options.kafka,
    topics: dlqTopics,
    onMessage: async (topic, partition, message) => {
      const id = deadLetterId(topic, partition, message.offset);
      const operator = states.get(id);
      const { added } = await indexMessage(options, topic, partition, message, operator);
      if (added && operator) restored++;
    },
    onProgress: (n) => options.onProgress?.('letters', n),
  });
  return { letters: await options.store.size(), states: restored, ms: Date.now() - started };
}
