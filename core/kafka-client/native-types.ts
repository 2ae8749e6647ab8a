/**
 * The part of @confluentinc/kafka-javascript's KafkaJS-style API that crossdock calls, typed here
 * because the package is built into the cache (native-build.ts) rather than installed in
 * node_modules, so its own index.d.ts is not on the compiler's path. Shapes follow its
 * types/kafkajs.d.ts for version NATIVE_CLIENT.version.
 */

export interface NativeLogger {
  info(message: string, extra?: object): void;
  error(message: string, extra?: object): void;
  warn(message: string, extra?: object): void;
  debug(message: string, extra?: object): void;
  namespace(namespace: string, logLevel?: number): NativeLogger;
  setLogLevel(logLevel: number): void;
}

export interface NativeCommonConfig {
  kafkaJS?: {
    brokers: string[];
    clientId?: string;
    ssl?: boolean;
    sasl?: { mechanism: string; username: string; password: string };
    connectionTimeout?: number;
    logLevel?: number;
    logger?: NativeLogger;
  };
  /** librdkafka's own properties (CONFIGURATION.md), e.g. 'ssl.ca.pem', 'linger.ms'. */
  [librdkafkaProperty: string]: unknown;
}

export interface NativeMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  partition?: number;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  timestamp?: string;
}

export interface NativeRecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  baseOffset?: string;
}

export interface NativeProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: { topic: string; messages: NativeMessage[] }): Promise<NativeRecordMetadata[]>;
  sendBatch(batch: {
    topicMessages: { topic: string; messages: NativeMessage[] }[];
  }): Promise<NativeRecordMetadata[]>;
  flush(args?: { timeout?: number }): Promise<void>;
}

export interface NativeProducerConfig {
  kafkaJS?: {
    idempotent?: boolean;
    acks?: number;
    allowAutoTopicCreation?: boolean;
    transactionalId?: string;
  };
  [librdkafkaProperty: string]: unknown;
}

export interface NativeKafka {
  producer(config?: NativeProducerConfig): NativeProducer;
}

/** What `require(<client folder>)` gives. */
export interface NativeKafkaModule {
  librdkafkaVersion: string;
  KafkaJS: {
    Kafka: new (config?: NativeCommonConfig) => NativeKafka;
    logLevel: { NOTHING: number; ERROR: number; WARN: number; INFO: number; DEBUG: number };
  };
}
