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
  /** Begins the producer's one transaction (it resolves with the producer itself). */
  transaction(): Promise<NativeProducer>;
  /** Adds the consumer's offsets to the transaction with its group metadata (KIP-447). */
  sendOffsets(args: {
    consumer: NativeConsumer;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
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

/** One consumed record as its KafkaJS-style eachBatch hands it over. */
export interface NativeConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  offset: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export interface NativeBatchPayload {
  batch: { topic: string; partition: number; messages: NativeConsumedMessage[]; lastOffset(): string };
  resolveOffset(offset: string): void;
}

export interface NativeConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: {
    eachBatchAutoResolve?: boolean;
    partitionsConsumedConcurrently?: number;
    eachBatch: (payload: NativeBatchPayload) => Promise<void>;
  }): Promise<void>;
  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
}

export interface NativeConsumerConfig {
  kafkaJS?: {
    groupId: string;
    fromBeginning?: boolean;
    autoCommit?: boolean;
    autoCommitInterval?: number;
    maxWaitTimeInMs?: number;
    sessionTimeout?: number;
    heartbeatInterval?: number;
    readUncommitted?: boolean;
  };
  [librdkafkaProperty: string]: unknown;
}

export interface NativeKafka {
  producer(config?: NativeProducerConfig): NativeProducer;
  consumer(config: NativeConsumerConfig): NativeConsumer;
}

/** What `require(<client folder>)` gives. */
export interface NativeKafkaModule {
  librdkafkaVersion: string;
  KafkaJS: {
    Kafka: new (config?: NativeCommonConfig) => NativeKafka;
    logLevel: { NOTHING: number; ERROR: number; WARN: number; INFO: number; DEBUG: number };
  };
}
