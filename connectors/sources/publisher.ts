import type { Kafka } from 'kafkajs';
import { CrossdockError, describeError } from '../../core/errors';
import { kafkajsAckedProducer } from '../../core/kafka-client/kafkajs-producer';
import type { AckedProducer, ProducedRecord } from '../../core/kafka-client/producer';
import { eventLogger } from '../../core/log-events';
import { silentLogger, type Logger } from '../../core/logger';
import { PublisherRoom, messageBytes, type RoomUse } from './publisher-room';
import { SOURCE_LOG_EVENTS } from './log-events';

/**
 * The ingress publisher shared by HTTP ingest and the CSV watcher: an idempotent acks=all producer
 * (core/kafka-client: kafkajs or librdkafka, hub.kafka.clients.ingest) behind a bounded queue.
 *
 * On kafkajs the queue coalesces: kafkajs's idempotent producer keeps one request in flight per
 * broker (so sequence numbers stay in order), and one HTTP request per produce round trip would
 * cap ingest at the broker's round-trip rate. Instead, every publish() that arrives while a batch
 * is in flight joins the next batch. On librdkafka (`overlapping`) each publish is handed over at
 * once: librdkafka batches what arrives while its requests are in flight and keeps the order
 * itself. Either way a caller's promise resolves only when its messages were acknowledged by all
 * in-sync replicas.
 *
 * Back-pressure: the events and bytes waiting for Kafka (queued, and in flight until kafkajs
 * settles them, acknowledged or failed) are bounded (`maxQueuedEvents`, `maxQueuedBytes`). A
 * publish that does not fit is refused at once with CD_E_INGEST_BUSY (HTTP: 503), or, with
 * `wait: true` (the CSV drop folder), waits for room. One publish larger than the bound is taken
 * when nothing else waits, so a big CSV chunk is never refused for ever.
 *
 * Deadline: a publish that Kafka has not acknowledged `sendTimeoutMs` after it was admitted fails
 * with CD_E_KAFKA_UNAVAILABLE (retriable). `details.published` tells the caller what it may
 * assume: `no` when its messages were still queued (they are taken out: surely not written),
 * `unknown` when they were already handed to the producer (they may still be written later).
 * Callers make a retry harmless in the `unknown` case by sending the same eventIds again (the
 * router drops a repeated eventId): HTTP ingest derives them from the Idempotency-Key, or
 * remembers them for the same body; the CSV watcher derives them from the file hash.
 */
export type IngressPublisherOptions = IngressPublisherSettings &
  (
    | {
        /** The acknowledged producer (core/kafka-client/choose.ts ackedProducerFor). */
        producer: AckedProducer;
        kafka?: never;
      }
    | {
        /** A kafkajs client: the publisher makes its kafkajs producer from it. */
        kafka: Kafka;
        producer?: never;
      }
  );

export interface IngressPublisherSettings {
  logger?: Logger;
  /** Longest wait for an acknowledgement after admission. @defaultValue 10000 */
  sendTimeoutMs?: number;
  /** Most messages in one produce request. @defaultValue 2000 */
  maxBatchMessages?: number;
  /** Delay between reconnect attempts while Kafka is unreachable. @defaultValue 1000 */
  reconnectDelayMs?: number;
  /** Most events waiting for Kafka (queued and in flight). @defaultValue 10000 */
  maxQueuedEvents?: number;
  /** Most bytes (values, keys, headers) waiting for Kafka. @defaultValue 33554432 (32 MiB) */
  maxQueuedBytes?: number;
}

export interface PublishOptions {
  /** Wait for room instead of failing with CD_E_INGEST_BUSY when the queue is full. @defaultValue false */
  wait?: boolean;
}

/** What a failed publish may assume about its messages (CrossdockError `details.published`). */
export type PublishedState = 'no' | 'unknown';

export interface IngressPublisherStats {
  /** Produce requests sent and the messages they carried, since start (how well publishes coalesce). */
  produceRequests: number;
  messages: number;
  /** Events and bytes waiting for Kafka now (queued + in flight). */
  queuedEvents: number;
  queuedBytes: number;
  /** The bound. */
  maxQueuedEvents: number;
  maxQueuedBytes: number;
  /** Publishes refused because the queue was full (CD_E_INGEST_BUSY), since start. */
  refusedBusy: number;
  /** Publishes that timed out (CD_E_KAFKA_UNAVAILABLE), since start. */
  timedOut: number;
  /** The last send or connect error, with its time (ISO 8601); absent while none happened. */
  lastError?: { message: string; at: string };
}

export interface IngressPublisher {
  /** Connects in the background; resolves at once (ingest serves 503 until connected). */
  start(): Promise<void>;
  /** True when the producer is connected and the last send did not fail. */
  ready(): boolean;
  /**
   * Resolves after Kafka acknowledged every message (acks=all).
   * @throws CrossdockError CD_E_INGEST_BUSY (queue full, nothing written), CD_E_KAFKA_UNAVAILABLE
   *   (not connected or no acknowledgement within sendTimeoutMs; `details.published`)
   */
  publish(topic: string, messages: ProducedRecord[], options?: PublishOptions): Promise<void>;
  stats(): IngressPublisherStats;
  stop(): Promise<void>;
}

interface Pending {
  topic: string;
  messages: ProducedRecord[];
  use: RoomUse;
  state: 'queued' | 'sending' | 'settled';
  timer?: NodeJS.Timeout;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function createIngressPublisher(options: IngressPublisherOptions): IngressPublisher {
  const log = eventLogger(options.logger ?? silentLogger(), SOURCE_LOG_EVENTS);
  const sendTimeoutMs = options.sendTimeoutMs ?? 10000;
  const maxBatch = options.maxBatchMessages ?? 2000;
  const reconnectDelayMs = options.reconnectDelayMs ?? 1000;
  const room = new PublisherRoom({
    maxEvents: options.maxQueuedEvents ?? 10000,
    maxBytes: options.maxQueuedBytes ?? 33_554_432,
  });
  // Either client gives up on a send in bounded time (kafkajs's retries, librdkafka's
  // message.timeout.ms); callers have their own deadline (sendTimeoutMs) and answer 503 at it.
  const producer: AckedProducer = options.producer ?? kafkajsAckedProducer(options.kafka);
  let connected = false;
  let healthy = true;
  let stopped = false;
  let connecting: Promise<void> | undefined;
  let inFlight = false;
  let queue: Pending[] = [];
  let produceRequests = 0;
  let producedMessages = 0;
  let refusedBusy = 0;
  let timedOut = 0;
  let lastError: IngressPublisherStats['lastError'];
  const noteError = (err: unknown) =>
    (lastError = { message: describeError(err), at: new Date().toISOString() });

  producer.onDisconnect(() => {
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
          noteError(err);
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

  function unavailable(published: PublishedState, cause?: unknown): CrossdockError {
    return new CrossdockError(
      'CD_E_KAFKA_UNAVAILABLE',
      `Kafka did not acknowledge the write${cause ? `: ${describeError(cause)}` : ''}`,
      { retriable: true, cause, details: { published } },
    );
  }

  function settle(p: Pending, err?: unknown): void {
    if (p.state === 'settled') return;
    p.state = 'settled';
    clearTimeout(p.timer);
    if (err === undefined) p.resolve();
    else p.reject(err);
  }

  /** Sends one batch and settles its callers; the room stays taken until the client settles it. */
  async function sendBatch(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, ProducedRecord[]>();
    let count = 0;
    for (const p of batch) {
      p.state = 'sending';
      count += p.messages.length;
      const list = byTopic.get(p.topic) ?? [];
      list.push(...p.messages);
      byTopic.set(p.topic, list);
    }
    produceRequests++;
    producedMessages += count;
    try {
      // No race with a timer here: the callers' deadlines answer them.
      await producer.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      healthy = true;
      for (const p of batch) settle(p);
    } catch (err) {
      healthy = false;
      noteError(err);
      log.emit(
        'sources.publisher_send_failed',
        { err: describeError(err), messages: count },
        'ingress produce failed',
      );
      for (const p of batch) settle(p, unavailable('unknown', err));
    } finally {
      for (const p of batch) room.release(p.use);
    }
  }

  async function drain(): Promise<void> {
    if (producer.overlapping) {
      // librdkafka batches and orders what it is handed; each publish goes at once.
      for (const p of queue.splice(0)) void sendBatch([p]);
      return;
    }
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
        await sendBatch(batch);
      }
    } finally {
      inFlight = false;
    }
  }

  function enqueue(topic: string, messages: ProducedRecord[], use: RoomUse): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const p: Pending = { topic, messages, use, state: 'queued', resolve, reject };
      p.timer = setTimeout(() => {
        if (p.state === 'settled') return;
        timedOut++;
        healthy = false;
        const why = new Error(`no acknowledgement within ${sendTimeoutMs} ms`);
        noteError(why);
        if (p.state === 'queued') {
          // Never handed to the producer: take it out, it will not be written.
          queue = queue.filter((q) => q !== p);
          room.release(p.use);
          settle(p, unavailable('no', why));
        } else settle(p, unavailable('unknown', why));
      }, sendTimeoutMs);
      queue.push(p);
      void drain();
    });
  }

  return {
    async start() {
      stopped = false;
      void connectLoop();
    },
    ready: () => connected && healthy,
    stats: () => ({
      produceRequests,
      messages: producedMessages,
      queuedEvents: room.used.events,
      queuedBytes: room.used.bytes,
      maxQueuedEvents: room.limits.maxEvents,
      maxQueuedBytes: room.limits.maxBytes,
      refusedBusy,
      timedOut,
      ...(lastError ? { lastError } : {}),
    }),
    async publish(topic, messages, opts = {}) {
      if (stopped || !connected)
        throw unavailable('no', new Error(stopped ? 'shutting down' : 'not connected'));
      const use = { events: messages.length, bytes: messages.reduce((n, m) => n + messageBytes(m), 0) };
      if (!room.tryTake(use)) {
        if (!opts.wait) {
          refusedBusy++;
          throw new CrossdockError(
            'CD_E_INGEST_BUSY',
            `The ingest queue is full (${room.used.events} events, ${room.used.bytes} bytes waiting for Kafka); nothing was written.`,
            { retriable: true, details: { published: 'no', ...room.describe() } },
          );
        }
        await room.take(use);
        if (stopped) {
          room.release(use);
          throw unavailable('no', new Error('shutting down'));
        }
      }
      return enqueue(topic, messages, use);
    },
    async stop() {
      stopped = true;
      const rest = queue;
      queue = [];
      for (const p of rest) {
        room.release(p.use);
        settle(p, unavailable('no', new Error('shutting down')));
      }
      room.wakeAll();
      await producer.disconnect().catch(() => undefined);
      connected = false;
    },
  };
}

/**
 * A publisher's part of the /status JSON (core/health.ts): `{ connected, queue: { events, bytes,
 * maxEvents, maxBytes, waiting }, refusedBusy, timedOut, lastError? }`.
 */
export function publisherStatus(p: IngressPublisher): Record<string, unknown> {
  const s = p.stats();
  return {
    ready: p.ready(),
    queue: {
      events: s.queuedEvents,
      bytes: s.queuedBytes,
      maxEvents: s.maxQueuedEvents,
      maxBytes: s.maxQueuedBytes,
    },
    refusedBusy: s.refusedBusy,
    timedOut: s.timedOut,
    ...(s.lastError ? { lastError: s.lastError } : {}),
  };
}
