import type { HubConfig } from './types';

/** Topic names (docs/design.md "Topics"); the one place they are spelled. */
export interface HubTopics {
  ingress(siteId: string): string;
  deliver(subscriberId: string): string;
  readonly dlqRouter: string;
  dlqDeliver(subscriberId: string): string;
  readonly unrouted: string;
  /** Matches every ingress topic of this prefix (the router subscribes with it). */
  readonly ingressPattern: RegExp;
  /** The site id of an ingress topic name, or undefined when it is not one. */
  siteOfIngress(topic: string): string | undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function topicsForPrefix(prefix: string): HubTopics {
  const ingressPrefix = `${prefix}.ingress.`;
  return Object.freeze({
    ingress: (siteId: string) => `${ingressPrefix}${siteId}`,
    deliver: (subscriberId: string) => `${prefix}.deliver.${subscriberId}`,
    dlqRouter: `${prefix}.dlq.router`,
    dlqDeliver: (subscriberId: string) => `${prefix}.dlq.deliver.${subscriberId}`,
    unrouted: `${prefix}.unrouted`,
    ingressPattern: new RegExp(`^${escapeRegExp(ingressPrefix)}[a-z0-9][a-z0-9-]*$`),
    siteOfIngress: (topic: string) =>
      topic.startsWith(ingressPrefix) ? topic.slice(ingressPrefix.length) || undefined : undefined,
  });
}

export function topics(config: Pick<HubConfig, 'hub'>): HubTopics {
  return topicsForPrefix(config.hub.topicPrefix);
}

/** Every topic the configuration needs to exist, for `crossdock start` to create. */
export function requiredTopics(config: HubConfig): string[] {
  const t = topics(config);
  return [
    ...config.sites.map((s) => t.ingress(s.id)),
    ...config.subscribers.map((s) => t.deliver(s.id)),
    ...config.subscribers.map((s) => t.dlqDeliver(s.id)),
    t.dlqRouter,
    ...(config.hub.router.sendUnrouted ? [t.unrouted] : []),
  ];
}
