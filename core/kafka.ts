// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import { assertReadCommittedFix } from './kafkajs-patch';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from './logger';

/** kafkajs log levels mapped onto pino's; kafkajs INFO chatter (joins, commits) is debug here. */
function kafkajsLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      if (level === logLevel.ERROR) logger.error({ kafkajs: extra }, message);
      else if (level === logLevel.WARN) logger.warn({ kafkajs: extra }, message);
      else logger.debug({ kafkajs: extra }, message);
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
