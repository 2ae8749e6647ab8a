import type { Kafka, Message, Producer } from 'kafkajs';
import { CrossdockError, describeError } from '../../core/errors';
import { eventLogger } from '../../core/log-events';
import { silentLogger, type Logger } from '../../core/logger';
import { SOURCE_LOG_EVENTS } from './log-events';

/**
 * The ingress publisher shared by HTTP ingest and the CSV watcher: an idempotent kafkajs producer
 * (acks=all) behind a small coalescing queue.
 *
 * Why coalesce: an idempotent producer keeps one request in flight per broker (so sequence numbers
 * stay in order), and one HTTP request per produce round trip would cap ingest at the broker's
 * round-trip rate. Instead, every publish() that arrives while a batch is in flight joins the next
 * batch; each caller's promise resolves only when the batch holding its messages was acknowledged
 * by all in-sync replicas, and rejects (CD_E_KAFKA_UNAVAILABLE, retriable) when it was not within
 * `sendTimeoutMs`. A rejected publish may still have been written (a timeout is not a refusal):
 * callers answer 503, and eventIds that are derived from the request (Idempotency-Key, CSV file
 * hash) make the retry a duplicate the router drops.
 */
export interface IngressPublisherOptions {
  kafka: Kafka;
  logger?: Logger;
  /** Longest wait for an acknowledgement before the publish fails. @defaultValue 10000 */
  sendTimeoutMs?: number;
  /** Most messages in one produce request. @defaultValue 2000 */
  maxBatchMessages?: number;
  /** Delay between reconnect attempts while Kafka is unreachable. @defaultValue 1000 */
  reconnectDelayMs?: number;
}

export interface IngressPublisher {
  /** Connects in the background; resolves at once (ingest serves 503 until connected). */
  start(): Promise<void>;
  /** True when the producer is connected and the last send did not fail. */
  ready(): boolean;
  /** Resolves after Kafka acknowledged every message (acks=all). */
  publish(topic: string, messages: Message[]): Promise<void>;
  /** Produce requests sent and the messages they carried, since start (how well publishes coalesce). */
  stats(): { produceRequests: number; messages: number };
  stop(): Promise<void>;
}

interface Pending {
  topic: string;
  messages: Message[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function createIngressPublisher(options: IngressPublisherOptions): IngressPublisher {
  const log = eventLogger(options.logger ?? silentLogger(), SOURCE_LOG_EVENTS);
  const sendTimeoutMs = options.sendTimeoutMs ?? 10000;
  const maxBatch = options.maxBatchMessages ?? 2000;
  const reconnectDelayMs = options.reconnectDelayMs ?? 1000;
  // Bounded retries with a deadline: an unbounded idempotent retry would hold the HTTP caller
  // forever while Kafka is down; the answer must be a quick 503 instead.
  const producer: Producer = options.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  let connected = false;
  let healthy = true;
  let stopped = false;
  let connecting: Promise<void> | undefined;
  let inFlight = false;
  let queue: Pending[] = [];
  let produceRequests = 0;
  let producedMessages = 0;

  producer.on(producer.events.DISCONNECT, () => {
    connected = false;
    if (!stopped) void connectLoop();
  });

  async function connectLoop(): Promise<void> {
    if (connecting) return connecting;
    connecting = (async () => {
      while (!stopped && !connected) {
        try {
          await producer.connect();
          connected = true;
          healthy = true;
        } catch (err) {
          log.emit(
            'sources.publisher_connect_failed',
            { err: describeError(err) },
            'ingress producer cannot connect to Kafka; retrying',
          );
          await new Promise((r) => setTimeout(r, reconnectDelayMs));
        }
      }
    })().finally(() => (connecting = undefined));
    return connecting;
  }

  function unavailable(cause?: unknown): CrossdockError {
    return new CrossdockError(
      'CD_E_KAFKA_UNAVAILABLE',
      `Kafka did not acknowledge the write${cause ? `: ${describeError(cause)}` : ''}`,
      { retriable: true, cause },
    );
  }

  async function drain(): Promise<void> {
    if (inFlight) return;
    inFlight = true;
    try {
      while (queue.length > 0) {
        const batch: Pending[] = [];
        let count = 0;
        while (queue.length > 0 && (batch.length === 0 || count + queue[0]!.messages.length <= maxBatch)) {
          const p = queue.shift()!;
          batch.push(p);
          count += p.messages.length;
        }
        const byTopic = new Map<string, Message[]>();
        for (const p of batch) {
          const list = byTopic.get(p.topic) ?? [];
          list.push(...p.messages);
          byTopic.set(p.topic, list);
        }
        let timer: NodeJS.Timeout | undefined;
        produceRequests++;
        producedMessages += count;
        try {
          await Promise.race([
            producer.sendBatch({
              acks: -1,
              topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
            }),
            new Promise(
              (_, reject) =>
                (timer = setTimeout(
                  () => reject(new Error(`no acknowledgement within ${sendTimeoutMs} ms`)),
                  sendTimeoutMs,
                )),
            ),
          ]);
          healthy = true;
          for (const p of batch) p.resolve();
        } catch (err) {
          healthy = false;
          log.emit(
            'sources.publisher_send_failed',
            { err: describeError(err), messages: count },
            'ingress produce failed',
          );
          for (const p of batch) p.reject(unavailable(err));
        } finally {
          clearTimeout(timer);
        }
      }
    } finally {
      inFlight = false;
    }
  }

  return {
    async start() {
      stopped = false;
      void connectLoop();
    },
    ready: () => connected && healthy,
    stats: () => ({ produceRequests, messages: producedMessages }),
    publish(topic, messages) {
      if (!connected) return Promise.reject(unavailable(new Error('not connected')));
      return new Promise<void>((resolve, reject) => {
        queue.push({ topic, messages, resolve, reject });
        void drain();
      });
    },
    async stop() {
      stopped = true;
      const rest = queue;
      queue = [];
      for (const p of rest) p.reject(unavailable(new Error('shutting down')));
      await producer.disconnect().catch(() => undefined);
      connected = false;
    },
  };
}
