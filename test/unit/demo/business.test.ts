import { createSiteEventEncoder } from '../../../connectors/sources/site-event';
import { seededRandom } from '../../../core/random';
import { createBusiness, type BusinessEvent, type DemoSiteSpec } from '../../../demo/business';
import { CSV_BAD_KINDS } from '../../../demo/sites/csv';
import { HTTP_BAD_KINDS } from '../../../demo/sites/http';
import { SDK_BAD_KINDS, SDK_TYPES } from '../../../demo/sites/sdk';

const SITES: DemoSiteSpec[] = [
  { siteId: 'us-chi', types: ['OrderReleased'], badKinds: HTTP_BAD_KINDS },
  { siteId: 'us-dal', types: ['OrderReleased'], badKinds: CSV_BAD_KINDS },
  { siteId: 'us-atl', types: SDK_TYPES, badKinds: SDK_BAD_KINDS, resends: true },
  { siteId: 'ca-tor', types: SDK_TYPES, badKinds: SDK_BAD_KINDS, resends: true },
];

function run(seed: number, n: number): BusinessEvent[] {
  const b = createBusiness({ sites: SITES, random: seededRandom(seed) });
  const start = Date.parse('2026-12-05T12:00:00Z');
  return Array.from({ length: n }, (_, i) => b.next(new Date(start + i * 50)));
}

describe('demo business', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(run(5, 300)).toEqual(run(5, 300));
    expect(run(6, 300)).not.toEqual(run(5, 300));
  });

  it('sends through each site only what its channel carries, and every business event type through the SDK sites', () => {
    const events = run(1, 3000);
    for (const e of events.filter((x) => x.siteId === 'us-chi' || x.siteId === 'us-dal'))
      expect(e.type).toBe('OrderReleased');
    const sdkTypes = new Set(
      events.filter((e) => e.siteId === 'us-atl' || e.siteId === 'ca-tor').map((e) => e.type),
    );
    expect([...sdkTypes].sort()).toEqual([...SDK_TYPES].sort());
  });

  it("links the steps of one order by its correlationId, each step caused by the one before, in the order's life cycle", () => {
    const events = run(2, 3000).filter((e) => !e.resend);
    const byCorrelation = new Map<string, BusinessEvent[]>();
    for (const e of events)
      byCorrelation.set(e.correlationId, [...(byCorrelation.get(e.correlationId) ?? []), e]);
    const orders = [...byCorrelation.values()].filter(
      (steps) => steps[0]!.type === 'OrderReleased' && steps.length > 2,
    );
    expect(orders.length).toBeGreaterThan(20);
    for (const steps of orders) {
      expect(steps[0]!.eventId).toBe(steps[0]!.correlationId);
      expect(steps[0]!.causationId).toBeNull();
      for (let i = 1; i < steps.length; i++) expect(steps[i]!.causationId).toBe(steps[i - 1]!.eventId);
      const types = steps.map((s) => s.type);
      const orderId = (steps[0]!.body as { orderId: string }).orderId;
      for (const s of steps) expect((s.body as { orderId?: string }).orderId).toBe(orderId);
      // A hold is released, if ever, after it is placed; an order is invoiced after it shipped.
      if (types.includes('OrderHoldReleased'))
        expect(types.indexOf('OrderHoldReleased')).toBeGreaterThan(types.indexOf('OrderHoldPlaced'));
      if (types.includes('InvoiceGenerated'))
        expect(types.indexOf('InvoiceGenerated')).toBeGreaterThan(types.indexOf('ShipmentConfirmed'));
      // Events happen in their order's time order.
      for (let i = 1; i < steps.length; i++)
        expect(steps[i]!.occurredAt.getTime()).toBeGreaterThan(steps[i - 1]!.occurredAt.getTime());
    }
    // Cross-border transfers between legal entities are followed by their intercompany posting.
    const postings = events.filter((e) => e.type === 'IntercompanyTransferPosted');
    expect(postings.length).toBeGreaterThan(0);
    for (const p of postings) {
      const transfer = events.find((e) => e.eventId === p.correlationId)!;
      expect(transfer.type).toBe('InventoryTransferApproved');
      expect((transfer.body as { intercompany: boolean }).intercompany).toBe(true);
    }
  });

  it('gives an order of an HTTP site that knows holds only the steps its channel carries', () => {
    const b = createBusiness({
      sites: [
        { siteId: 'us-chi', types: ['OrderReleased', 'OrderHoldPlaced', 'OrderHoldReleased'], badKinds: [] },
      ],
      random: seededRandom(8),
    });
    const t0 = Date.parse('2026-12-05T12:00:00Z');
    const events = Array.from({ length: 500 }, (_, i) => b.next(new Date(t0 + i * 50)));
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set(['OrderReleased', 'OrderHoldPlaced', 'OrderHoldReleased']),
    );
    expect(events.some((e) => e.resend)).toBe(false);
  });

  it('makes a small share of mistakes, each one its site can make; resends repeat an SDK event with its id', () => {
    const events = run(3, 4000);
    const bad = events.filter((e) => e.bad);
    expect(bad.length / events.length).toBeGreaterThan(0.02);
    expect(bad.length / events.length).toBeLessThan(0.1);
    for (const e of bad) expect(SITES.find((s) => s.siteId === e.siteId)!.badKinds).toContain(e.bad);
    expect(new Set(bad.map((e) => e.bad)).size).toBeGreaterThanOrEqual(6);
    const resends = events.filter((e) => e.resend);
    expect(resends.length).toBeGreaterThan(0);
    for (const r of resends) {
      expect(['us-atl', 'ca-tor']).toContain(r.siteId);
      expect(events.filter((e) => e.eventId === r.eventId)).toHaveLength(2);
    }
  });

  it("makes SDK events that fit their canonical schema, except the SDK's own mistake (a missing field)", async () => {
    const encoders = new Map(
      ['us-atl', 'ca-tor'].map((siteId) => [
        siteId,
        createSiteEventEncoder({ siteId, sourceSystem: 'test', topicPrefix: 'cd', ids: async () => 1 }),
      ]),
    );
    const events = run(4, 1500).filter((e) => encoders.has(e.siteId));
    let refused = 0;
    for (const e of events) {
      const encode = encoders.get(e.siteId)!.encode(e.type, e.body as Record<string, unknown>, {
        eventId: e.eventId,
        occurredAt: e.occurredAt,
        correlationId: e.correlationId,
        causationId: e.causationId,
      });
      if (e.bad === 'missing-field') {
        await expect(encode).rejects.toMatchObject({ code: 'CD_E_INPUT_REJECTED' });
        refused++;
      } else await expect(encode).resolves.toMatchObject({ eventId: e.eventId, eventType: e.type });
    }
    expect(refused).toBeGreaterThan(0);
  });
});
