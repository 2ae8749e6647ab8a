import { topicPartitions, type CommittingConsumer, type CommittingOptions } from './committing';
import { nativeClient, nativeGroupConsumer, seekHeld, type NativeClientOptions } from './native-group';
import type { NativeKafkaModule } from './native-types';
import type { GroupBatchPayload } from './transactional';

/** How long run() waits for the member's first assignment. */
const FIRST_JOIN_WAIT_MS = 30_000;

/**
 * The committing seam (core/kafka-client/committing.ts) on librdkafka's KafkaJS-style API. Its
 * consumer hands over every record it holds for a partition in one batch and never an empty one,
 * so `events.skipped` is not called: a commit stops at the last record, before any transaction
 * marker after it (the group's lag shows that marker until the next record).
 */
export function nativeCommitting(
  native: NativeKafkaModule,
  options: CommittingOptions & NativeClientOptions,
): CommittingConsumer {
  let firstAssignment: () => void = () => undefined;
  const assigned = new Promise<void>((resolve) => (firstAssignment = resolve));
  const consumer = nativeGroupConsumer(nativeClient(native, options), {
    groupId: options.groupId,
    maxWaitTimeInMs: options.maxWaitTimeInMs,
    onAssign: () => {
      firstAssignment();
      options.events.joined();
    },
  });
  return {
    client: 'librdkafka',
    connect: () => consumer.connect(),
    async run(run) {
      await consumer.subscribe({ topics: [run.topic] });
      await consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: run.partitionsConsumedConcurrently,
        eachBatch: (p) => run.eachBatch(p as unknown as GroupBatchPayload),
      });
      // librdkafka's run() returns before the member has joined, kafkajs's once it has: wait for
      // the first assignment, so that a member started second shares the partitions before its
      // user counts it as consuming (bounded: the client keeps joining after that).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([assigned, new Promise((r) => (timer = setTimeout(r, FIRST_JOIN_WAIT_MS)))]);
      clearTimeout(timer);
    },
    commit: (offsets) => consumer.commitOffsets(offsets),
    seek: (at) => seekHeld(consumer, at),
    // librdkafka throws for a consumer not connected (kafkajs does not): one that is disconnecting
    // fetches nothing more anyway, and a throw here would escape the callers' timers.
    pause: (topic, partitions) => whileConnected(() => consumer.pause(topicPartitions(topic, partitions))),
    resume: (topic, partitions) => whileConnected(() => consumer.resume(topicPartitions(topic, partitions))),
    disconnect: () => consumer.disconnect(),
  };
}

/** Runs a pause or resume, ignoring librdkafka's refusal of it while not connected (ERR__STATE). */
function whileConnected(call: () => void): void {
  try {
    call();
  } catch (err) {
    if ((err as { code?: unknown }).code !== ERR_STATE) throw err;
  }
}

/** librdkafka's ERR__STATE: the call is not allowed in the client's state (not connected). */
const ERR_STATE = -172;
