// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import '../kafkajs-patch';
import type { Kafka } from 'kafkajs';
import { topicPartitions, type CommittingConsumer, type CommittingOptions } from './committing';

/** The committing seam (core/kafka-client/committing.ts) on kafkajs. */
export function kafkajsCommitting(kafka: Kafka, options: CommittingOptions): CommittingConsumer {
  const { events } = options;
  const consumer = kafka.consumer({
    groupId: options.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: options.maxWaitTimeInMs,
    allowAutoTopicCreation: false,
  });
  consumer.on(consumer.events.GROUP_JOIN, () => events.joined());
  // A fetch that held only transaction markers: kafkajs moved past them without a batch.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0) events.skipped(payload.topic, payload.partition, payload.lastOffset);
  });
  return {
    client: 'kafkajs',
    connect: () => consumer.connect(),
    async run(run) {
      await consumer.subscribe({ topic: run.topic, fromBeginning: true });
      // Offsets are the user's to commit: kafkajs's auto-commit would commit the fetch position.
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: run.partitionsConsumedConcurrently,
        eachBatch: (p) => run.eachBatch(p),
      });
    },
    commit: (offsets) => consumer.commitOffsets(offsets),
    seek: (at) => consumer.seek(at),
    pause: (topic, partitions) => consumer.pause(topicPartitions(topic, partitions)),
    resume: (topic, partitions) => consumer.resume(topicPartitions(topic, partitions)),
    disconnect: () => consumer.disconnect(),
  };
}
