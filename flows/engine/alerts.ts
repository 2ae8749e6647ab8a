import crypto from 'node:crypto';
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { cloudEventValues } from '../../core/cloudevents';
import { CrossdockError } from '../../core/errors';
import { metadataPrefixOf } from '../../core/event-metadata';
import { businessKey, encodeEvent, type Catalog, type SchemaIdSource } from '../../schemas';
import { FLOW_ALERT_EVENT_TYPE, FLOW_ALERT_OBSERVED_SYMBOL, HUB_SITE_ID, type FlowAlert } from '../contract';
import type { FlowLog } from './log-events';
import type { FlowStore } from './store';

/**
 * Flow alerts on `<prefix>.flow.alerts`: FlowAlertRaised events (schemas/process/FlowAlertRaised),
 * Avro with the registry framing and the CloudEvents headers like every canonical event, from an
 * idempotent producer with acks=all.
 *
 * Every alert is claimed in Redis (the pending alerts) before it is published and forgotten after
 * the broker acknowledged it. What a crash leaves pending may or may not be on the topic, so
 * {@link AlertPublisher.recover} reads the topic from shortly before the oldest pending claim to
 * its end and publishes only the alerts whose eventId is not there: one record per alert id.
 */

/** Who the hub's own events say wrote them. */
export const FLOW_TRACKER_SOURCE_SYSTEM = 'crossdock-flow-tracker';

/** A FlowAlert as the Kafka record that carries it. */
export interface EncodedAlert {
  key: string;
  value: Buffer;
  headers: IHeaders;
}

export type AlertEncoder = (alert: FlowAlert) => Promise<EncodedAlert>;

/** The FlowAlertRaised event of an alert (metadata + the FlowAlert fields, enums in capitals). */
export function flowAlertEvent(alert: FlowAlert): Record<string, unknown> {
  return {
    metadata: {
      eventId: alert.alertId,
      eventType: FLOW_ALERT_EVENT_TYPE,
      occurredAt: new Date(alert.raisedAt),
      siteId: HUB_SITE_ID,
      sourceSystem: FLOW_TRACKER_SOURCE_SYSTEM,
      correlationId: alert.instanceKey,
      causationId: null,
    },
    alertId: alert.alertId,
    kind: alert.kind,
    flow: alert.flow,
    instanceKey: alert.instanceKey,
    siteId: alert.siteId,
    step: alert.step,
    stepIndex: alert.stepIndex,
    dueAt: new Date(alert.dueAt),
    raisedAt: new Date(alert.raisedAt),
    observed: FLOW_ALERT_OBSERVED_SYMBOL[alert.observed],
    stepEventIds: [...alert.stepEventIds],
  };
}

/**
 * Encodes alerts with the catalog's FlowAlertRaised (its newest active version), getting the
 * schema id from `ids` (the registry). Throws CD_E_FLOW_ALERT_SCHEMA_MISSING when the catalog has
 * no such event type.
 */
export function flowAlertEncoder(catalog: Catalog, ids: SchemaIdSource): AlertEncoder {
  const entry = catalog.byEventType(FLOW_ALERT_EVENT_TYPE);
  if (!entry)
    throw new CrossdockError(
      'CD_E_FLOW_ALERT_SCHEMA_MISSING',
      `the event catalog has no ${FLOW_ALERT_EVENT_TYPE}: flow alerts cannot be published`,
      { details: { eventType: FLOW_ALERT_EVENT_TYPE } },
    );
  return async (alert) => {
    const event = flowAlertEvent(alert);
    const key = entry.keyFields.length > 0 ? businessKey(entry, event) : alert.alertId;
    const value = await encodeEvent(ids, entry, undefined, event);
    const ce = cloudEventValues({
      eventId: alert.alertId,
      subject: entry.subject,
      siteId: HUB_SITE_ID,
      sourceSystem: FLOW_TRACKER_SOURCE_SYSTEM,
      occurredAt: alert.raisedAt,
      key,
    });
    return { key, value, headers: { ...ce } };
  };
}

export interface AlertPublisher {
  /** Publishes claimed alerts (acks=all), then forgets them in the pending alerts. */
  publish(alerts: readonly FlowAlert[]): Promise<void>;
  /**
   * Publishes the pending alerts claimed at or before `olderThan` (tracker clock) that are not on the
   * topic, then forgets them. Returns how many it published.
   */
  recover(olderThan: number): Promise<{ published: number; found: number }>;
  close(): Promise<void>;
}

export interface AlertPublisherOptions {
  kafka: Kafka;
  /** `<prefix>.flow.alerts` (core/names/topics.ts). */
  topic: string;
  encode: AlertEncoder;
  store: FlowStore;
  log: FlowLog;
  /**
   * How far before the oldest pending claim the check reads the topic (ms): covers the difference
   * between the tracker's clock and the brokers' record timestamps. Default 10 minutes.
   */
  marginMs?: number;
  /** The consumer group prefix of the topic check (a random suffix is added). */
  checkGroupPrefix: string;
}

export function createAlertPublisher(options: AlertPublisherOptions): AlertPublisher {
  const { kafka, topic, encode, store, log } = options;
  const marginMs = options.marginMs ?? 10 * 60_000;
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;

  const connected = (): Promise<Producer> => {
    if (producer) return Promise.resolve(producer);
    connecting ??= (async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      try {
        await p.connect();
      } catch (err) {
        connecting = undefined;
        throw err;
      }
      producer = p;
      return p;
    })();
    return connecting;
  };

  const send = async (alerts: readonly FlowAlert[]) => {
    if (alerts.length === 0) return;
    const messages = await Promise.all(alerts.map(encode));
    const p = await connected();
    await p.send({ topic, acks: -1, messages });
    await store.clearPending(alerts.map((a) => a.alertId));
    for (const a of alerts)
      log.emit('flows.alert_published', {
        alertId: a.alertId,
        kind: a.kind,
        flow: a.flow,
        instanceKey: a.instanceKey,
        step: a.step,
      });
  };

  /** The eventIds on the topic from `from` (record timestamp) to its end now. */
  const idsOnTopic = async (from: number): Promise<Set<string>> => {
    const admin = kafka.admin();
    await admin.connect();
    let starts: Array<{ partition: number; offset: string }>;
    let ends: Map<number, bigint>;
    try {
      starts = await admin.fetchTopicOffsetsByTimestamp(topic, Math.max(0, from));
      ends = new Map(
        (await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)] as const),
      );
    } finally {
      await admin.disconnect();
    }
    const pending = new Map<number, bigint>();
    for (const s of starts) {
      const end = ends.get(s.partition) ?? 0n;
      if (BigInt(s.offset) < end) pending.set(s.partition, end);
    }
    const seen = new Set<string>();
    if (pending.size === 0) return seen;
    const consumer = kafka.consumer({
      groupId: `${options.checkGroupPrefix}${crypto.randomBytes(6).toString('hex')}`,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic] });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const end = pending.get(batch.partition);
              for (const m of batch.messages) {
                const id = m.value ? metadataPrefixOf(m.value)?.eventId : undefined;
                if (id) seen.add(id);
                if (end !== undefined && BigInt(m.offset) + 1n >= end) pending.delete(batch.partition);
              }
              if (pending.size === 0) resolve();
            },
          })
          .catch(reject);
        for (const s of starts)
          if (pending.has(s.partition)) consumer.seek({ topic, partition: s.partition, offset: s.offset });
      });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  };

  return {
    publish: send,
    async recover(olderThan) {
      const stale = (await store.pendingAlerts()).filter((a) => a.raisedAt <= olderThan);
      if (stale.length === 0) return { published: 0, found: 0 };
      const oldest = Math.min(...stale.map((a) => a.raisedAt));
      const onTopic = await idsOnTopic(oldest - marginMs);
      const missing = stale.filter((a) => !onTopic.has(a.alertId));
      const found = stale.filter((a) => onTopic.has(a.alertId));
      await store.clearPending(found.map((a) => a.alertId));
      await send(missing);
      log.emit('flows.alerts_recovered', {
        pending: stale.length,
        published: missing.length,
        found: found.length,
      });
      return { published: missing.length, found: found.length };
    },
    async close() {
      const p = producer ?? (connecting ? await connecting.catch(() => undefined) : undefined);
      producer = undefined;
      connecting = undefined;
      await p?.disconnect();
    },
  };
}
