import type { HubConfig } from '../core/config';
import { topics } from '../core/names/topics';
import { compileRoutes, type RouteVerdict } from './match';

/**
 * `crossdock routes test`: which subscribers would receive an event and why, without Kafka.
 * The event file is the decoded event as JSON (what `toJsonSafe` gives), optionally wrapped as
 * `{ "event": {...}, "headers": {...}, "siteId": "..." }` to supply headers or the arrival site.
 */
export interface RoutingExplanation {
  eventType: string;
  siteId: string;
  subscribers: Array<{ id: string; route: string; topic: string }>;
  routes: RouteVerdict[];
  unrouted: boolean;
  /** What would happen to an unrouted event. */
  note?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function explainRouting(config: HubConfig, input: unknown): RoutingExplanation {
  const wrapped =
    typeof input === 'object' && input !== null && 'event' in input
      ? (input as { event: unknown; headers?: Record<string, string>; siteId?: string })
      : { event: input };
  const event = (wrapped.event ?? {}) as Record<string, unknown>;
  const meta = (event.metadata ?? {}) as Record<string, unknown>;
  const headers = wrapped.headers ?? {};
  const eventType = str(meta.eventType) ?? str(headers.ce_type) ?? '';
  const siteId = str(wrapped.siteId) ?? str(meta.siteId) ?? '';
  const decision = compileRoutes(config).decide({ eventType, siteId, headers, event });
  const names = topics(config);
  return {
    eventType,
    siteId,
    subscribers: decision.subscribers.map((id) => ({
      id,
      route: decision.routeOf[id]!,
      topic: names.deliver(id),
    })),
    routes: decision.verdicts,
    unrouted: decision.subscribers.length === 0,
    ...(decision.subscribers.length === 0
      ? {
          note: config.hub.router.sendUnrouted
            ? `no route matches: counted and sent to ${names.unrouted}`
            : 'no route matches: counted (hub.router.sendUnrouted is false)',
        }
      : {}),
  };
}
