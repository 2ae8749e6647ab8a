import { breakdown, type EventStamps } from '../../../../bench/e2e/breakdown';

const ev = (sched: number, parts: number[]): EventStamps => {
  // parts: sender, ingest, kafkaRouter, routerCommit, connector (ms)
  const [s, i, k, r, c] = parts as [number, number, number, number, number];
  const sent = sched + s;
  const ingressTs = sent + i;
  const deliverTs = ingressTs + k;
  const deliverSeen = deliverTs + r;
  return { sched, sent, acked: sent + i + 2, ingressTs, deliverTs, deliverSeen, arrived: deliverSeen + c };
};

describe('e2e latency breakdown', () => {
  it('splits each event’s time into the hub’s segments', () => {
    const events = Array.from({ length: 100 }, (_, n) => ev(n * 10, [0, 3, 10, 5, 2]));
    const b = breakdown(events);
    const seg = Object.fromEntries(b.segments.map((s) => [s.id, s]));
    expect(seg.sender!.p50).toBe(0);
    expect(seg.ingest!.p99).toBe(3);
    expect(seg.kafkaRouter!.p50).toBe(10);
    expect(seg.routerCommit!.p50).toBe(5);
    expect(seg.connector!.p50).toBe(2);
    expect(seg.ingestAnswer!.p50).toBe(5);
    expect(seg.total!.p50).toBe(20);
    expect(seg.total!.count).toBe(100);
  });

  it('says where the slowest 1% went', () => {
    const events = [
      ...Array.from({ length: 198 }, (_, n) => ev(n, [0, 3, 10, 5, 2])),
      ev(500, [0, 3, 200, 5, 2]),
      ev(600, [1, 3, 10, 5, 90]),
    ];
    const b = breakdown(events);
    expect(b.tail.events).toBe(2);
    expect(b.tail.threshold).toBe(109);
    expect(b.tail.meanMs).toMatchObject({ kafkaRouter: 105, connector: 46, sender: 0.5, total: 159.5 });
  });

  it('leaves out segments whose stamps are missing and counts a reader ahead of the connector as 0', () => {
    const b = breakdown([
      { sched: 0, sent: 1 },
      { sched: 0, sent: 1, ingressTs: 4, deliverTs: 9, deliverSeen: 15, arrived: 14 },
    ]);
    const seg = Object.fromEntries(b.segments.map((s) => [s.id, s]));
    expect(seg.sender!.count).toBe(2);
    expect(seg.ingestAnswer!.count).toBe(0);
    expect(seg.connector!.count).toBe(1);
    expect(seg.connector!.max).toBe(0);
    expect(b.tail.events).toBe(1);
  });
});
