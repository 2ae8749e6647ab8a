import type { Consumer, Kafka } from 'kafkajs';
import { headersToStrings, DLQ_HEADERS } from '../core/dead-letters';
import { topicsForPrefix } from '../core/names/topics';

/**
 * The hub's side of a demo run, read from the run's own topics (its prefix is new, so everything
 * on them is this run's): what each site's ingress topic accepted, which subscribers the router
 * fanned each event out to (the deliver topics), what it dead-lettered or left unrouted, what the
 * Kafka sinks delivered, and what each connector dead-lettered. Events are told apart by their
 * CloudEvents id (`ce_id`), which every copy and dead letter carries.
 */
export interface Observed {
  /** Accepted events by eventId: site, type, when the ingress topic took it (ms). */
  accepted: Map<string, { siteId: string; type: string; at: number }>;
  /** Ingress records, resends included. */
  ingressRecords: number;
  /** Subscribers each event was fanned out to, with the copy's place on the deliver topic. */
  routed: Map<string, Map<string, { partition: number; offset: string }>>;
  /** Router dead letters by eventId → code (records without an id under `''`). */
  routerDead: Map<string, string>;
  /** Router dead letters without an eventId, by code. */
  routerDeadAnonymous: Record<string, number>;
  unrouted: Set<string>;
  /** Kafka sinks' deliveries: subscriber → eventId → when (ms). */
  sinkDelivered: Map<string, Map<string, number>>;
  /** Connector dead letters: subscriber → eventId → code. */
  deliveryDead: Map<string, Map<string, string>>;
  /** Flow alerts on `<prefix>.flow.alerts`, by eventId (the alert's id: a re-publish is one). */
  flowAlerts: Set<string>;
}

/** The run's flow alerts topic (core/names/topics.ts `flowAlerts`). */
export function flowAlertsTopic(prefix: string): string {
  return topicsForPrefix(prefix).flowAlerts;
}

export function emptyObserved(): Observed {
  return {
    accepted: new Map(),
    ingressRecords: 0,
    routed: new Map(),
    routerDead: new Map(),
    routerDeadAnonymous: {},
    unrouted: new Set(),
    sinkDelivered: new Map(),
    deliveryDead: new Map(),
    flowAlerts: new Set(),
  };
}

/** Where one record goes in `Observed` (pure: the observer's consumer calls it per record). */
export function observe(
  o: Observed,
  prefix: string,
  kafkaSinks: ReadonlyMap<string, string>,
  record: {
    topic: string;
    partition: number;
    offset: string;
    timestamp: string;
    headers: Record<string, string>;
  },
): void {
  const t = topicsForPrefix(prefix);
  const id = record.headers.ce_id ?? '';
  const at = Number(record.timestamp);
  const site = t.siteOfIngress(record.topic);
  if (site) {
    o.ingressRecords++;
    if (id && !o.accepted.has(id))
      o.accepted.set(id, { siteId: site, type: record.headers.ce_type?.split('.').pop() ?? '?', at });
    return;
  }
  if (record.topic === t.dlqRouter) {
    const code = record.headers[DLQ_HEADERS.code] ?? '?';
    if (id) o.routerDead.set(id, code);
    else o.routerDeadAnonymous[code] = (o.routerDeadAnonymous[code] ?? 0) + 1;
    return;
  }
  if (record.topic === flowAlertsTopic(prefix)) {
    // The hub's own events: counted apart. The reconciliation is about what the sites sent; an
    // alert's copies to subscribers (its routes) are waited for when the run settles.
    if (id) o.flowAlerts.add(id);
    return;
  }
  if (record.topic === t.unrouted) {
    if (id) o.unrouted.add(id);
    return;
  }
  const dlqSub = t.subscriberOfDlq(record.topic);
  if (dlqSub) {
    let m = o.deliveryDead.get(dlqSub);
    if (!m) o.deliveryDead.set(dlqSub, (m = new Map()));
    if (id) m.set(id, record.headers[DLQ_HEADERS.code] ?? '?');
    return;
  }
  for (const [sub, topic] of kafkaSinks)
    if (record.topic === topic) {
      let m = o.sinkDelivered.get(sub);
      if (!m) o.sinkDelivered.set(sub, (m = new Map()));
      if (id && !m.has(id)) m.set(id, at);
      return;
    }
  const deliverPrefix = t.deliver('');
  if (record.topic.startsWith(deliverPrefix) && id) {
    const sub = record.topic.slice(deliverPrefix.length);
    let m = o.routed.get(id);
    if (!m) o.routed.set(id, (m = new Map()));
    if (!m.has(sub)) m.set(sub, { partition: record.partition, offset: record.offset });
  }
}

export interface Observer {
  readonly observed: Observed;
  stop(): Promise<void>;
}

/**
 * Reads the run's topics from the beginning with a consumer group of the run (cleaned up with its
 * topics). `kafkaSinks`: Kafka-sink subscriber → its target topic.
 */
export async function startObserver(options: {
  kafka: Kafka;
  prefix: string;
  sites: readonly string[];
  subscribers: readonly string[];
  kafkaSinks: ReadonlyMap<string, string>;
  unrouted: boolean;
  /** Read the flow alerts topic too (it exists: the hub made it). */
  flowAlerts?: boolean;
}): Promise<Observer> {
  const t = topicsForPrefix(options.prefix);
  const observed = emptyObserved();
  const consumer: Consumer = options.kafka.consumer({
    groupId: `${options.prefix}-demo-observer`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  const topics = [
    ...options.sites.map((s) => t.ingress(s)),
    ...options.subscribers.map((s) => t.deliver(s)),
    ...options.subscribers.map((s) => t.dlqDeliver(s)),
    t.dlqRouter,
    ...(options.unrouted ? [t.unrouted] : []),
    ...options.kafkaSinks.values(),
    ...(options.flowAlerts ? [flowAlertsTopic(options.prefix)] : []),
  ];
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      observe(observed, options.prefix, options.kafkaSinks, {
        topic,
        partition,
        offset: message.offset,
        timestamp: message.timestamp,
        headers: headersToStrings(message.headers),
      });
    },
  });
  return {
    observed,
    stop: () => consumer.disconnect(),
  };
}
