import crypto from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { CrossdockError, describeError, isCrossdockError } from '../core/errors';
import { topics } from '../core/names/topics';
import type { SchemaResolver } from '../core/registry';
import { showEvent, type ShownEvent } from '../dlq';
import type { Catalog } from '../schemas';

/**
 * `crossdock events tail`: a throwaway read_committed consumer of one topic that prints each
 * record as it comes (topic, partition, offset, time, key, the CloudEvents and crossdock headers)
 * and, with decoding, the event through the registry with personal fields masked (the policy of
 * `dlq show`, dlq/show.ts). Its consumer group is random, commits nothing and is deleted at the end.
 */

/** What the name given to `events tail` means: a subscriber's deliver topic, or a topic as it is. */
export interface TailTarget {
  topic: string;
  /** The subscriber whose deliver topic it is, when the name was a subscriber id. */
  subscriber?: string;
}

/**
 * A configured subscriber id → its deliver topic; an existing topic → itself. Anything else is
 * CD_E_TAIL_UNKNOWN_TARGET, naming what was looked for.
 */
export function resolveTailTarget(
  name: string,
  config: { hub: { topicPrefix: string }; subscribers: ReadonlyArray<{ id: string }> },
  existing: ReadonlySet<string>,
): TailTarget {
  const t = topics(config);
  const prefix = `${config.hub.topicPrefix}.`;
  if (config.subscribers.some((s) => s.id === name)) {
    const topic = t.deliver(name);
    if (!existing.has(topic))
      throw new CrossdockError(
        'CD_E_TAIL_UNKNOWN_TARGET',
        `subscriber ${name}'s topic ${topic} does not exist yet (the hub creates it when it starts)`,
        { details: { name, topic } },
      );
    return { topic, subscriber: name };
  }
  if (existing.has(name)) return { topic: name };
  const subscribers = config.subscribers.map((s) => s.id).join(', ') || 'none';
  throw new CrossdockError(
    'CD_E_TAIL_UNKNOWN_TARGET',
    name.startsWith(prefix)
      ? `topic ${name} does not exist`
      : `${name} is neither a subscriber of the configuration (${subscribers}) nor a topic (topic names start with ${prefix})`,
    { details: { name, subscribers: config.subscribers.map((s) => s.id) } },
  );
}

/** One record as `events tail` prints it (`--json`: one such object per line). */
export interface TailRecord {
  topic: string;
  partition: number;
  offset: string;
  /** The record's Kafka timestamp (ISO 8601). */
  timestamp: string;
  /** The Kafka key as text (the business key), null when absent. */
  key: string | null;
  /** The `ce_*`, `content-type`, `traceparent` and `cd-*` headers, as text. */
  headers: Record<string, string>;
  /** Value size in bytes (0: no value, a tombstone). */
  bytes: number;
  /** With --decode: the event (masked unless --show-personal) or why it could not be decoded. */
  event?: ShownEvent;
}

const SHOWN_HEADER = /^(ce_|cd-)|^(content-type|traceparent)$/;

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(headers ?? {})) {
    if (!SHOWN_HEADER.test(name) || v === undefined) continue;
    const values = (Array.isArray(v) ? v : [v]).map((x) =>
      Buffer.isBuffer(x) ? x.toString('utf8') : String(x),
    );
    out[name] = values.join(', ');
  }
  return out;
}

/** The record as lines of text for a terminal. */
export function formatTailRecord(r: TailRecord): string {
  const head = `${r.topic} ${r.partition}/${r.offset}  ${r.timestamp}  key ${r.key ?? '(none)'}  ${r.bytes} bytes`;
  const headers = Object.entries(r.headers).map(([k, v]) => `  ${k}: ${v}`);
  const lines = [head, ...headers];
  const e = r.event;
  if (e?.decoded) {
    const what = [
      e.eventType ?? e.subject ?? '?',
      e.version !== undefined ? `v${e.version}` : '',
      `schema id ${e.schemaId}`,
    ]
      .filter(Boolean)
      .join(' ');
    if (e.masked === 'withheld')
      lines.push(`  event ${what}: not in the catalog, value withheld (--show-personal shows it)`);
    else {
      lines.push(
        `  event ${what}${e.masked === 'personal-fields' && e.personalFields?.length ? ` (personal fields masked: ${e.personalFields.join(', ')})` : ''}`,
      );
      lines.push(
        ...JSON.stringify(e.value, null, 2)
          .split('\n')
          .map((l) => `    ${l}`),
      );
    }
  } else if (e) {
    lines.push(
      `  event not decoded: ${e.code} ${e.reason}${e.hex ? ` (hex ${e.hex}${e.masked === 'bytes' ? '…' : ''})` : ''}`,
    );
  }
  return lines.join('\n');
}

export interface TailOptions {
  kafka: Kafka;
  topic: string;
  /** Read the topic from its beginning; else only what arrives from now on. */
  fromBeginning: boolean;
  /** Stop after this many records. @defaultValue until `signal` aborts */
  limit?: number;
  /** Decode through the registry (masked unless showPersonal). */
  decode?: { resolver: SchemaResolver; catalog: () => Catalog; showPersonal: boolean };
  /** Told each record, in partition order. */
  onRecord: (r: TailRecord) => void;
  /** Ends the tail (Ctrl-C). */
  signal?: AbortSignal;
  /** Told once the start offsets are fixed: every record produced from then on is shown. */
  onReady?: (partitions: number[]) => void;
}

async function decoded(d: NonNullable<TailOptions['decode']>, value: Buffer): Promise<ShownEvent> {
  try {
    return await showEvent({ resolver: d.resolver, catalog: d.catalog }, value, d.showPersonal);
  } catch (err) {
    // The registry did not answer: say so on this record and go on.
    return {
      decoded: false,
      code: isCrossdockError(err) ? err.code : 'CD_E_UNDECODABLE_EVENT',
      reason: describeError(err),
      bytes: value.length,
      hex: value.subarray(0, d.showPersonal ? value.length : 5).toString('hex'),
      masked: d.showPersonal ? 'none' : 'bytes',
    };
  }
}

/**
 * Tails `topic` until `limit` records or `signal`; resolves with how many it printed. The start
 * is fixed before the consumer joins: each partition's end offset when the tail starts (or its
 * beginning), so nothing produced after onReady is missed, however long the group join takes.
 */
export async function tailTopic(options: TailOptions): Promise<{ records: number }> {
  const { topic } = options;
  const groupId = `crossdock-tail-${crypto.randomBytes(6).toString('hex')}`;
  const admin = options.kafka.admin();
  const consumer = options.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 250 });
  let records = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const done = () => options.limit !== undefined && records >= options.limit;
  if (options.signal?.aborted) return { records };
  options.signal?.addEventListener('abort', () => finish(), { once: true });
  let crashed: unknown;
  consumer.on(consumer.events.CRASH, (e) => {
    crashed = e.payload.error;
    finish();
  });
  await admin.connect();
  try {
    const starts = await admin.fetchTopicOffsets(topic);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (done() || options.signal?.aborted) return;
        const value = message.value;
        const r: TailRecord = {
          topic,
          partition,
          offset: message.offset,
          timestamp: new Date(Number(message.timestamp)).toISOString(),
          key: message.key ? message.key.toString('utf8') : null,
          headers: headerText(message.headers),
          bytes: value?.length ?? 0,
        };
        if (options.decode && value) r.event = await decoded(options.decode, value);
        if (done() || options.signal?.aborted) return;
        records++;
        options.onRecord(r);
        if (done()) finish();
      },
    });
    // Applied when the group hands the partitions over (kafkajs keeps seeks until then).
    for (const p of starts)
      consumer.seek({ topic, partition: p.partition, offset: options.fromBeginning ? p.low : p.high });
    options.onReady?.(starts.map((p) => p.partition).sort((a, b) => a - b));
    await finished;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    // The group was this tail's alone: leave nothing behind.
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  if (crashed) throw crashed;
  return { records };
}
