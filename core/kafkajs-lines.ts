/**
 * What a kafkajs log line means for the hub. kafkajs logs through the hub's loggers (core/kafka.ts
 * `createKafka`, router/log-events.ts for the router's clients), each line as one of the hub's
 * declared events. Some of its warnings and errors are expected by design: they say nothing an
 * operator could act on, and shown at start-up they look like faults. Those are logged at debug,
 * with `expected` naming which of the cases below it is; every other line keeps its level.
 *
 * Each case, and why it is expected:
 * - `partitioner`: kafkajs 2 warns once per process that its default partitioner changed in 2.0.0.
 *   The hub never used the old one: records are partitioned by the Java-compatible murmur2
 *   partitioner (kafkajs 2's default; the router names it), as any Kafka client would.
 * - `idempotent_retries`: "Limiting retries for the idempotent producer may invalidate EoS
 *   guarantees", for each idempotent producer whose retries are bounded (every one: kafkajs gives
 *   a producer the client's 5 retries unless told otherwise). Bounded on purpose, or a send would
 *   wait for ever while Kafka is down; a send that runs out of retries fails to its caller, which
 *   decides: the router's transactional producers (router/producers.ts) abort the transaction and
 *   read its records again, so nothing is written twice; the ingest publisher
 *   (connectors/sources/publisher.ts) answers 503 and the site sends again, the router dropping
 *   the copy by eventId; a dead-letter or state write fails its operation, which is retried.
 *   Exactly-once rests on transactions and eventId deduplication, not on producer retries.
 * - `coordinator_not_ready`: a broker's answer that the group or transaction coordinator is not
 *   available, still loading, or elsewhere ("The group coordinator is not available" and the like),
 *   logged by kafkajs's connection as an error before kafkajs retries the request. It happens at
 *   start-up while the broker elects the coordinator (the first consumer group or transactional id
 *   on a new cluster) and when a coordinator moves. kafkajs finds the coordinator again by itself;
 *   if it gives up, the caller fails and the hub logs that failure as its own event.
 * - `concurrent_transactions`: the broker still finishing the previous commit when the next
 *   transaction starts (CONCURRENT_TRANSACTIONS); routine with back-to-back transactions, retried
 *   at once.
 */
export const EXPECTED_KAFKAJS_LINES = Object.freeze({
  partitioner: {
    says: 'KafkaJS v2.0.0 switched default partitioner. … (warn, once per process)',
    why: 'The hub never used the old partitioner: records are partitioned by the Java-compatible murmur2 one, kafkajs 2’s default, as any Kafka client would.',
  },
  idempotent_retries: {
    says: 'Limiting retries for the idempotent producer may invalidate EoS guarantees (warn, per producer)',
    why: 'Bounded on purpose (unbounded, a send would wait for ever while Kafka is down); a send that runs out of retries fails to its caller, which owns what happens next: a router transaction is aborted and its records read again, an ingest batch is answered 503 and sent again by the site (the router drops the copy by eventId), a dead-letter or state write fails its operation, which is retried. Exactly-once rests on transactions and eventId deduplication, not on producer retries.',
  },
  coordinator_not_ready: {
    says: 'Response GroupCoordinator(…) with error "The group coordinator is not available", "The coordinator is loading…" or "This is not the correct coordinator…" (error)',
    why: 'At start-up the broker is still electing the group or transaction coordinator (the first group or transactional id of a new cluster), or a coordinator moved; kafkajs asks again by itself. If it gives up, the caller fails and the hub logs that failure as its own event.',
  },
  concurrent_transactions: {
    says: '… concurrent operation on the same transaction … (error, CONCURRENT_TRANSACTIONS)',
    why: 'The broker is still finishing the previous commit when the next transaction starts: routine with back-to-back transactions, retried at once.',
  },
} as const);

export type ExpectedKafkajsLine = keyof typeof EXPECTED_KAFKAJS_LINES;

/** kafkajs's messages for Kafka's error codes 14, 15 and 16 (retriable; kafkajs retries them). */
const COORDINATOR_NOT_READY = [
  "The coordinator is loading and hence can't process requests", // 14 GROUP_LOAD_IN_PROGRESS
  'The group coordinator is not available', // 15 GROUP_COORDINATOR_NOT_AVAILABLE
  'This is not the correct coordinator', // 16 NOT_COORDINATOR_FOR_GROUP
];
/**
 * Which expected case a kafkajs line is (`message` and the line's other fields, as kafkajs's
 * logCreator hands them over), or undefined when it is not one of them.
 */
export function expectedKafkajsLine(
  message: string,
  fields: Record<string, unknown>,
): ExpectedKafkajsLine | undefined {
  if (message.includes('switched default partitioner')) return 'partitioner';
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'idempotent_retries';
  const error = typeof fields.error === 'string' ? fields.error : '';
  if (/concurrent operation on the same transaction/.test(`${message} ${error}`))
    return 'concurrent_transactions';
  // Only the connection's line about a broker's answer: the request is retried after it.
  if (message.startsWith('Response ') && COORDINATOR_NOT_READY.some((m) => error.startsWith(m)))
    return 'coordinator_not_ready';
  return undefined;
}

/**
 * The `kafkajs` field of a translated line: kafkajs's own fields (the broker, the error, retry
 * counts…) and its logger's namespace (Connection, Producer, Consumer…), without the timestamp
 * and logger name that the hub's line already has.
 */
export function kafkajsFields(namespace: string, log: Record<string, unknown>): Record<string, unknown> {
  const { message: _message, timestamp: _timestamp, logger: _logger, ...rest } = log;
  return { namespace, ...rest };
}

/** The event names a logger gives kafkajs's lines, by what the line is. */
export interface KafkajsLineNames<N extends string> {
  expected: N;
  error: N;
  warn: N;
  other: N;
}

/**
 * One kafkajs line as one of a logger's events: its name (an expected error or warning is
 * `names.expected`, every other line keeps its level) and its fields (`kafkajs`, plus `expected`
 * naming the case). `severity` is the line's kafkajs level: error, warn, or anything quieter.
 */
export function kafkajsLineEvent<N extends string>(
  severity: 'error' | 'warn' | 'other',
  namespace: string,
  entry: { message: string } & Record<string, unknown>,
  names: KafkajsLineNames<N>,
): { name: N; fields: { kafkajs: Record<string, unknown>; expected?: ExpectedKafkajsLine } } {
  const kafkajs = kafkajsFields(namespace, entry);
  const expected = severity === 'other' ? undefined : expectedKafkajsLine(entry.message, kafkajs);
  if (expected) return { name: names.expected, fields: { kafkajs, expected } };
  return { name: names[severity], fields: { kafkajs } };
}
