import type { Observed } from './observer';

/**
 * The demo's reconciliation: every event a site got accepted (it is on the run's ingress topic)
 * is accounted for. The router either dead-lettered it (with a code), found no route for it, or
 * fanned it out; then, for every subscriber its routes selected (a copy on that subscriber's
 * deliver topic), it was delivered, is waiting (in retry in Redis, or not yet consumed behind an
 * open breaker), or was dead-lettered by the connector. Anything else is missing, and the
 * reconciliation does not hold. Pure: the runner gathers the facts.
 */

export interface SubscriberReconciliation {
  /** Copies the router fanned out to this subscriber. */
  expected: number;
  delivered: number;
  /** In retry in Redis, or not yet consumed (behind an open breaker, or lag). */
  waiting: number;
  deadLettered: Record<string, number>;
  missing: number;
  /** Deliveries of events never fanned out to this subscriber (must be 0). */
  unexpected: number;
}

export interface Reconciliation {
  holds: boolean;
  accepted: number;
  routed: number;
  routerDeadLettered: Record<string, number>;
  unrouted: number;
  /** Accepted events the router has not decided on (neither routed, dead-lettered nor unrouted). */
  undecided: number;
  subscribers: Record<string, SubscriberReconciliation>;
  /** Up to 10 of the events that are not accounted for, to trace (`crossdock events trace <id>`). */
  missingSample: Array<{ eventId: string; subscriber?: string }>;
}

export interface ReconcileFacts {
  observed: Observed;
  /** Webhook receivers' applied events: subscriber → eventId → when. */
  received: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
  /** The subscribers of the configuration. */
  subscribers: readonly string[];
  /** Whether (subscriber, eventId) is waiting (in retry or not yet consumed). */
  waiting: (subscriber: string, eventId: string) => boolean;
}

const bump = (r: Record<string, number>, k: string) => void (r[k] = (r[k] ?? 0) + 1);

/** Subscriber → eventIds it has (webhook receiver or Kafka sink). */
function deliveredTo(facts: ReconcileFacts, sub: string): ReadonlyMap<string, unknown> | undefined {
  return facts.received.get(sub) ?? facts.observed.sinkDelivered.get(sub);
}

export function reconcile(facts: ReconcileFacts): Reconciliation {
  const o = facts.observed;
  const subs: Record<string, SubscriberReconciliation> = {};
  for (const s of facts.subscribers)
    subs[s] = { expected: 0, delivered: 0, waiting: 0, deadLettered: {}, missing: 0, unexpected: 0 };
  const routerDead: Record<string, number> = {};
  const missing: Array<{ eventId: string; subscriber?: string }> = [];
  let routed = 0;
  let unrouted = 0;
  let undecided = 0;
  for (const eventId of o.accepted.keys()) {
    const code = o.routerDead.get(eventId);
    if (code) {
      bump(routerDead, code);
      continue;
    }
    if (o.unrouted.has(eventId)) {
      unrouted++;
      continue;
    }
    const to = o.routed.get(eventId);
    if (!to) {
      undecided++;
      if (missing.length < 10) missing.push({ eventId });
      continue;
    }
    routed++;
    for (const sub of to.keys()) {
      const r = (subs[sub] ??= {
        expected: 0,
        delivered: 0,
        waiting: 0,
        deadLettered: {},
        missing: 0,
        unexpected: 0,
      });
      r.expected++;
      const dead = o.deliveryDead.get(sub)?.get(eventId);
      if (deliveredTo(facts, sub)?.has(eventId)) r.delivered++;
      else if (dead) bump(r.deadLettered, dead);
      else if (facts.waiting(sub, eventId)) r.waiting++;
      else {
        r.missing++;
        if (missing.length < 10) missing.push({ eventId, subscriber: sub });
      }
    }
  }
  for (const sub of facts.subscribers) {
    const got = deliveredTo(facts, sub);
    for (const eventId of got?.keys() ?? []) if (!o.routed.get(eventId)?.has(sub)) subs[sub]!.unexpected++;
  }
  const holds = undecided === 0 && Object.values(subs).every((s) => s.missing === 0 && s.unexpected === 0);
  return {
    holds,
    accepted: o.accepted.size,
    routed,
    routerDeadLettered: routerDead,
    unrouted,
    undecided,
    subscribers: subs,
    missingSample: missing,
  };
}

/** The (subscriber, eventId) copies not yet delivered or dead-lettered: what settling waits for. */
export function openCopies(
  facts: Omit<ReconcileFacts, 'waiting'>,
): Array<{ subscriber: string; eventId: string }> {
  const o = facts.observed;
  const open: Array<{ subscriber: string; eventId: string }> = [];
  for (const [eventId, to] of o.routed)
    for (const sub of to.keys())
      if (!deliveredTo(facts as ReconcileFacts, sub)?.has(eventId) && !o.deliveryDead.get(sub)?.has(eventId))
        open.push({ subscriber: sub, eventId });
  return open;
}

/** Accepted events the router has not decided on yet. */
export function undecidedEvents(o: Observed): number {
  let n = 0;
  for (const id of o.accepted.keys())
    if (!o.routerDead.has(id) && !o.unrouted.has(id) && !o.routed.has(id)) n++;
  return n;
}
