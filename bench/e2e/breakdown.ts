import { Histogram, type Percentiles } from './histogram';

/**
 * Where an event's end-to-end time goes, from the stamps the hub already leaves and the bench's
 * own: the scheduled and actual send, the 202, the Kafka record timestamps (CreateTime) of the
 * ingress record (the ingest's produce) and of the router's copy on the deliver topic, the moment
 * the copy became readable to a read_committed reader (the router's transaction committed), and
 * the receiver's arrival time. Pure; unit-tested in test/unit/bench/e2e/breakdown.test.ts.
 */
export interface EventStamps {
  /** Scheduled send time (ms, epoch). */
  sched: number;
  sent?: number;
  /** The 202 arrived. */
  acked?: number;
  /** CreateTime of the ingress record (the ingest's producer). */
  ingressTs?: number;
  /** CreateTime of the router's copy on the deliver topic. */
  deliverTs?: number;
  /** A read_committed reader got the copy (its transaction had committed). */
  deliverSeen?: number;
  /** The receiver got the webhook (first arrival). */
  arrived?: number;
}

export const SEGMENTS = [
  { id: 'sender', from: 'sched', to: 'sent', label: 'load generator: scheduled → sent' },
  { id: 'ingest', from: 'sent', to: 'ingressTs', label: 'ingest: HTTP request → produce to ingress' },
  {
    id: 'kafkaRouter',
    from: 'ingressTs',
    to: 'deliverTs',
    label: 'Kafka hop (acks=all write, fetch) + router analysis → copy produced',
  },
  {
    id: 'routerCommit',
    from: 'deliverTs',
    to: 'deliverSeen',
    label: 'router transaction commit + Kafka hop → copy readable',
  },
  {
    id: 'connector',
    from: 'deliverSeen',
    to: 'arrived',
    label: 'connector: fetch, idempotency, POST → receiver',
  },
  {
    id: 'ingestAnswer',
    from: 'sent',
    to: 'acked',
    label: 'ingest answer: HTTP request → 202 (after the Kafka ack)',
  },
  { id: 'total', from: 'sched', to: 'arrived', label: 'end to end: scheduled → receiver' },
] as const;
export type SegmentId = (typeof SEGMENTS)[number]['id'];

export interface SegmentFigures extends Percentiles {
  id: SegmentId;
  label: string;
}

export interface Breakdown {
  segments: SegmentFigures[];
  /** Mean ms of each segment over the events at or above the end-to-end p99 (where the tail goes). */
  tail: { threshold: number; events: number; meanMs: Partial<Record<SegmentId, number>> };
}

const span = (e: EventStamps, from: keyof EventStamps, to: keyof EventStamps): number | undefined => {
  const a = e[from];
  const b = e[to];
  return a === undefined || b === undefined ? undefined : b - a;
};

/** Histograms (µs recorded, ms reported) of each segment, and the tail's breakdown. */
export function breakdown(events: readonly EventStamps[]): Breakdown {
  const hists = new Map<SegmentId, Histogram>(SEGMENTS.map((s) => [s.id, new Histogram()]));
  for (const e of events)
    for (const s of SEGMENTS) {
      const d = span(e, s.from, s.to);
      // A reader's fetch can beat the connector's by a little: a negative span counts as 0.
      if (d !== undefined) hists.get(s.id)!.record(Math.max(0, d) * 1000);
    }
  // The tail: the slowest 1% of the events that arrived (at least one).
  const arrivedEvents = events
    .map((e) => ({ e, d: span(e, 'sched', 'arrived') }))
    .filter((x): x is { e: EventStamps; d: number } => x.d !== undefined)
    .sort((a, b) => b.d - a.d);
  const tailEvents = arrivedEvents.slice(0, Math.ceil(arrivedEvents.length / 100)).map((x) => x.e);
  const threshold = arrivedEvents.length ? arrivedEvents[tailEvents.length - 1]!.d : 0;
  const meanMs: Partial<Record<SegmentId, number>> = {};
  for (const s of SEGMENTS) {
    const xs = tailEvents.map((e) => span(e, s.from, s.to)).filter((x): x is number => x !== undefined);
    if (xs.length)
      meanMs[s.id] = Math.round((xs.reduce((a, b) => a + Math.max(0, b), 0) / xs.length) * 100) / 100;
  }
  return {
    segments: SEGMENTS.map((s) => ({ id: s.id, label: s.label, ...hists.get(s.id)!.summary(1000) })),
    tail: { threshold: Math.round(threshold * 100) / 100, events: tailEvents.length, meanMs },
  };
}
