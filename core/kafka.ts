// Before kafkajs: its read_committed filter is replaced (core/kafkajs-patch.ts).
import { assertReadCommittedFix } from './kafkajs-patch';
import { assertSendFix } from './kafkajs-send-fix';
import { Kafka, logLevel, type IHeaders, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { eventLogger } from './log-events';
import { CORE_LOG_EVENTS } from './log-events-core';
import { kafkajsLineEvent } from './kafkajs-lines';
import type { KafkaConnection } from './connection';
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

interface KafkaClientCommon {
  clientId: string;
  logger?: Logger;
  /** Passed through to kafkajs (timeouts, retry). */
  extra?: Partial<KafkaConfig>;
}

/**
 * How createKafka() reaches the cluster: the hub's code passes `connection` (Endpoints.kafka, with
 * its TLS and SASL settings: core/connection.ts); `brokers` (+ `sasl`) is the bare form kept for
 * tests, benches and a site's own logins. A unit test keeps production code on `connection`.
 */
export type KafkaClientOptions = KafkaClientCommon &
  (
    | { connection: KafkaConnection; brokers?: never; sasl?: never }
    | {
        brokers: string[];
        /** SCRAM login (site producers); omitted for a PLAINTEXT listener. */
        sasl?: SASLOptions;
        connection?: never;
      }
  );

/** kafkajs's `ssl` and `sasl` for a connection. */
export function kafkajsSecurity(connection: KafkaConnection): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (connection.ssl) {
    const { ca, cert, key } = connection.ssl;
    out.ssl =
      ca || cert || key
        ? { ...(ca ? { ca: [...ca] } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) }
        : true;
  }
  if (connection.sasl) {
    const { mechanism, username, password } = connection.sasl;
    out.sasl = { mechanism, username, password } as SASLOptions;
  }
  return out;
}

/** The one place a kafkajs client is made, so logging and defaults are the same everywhere. */
export function createKafka(options: KafkaClientOptions): Kafka {
  assertReadCommittedFix();
  assertSendFix();
  const reach = options.connection
    ? { brokers: [...options.connection.brokers], ...kafkajsSecurity(options.connection) }
    : { brokers: options.brokers, sasl: options.sasl };
  return new Kafka({
    clientId: options.clientId,
    ...reach,
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
