/** Benchmark D's workload: deterministic ~1 KB OrderHoldPlaced events (fixed seed, 10k keys). */

/** Deterministic payloads (fixed seed). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}
function uuid(r: () => number): string {
  const h = Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface BenchEvent {
  eventId: string;
  orderId: string;
  value: Record<string, unknown>;
}

export function makeEvents(n: number, seed: number, keys: number): BenchEvent[] {
  const r = rng(seed);
  const seqByKey = new Map<string, number>();
  return Array.from({ length: n }, () => {
    const eventId = uuid(r);
    const orderId = `ORD-${Math.floor(r() * keys)}`;
    const seq = (seqByKey.get(orderId) ?? 0) + 1;
    seqByKey.set(orderId, seq);
    return {
      eventId,
      orderId,
      value: {
        metadata: {
          eventId,
          eventType: 'OrderHoldPlaced',
          occurredAt: new Date(),
          siteId: 'us-chi',
          sourceSystem: 'bench',
          correlationId: `corr-${orderId}`,
          causationId: null,
        },
        orderId,
        holdId: `H-${seq}`,
        holdReason: 'CREDIT_LIMIT',
        // Pads the event to about 1 KB of Avro (the benchmark workload, docs/benchmarks.md).
        holdNote: 'x'.repeat(820),
        placedBy: 'rule-7',
        customerId: `C-${Math.floor(r() * 5000)}`,
        currency: 'USD',
        amountAtRisk: `${Math.floor(r() * 100000)}.${String(Math.floor(r() * 100)).padStart(2, '0')}`,
        expectedReleaseDate: null,
      },
    };
  });
}
