/**
 * The outside count of a soak, by eventId: what the sender was told was accepted, what the
 * receivers saw, and what the dead-letter topics hold, put together. Pure (no I/O), so it is
 * unit-tested on its own.
 *
 * Definitions (docs/reliability.md):
 * - pair: (accepted eventId, subscriber its routes select).
 * - delivery: a POST a receiver answered 2xx; an effect is applied when the receiver had not
 *   seen that Idempotency-Key before (the receiver dedupes by it, as the hub asks receivers to).
 * - delivered: the pair has at least one delivery whose effect was applied.
 * - redelivered: the pair was acknowledged more than once (2xx answers beyond the first; each one
 *   a request the hub did not need to send).
 * - duplicated effect: the pair's effect was applied more than once (its deliveries carried
 *   different Idempotency-Keys, so a receiver that dedupes could not tell them apart).
 * - dead-lettered: the event is on the router's dead-letter topic, or on the subscriber's.
 * - lost: a pair neither delivered nor dead-lettered.
 */
export interface AcceptedEvent {
  eventId: string;
  siteId: string;
  /** Subscribers the routes select for it (from the harness's own reading of the routes). */
  subscribers: readonly string[];
}

export interface ReceivedDelivery {
  subscriber: string;
  /** The eventId in the body (the event's own identity, not a header). */
  eventId: string | undefined;
  idempotencyKey: string | undefined;
  /** What the receiver answered. */
  status: number;
  /** The receiver applied an effect (2xx and an Idempotency-Key it had not seen). */
  effect: boolean;
}

export interface DeadLetter {
  eventId: string | undefined;
  /** undefined: the router's dead-letter topic (every subscriber of the event). */
  subscriber: string | undefined;
  code: string;
}

export interface LostPair {
  eventId: string;
  subscriber: string;
  siteId: string;
  /** Requests the receiver got for it (all refused, or none). */
  attempts: number;
}

export interface Reconciliation {
  accepted: number;
  pairs: number;
  delivered: number;
  lost: number;
  lostSample: LostPair[];
  redelivered: { pairs: number; extra: number };
  duplicatedEffects: { pairs: number; extra: number };
  deadLettered: { pairs: number; byCode: Record<string, number> };
  /** Pairs both delivered and dead-lettered (the dead letter was not the only outcome). */
  deliveredAndDeadLettered: number;
  /** Requests the receivers got, and how many they refused (failing or answering late is not a refusal). */
  requests: { total: number; refused: number };
  /** Deliveries whose Idempotency-Key was not the body's eventId. */
  keyNotEventId: number;
  /** Deliveries to a subscriber the routes do not select for that event. */
  unexpected: number;
  /** Delivered events the sender never got a 2xx for (the answer was lost; not counted as accepted). */
  unconfirmedDelivered: number;
  /** Deliveries of an eventId the sender never sent at all. */
  unknown: number;
}

const pairKey = (eventId: string, subscriber: string) => `${eventId}\u0000${subscriber}`;

export function reconcile(input: {
  accepted: Iterable<AcceptedEvent>;
  /** eventIds sent but never confirmed with a 2xx (the sender gave up or the run ended). */
  unconfirmed?: Iterable<string>;
  deliveries: Iterable<ReceivedDelivery>;
  deadLetters: Iterable<DeadLetter>;
  lostSampleSize?: number;
}): Reconciliation {
  const accepted = new Map<string, AcceptedEvent>();
  for (const e of input.accepted) accepted.set(e.eventId, e);
  const unconfirmed = new Set(input.unconfirmed ?? []);

  const acks = new Map<string, number>();
  const effects = new Map<string, number>();
  const attempts = new Map<string, number>();
  const unconfirmedSeen = new Set<string>();
  let total = 0;
  let refused = 0;
  let keyNotEventId = 0;
  let unexpected = 0;
  let unknown = 0;
  for (const d of input.deliveries) {
    total++;
    const ok = d.status >= 200 && d.status < 300;
    if (!ok) refused++;
    if (d.eventId === undefined) {
      unknown++;
      continue;
    }
    if (ok && d.idempotencyKey !== d.eventId) keyNotEventId++;
    const ev = accepted.get(d.eventId);
    if (!ev) {
      if (unconfirmed.has(d.eventId)) {
        if (ok) unconfirmedSeen.add(d.eventId);
      } else unknown++;
      continue;
    }
    if (!ev.subscribers.includes(d.subscriber)) {
      unexpected++;
      continue;
    }
    const k = pairKey(d.eventId, d.subscriber);
    attempts.set(k, (attempts.get(k) ?? 0) + 1);
    if (ok) acks.set(k, (acks.get(k) ?? 0) + 1);
    if (ok && d.effect) effects.set(k, (effects.get(k) ?? 0) + 1);
  }

  const dlqPairs = new Set<string>();
  const dlqRouter = new Set<string>();
  const byCode: Record<string, number> = {};
  const dlqCodeOfPair = new Map<string, string>();
  for (const dl of input.deadLetters) {
    if (dl.eventId === undefined) {
      byCode[dl.code] = (byCode[dl.code] ?? 0) + 1;
      continue;
    }
    if (dl.subscriber === undefined) dlqRouter.add(dl.eventId);
    else dlqPairs.add(pairKey(dl.eventId, dl.subscriber));
    const key = pairKey(dl.eventId, dl.subscriber ?? '');
    if (!dlqCodeOfPair.has(key)) {
      dlqCodeOfPair.set(key, dl.code);
      byCode[dl.code] = (byCode[dl.code] ?? 0) + 1;
    }
  }

  const out: Reconciliation = {
    accepted: accepted.size,
    pairs: 0,
    delivered: 0,
    lost: 0,
    lostSample: [],
    redelivered: { pairs: 0, extra: 0 },
    duplicatedEffects: { pairs: 0, extra: 0 },
    deadLettered: { pairs: 0, byCode },
    deliveredAndDeadLettered: 0,
    requests: { total, refused },
    keyNotEventId,
    unexpected,
    unconfirmedDelivered: unconfirmedSeen.size,
    unknown,
  };
  const sampleSize = input.lostSampleSize ?? 20;
  for (const ev of accepted.values()) {
    for (const sub of ev.subscribers) {
      out.pairs++;
      const k = pairKey(ev.eventId, sub);
      const a = acks.get(k) ?? 0;
      const e = effects.get(k) ?? 0;
      const dead = dlqRouter.has(ev.eventId) || dlqPairs.has(k);
      if (a > 1) {
        out.redelivered.pairs++;
        out.redelivered.extra += a - 1;
      }
      if (e > 1) {
        out.duplicatedEffects.pairs++;
        out.duplicatedEffects.extra += e - 1;
      }
      if (dead) out.deadLettered.pairs++;
      if (e > 0) {
        out.delivered++;
        if (dead) out.deliveredAndDeadLettered++;
      } else if (!dead) {
        out.lost++;
        if (out.lostSample.length < sampleSize)
          out.lostSample.push({
            eventId: ev.eventId,
            subscriber: sub,
            siteId: ev.siteId,
            attempts: attempts.get(k) ?? 0,
          });
      }
    }
  }
  return out;
}
