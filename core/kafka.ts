// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import { assertReadCommittedFix } from './kafkajs-patch';
import { Kafka, logLevel, type IHeaders, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { eventLogger } from './log-events';
import { CORE_LOG_EVENTS } from './log-events-core';
import { kafkajsLineEvent } from './kafkajs-lines';
import type { Logger } from './logger';

/**
 * kafkajs's lines as declared events: errors and warnings keep their level, except those expected
 * by design (core/kafkajs-lines.ts), which are debug like kafkajs's INFO chatter (joins, commits).
 */
function kafkajsLogCreator(logger: Logger) {
  const log = eventLogger(logger, CORE_LOG_EVENTS);
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const severity = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'other';
      const { name, fields } = kafkajsLineEvent(severity, namespace, entry, {
        expected: 'kafka.client_expected',
        error: 'kafka.client_error',
        warn: 'kafka.client_warning',
        other: 'kafka.client_info',
      });
      if (log.enabled(name)) log.emit(name, fields, entry.message);
    };
}

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  logger?: Logger;
  /** SCRAM login (site producers); omitted for the hub's internal PLAINTEXT listener. */
  sasl?: SASLOptions;
  /** Passed through to kafkajs (timeouts, retry). */
  extra?: Partial<KafkaConfig>;
}

/** The one place a kafkajs client is made, so logging and defaults are the same everywhere. */
export function createKafka(options: KafkaClientOptions): Kafka {
  assertReadCommittedFix();
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    sasl: options.sasl,
    logLevel: options.logger ? logLevel.INFO : logLevel.NOTHING,
    logCreator: options.logger ? kafkajsLogCreator(options.logger) : undefined,
    connectionTimeout: 5000,
    ...options.extra,
  });
}

export { kafkaUnreachable } from './kafka-errors';

/** One record as a consumer hands it over: where it was read, and its key, value and headers. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/** The names of the topics the cluster has now (a short-lived admin client). */
export async function existingTopics(kafka: Kafka): Promise<Set<string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Set(await admin.listTopics());
  } finally {
    await admin.disconnect();
  }
}
