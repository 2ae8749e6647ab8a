/**
 * Topic names (docs/design.md "Topics"): the one place they are spelled. Every `<prefix>.…` topic the
 * hub, the site SDK, the CLI or a sink builds comes from here, and so does the default prefix.
 *
 * Layout, for topic prefix `<p>` (`cd` unless hub.topicPrefix says otherwise):
 * - `<p>.ingress.<siteId>`: what a site publishes (the router reads every one of them)
 * - `<p>.deliver.<subscriberId>`: what the router fans out to one subscriber
 * - `<p>.dlq.router`: what the router dead-letters
 * - `<p>.dlq.deliver.<subscriberId>`: what a subscriber's connector dead-letters
 * - `<p>.unrouted`: events no route matched (when hub.router.sendUnrouted)
 * - `<p>.sink.<subscriberId>`: the default target of a Kafka sink
 * - `<p>.catalog`: the published event catalog (compacted, one partition; `schemas push` writes
 *   it, routers and connectors follow it: schemas/published.ts, schemas/follow.ts)
 * - `<p>.dlq.state`: operators' states of dead letters (compacted, key = dead-letter id), from which
 *   the dead-letter index restores them after a reindex (dlq/)
 * - `<p>.audit`: every operation on the admin API or the dlq CLI, refused ones too (dlq/)
 * - `<p>.flow.alerts`: FlowAlertRaised events the flow tracker publishes (flows/engine); the router
 *   reads it besides the ingress topics, as the hub's own site `crossdock` (core/hub-site.ts)
 */
import { HUB_SITE_ID } from '../hub-site';

/** The topic prefix when neither the configuration nor the environment names one. */
export const DEFAULT_TOPIC_PREFIX = 'cd';

export interface HubTopics {
  ingress(siteId: string): string;
  deliver(subscriberId: string): string;
  readonly dlqRouter: string;
  dlqDeliver(subscriberId: string): string;
  readonly unrouted: string;
  /** Default target topic of a Kafka sink. */
  sink(subscriberId: string): string;
  /** The published event catalog (compacted, one partition). */
  readonly catalog: string;
  /** Operators' states of dead letters (compacted, key = dead-letter id). */
  readonly dlqState: string;
  /** The audit trail of operations. */
  readonly audit: string;
  /**
   * Flow alerts (FlowAlertRaised, written by the flow tracker, metadata.siteId `crossdock`), which
   * the router reads and routes like an ingress topic's events.
   */
  readonly flowAlerts: string;
  /** The site whose events a topic the router reads holds: an ingress topic's site, HUB_SITE_ID for flowAlerts, else undefined. */
  siteOfRouted(topic: string): string | undefined;
  /** Matches the router's and every subscriber's dead-letter topic (not dlq.state). */
  readonly dlqPattern: RegExp;
  /** Consumer group of the dead-letter indexer (dlq/indexer.ts). */
  readonly dlqIndexerGroup: string;
  /** Consumer group of the flow tracker's feed on the ingress topics (flows/feed). */
  readonly flowTrackerGroup: string;
  /**
   * Start of the groups of the flow tracker's readers of `dlqRouter`: one per process,
   * `<flowTrackerReaderGroups>.<random>`, deleted on stop (flows/feed/dlq-reader.ts).
   */
  readonly flowTrackerReaderGroups: string;
  /**
   * Start of the short-lived groups with which a restarted flow engine reads `flowAlerts` to see
   * which of its pending alerts are already there (flows/engine/alerts.ts).
   */
  readonly flowAlertsCheckGroups: string;
  /** The subscriber of a delivery dead-letter topic, or undefined when it is not one. */
  subscriberOfDlq(topic: string): string | undefined;
  /** Matches every ingress topic of this prefix. */
  readonly ingressPattern: RegExp;
  /** Matches every topic the router reads: the ingress topics and flowAlerts (it subscribes with it). */
  readonly routedPattern: RegExp;
  /** The site id of an ingress topic name, or undefined when it is not one. */
  siteOfIngress(topic: string): string | undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `<prefix>.ingress.<siteId>`, for callers that only need this one name. */
export function ingressTopic(prefix: string, siteId: string): string {
  return `${prefix}.ingress.${siteId}`;
}

/**
 * The names of one prefix, built once: the router's site check asks for them for every record, and
 * building them compiles three regular expressions. A hub has one prefix (tests and demos a few
 * each); the cache is cleared past 256 so a caller cycling through prefixes cannot grow it.
 */
const byPrefix = new Map<string, HubTopics>();

export function topicsForPrefix(prefix: string): HubTopics {
  let t = byPrefix.get(prefix);
  if (t === undefined) {
    if (byPrefix.size >= 256) byPrefix.clear();
    byPrefix.set(prefix, (t = buildTopics(prefix)));
  }
  return t;
}

function buildTopics(prefix: string): HubTopics {
  const ingressPrefix = ingressTopic(prefix, '');
  const flowAlerts = `${prefix}.flow.alerts`;
  const siteOfIngress = (topic: string) =>
    topic.startsWith(ingressPrefix) ? topic.slice(ingressPrefix.length) || undefined : undefined;
  return Object.freeze({
    ingress: (siteId: string) => ingressTopic(prefix, siteId),
    deliver: (subscriberId: string) => `${prefix}.deliver.${subscriberId}`,
    dlqRouter: `${prefix}.dlq.router`,
    dlqDeliver: (subscriberId: string) => `${prefix}.dlq.deliver.${subscriberId}`,
    unrouted: `${prefix}.unrouted`,
    sink: (subscriberId: string) => `${prefix}.sink.${subscriberId}`,
    catalog: `${prefix}.catalog`,
    dlqState: `${prefix}.dlq.state`,
    audit: `${prefix}.audit`,
    flowAlerts,
    siteOfRouted: (topic: string) => (topic === flowAlerts ? HUB_SITE_ID : siteOfIngress(topic)),
    dlqIndexerGroup: `${prefix}.dlq-indexer`,
    flowTrackerGroup: `${prefix}.flow-tracker`,
    flowTrackerReaderGroups: `${prefix}.flow-tracker.dlq`,
    flowAlertsCheckGroups: `${prefix}.flow-alerts-check-`,
    dlqPattern: new RegExp(`^${escapeRegExp(prefix)}\\.dlq\\.(router|deliver\\.[a-z0-9][a-z0-9-]*)$`),
    subscriberOfDlq: (topic: string) =>
      topic.startsWith(`${prefix}.dlq.deliver.`)
        ? topic.slice(`${prefix}.dlq.deliver.`.length) || undefined
        : undefined,
    ingressPattern: new RegExp(`^${escapeRegExp(ingressPrefix)}[a-z0-9][a-z0-9-]*$`),
    routedPattern: new RegExp(
      `^(?:${escapeRegExp(ingressPrefix)}[a-z0-9][a-z0-9-]*|${escapeRegExp(flowAlerts)})$`,
    ),
    siteOfIngress,
  });
}

/** What the topic functions read of a hub configuration. */
export interface TopicSettings {
  hub: { topicPrefix: string; router: { sendUnrouted: boolean } };
  sites: ReadonlyArray<{ id: string }>;
  subscribers: ReadonlyArray<{ id: string }>;
}

export function topics(config: { hub: { topicPrefix: string } }): HubTopics {
  return topicsForPrefix(config.hub.topicPrefix);
}

/** Every topic the configuration needs to exist, for `crossdock start` to create. */
export function requiredTopics(config: TopicSettings): string[] {
  const t = topics(config);
  return [
    ...config.sites.map((s) => t.ingress(s.id)),
    ...config.subscribers.map((s) => t.deliver(s.id)),
    ...config.subscribers.map((s) => t.dlqDeliver(s.id)),
    t.dlqRouter,
    t.dlqState,
    t.audit,
    t.flowAlerts,
    ...(config.hub.router.sendUnrouted ? [t.unrouted] : []),
  ];
}

/**
 * How a topic the hub creates differs from the default (hub.topics partitions, the broker's
 * delete policy and retention): `dlq.state` is compacted (the latest state per dead letter is
 * what counts); `audit` keeps one partition so the trail reads in order, and is never deleted by
 * age (retention.ms -1: an audit trail is kept until an operator decides otherwise). Undefined for
 * every other topic. Existing topics are never changed.
 */
export function topicLayout(
  prefix: string,
  topic: string,
): { partitions: number; configEntries: Array<{ name: string; value: string }> } | undefined {
  const t = topicsForPrefix(prefix);
  if (topic === t.dlqState)
    return {
      partitions: 1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'min.compaction.lag.ms', value: '0' },
      ],
    };
  if (topic === t.audit) return { partitions: 1, configEntries: [{ name: 'retention.ms', value: '-1' }] };
  return undefined;
}

/**
 * Whether `topic` is one of the hub's topics under `prefix` (`<prefix>.…`): what a run with a
 * prefix of its own (`crossdock demo`) deletes when it cleans up.
 */
export function isTopicOfPrefix(prefix: string, topic: string): boolean {
  return topic.startsWith(`${prefix}.`);
}

/** Whether a consumer group belongs to the hub of `prefix` (`<prefix>-router`, `<prefix>.dlq-indexer`, …). */
export function isGroupOfPrefix(prefix: string, groupId: string): boolean {
  return groupId.startsWith(`${prefix}.`) || groupId.startsWith(`${prefix}-`);
}
