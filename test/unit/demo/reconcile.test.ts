import { emptyObserved, observe, type Observed } from '../../../demo/observer';
import { openCopies, reconcile, undecidedEvents } from '../../../demo/reconcile';

const P = 'demo-abc123';
const SINKS = new Map([['analytics', `${P}.sink.analytics`]]);
let offset = 0;
function rec(o: Observed, topic: string, headers: Record<string, string>, timestamp = 1000) {
  observe(o, P, SINKS, {
    topic,
    partition: 0,
    offset: String(offset++),
    timestamp: String(timestamp),
    headers,
  });
}

/** e1 → erp + analytics, e2 → erp (dead-lettered) + analytics, e3 dead-lettered by the router. */
function scenario(): Observed {
  const o = emptyObserved();
  rec(o, `${P}.ingress.us-chi`, { ce_id: 'e1', ce_type: 'com.crossdock.order.OrderReleased' }, 1000);
  rec(o, `${P}.ingress.us-atl`, { ce_id: 'e2', ce_type: 'com.crossdock.order.OrderReleased' }, 1000);
  rec(o, `${P}.ingress.us-atl`, { ce_id: 'e2', ce_type: 'com.crossdock.order.OrderReleased' }, 1001);
  rec(o, `${P}.ingress.us-dal`, { ce_id: 'e3', ce_type: 'com.crossdock.order.OrderReleased' }, 1000);
  for (const id of ['e1', 'e2']) {
    rec(o, `${P}.deliver.erp`, { ce_id: id });
    rec(o, `${P}.deliver.analytics`, { ce_id: id });
    rec(o, `${P}.sink.analytics`, { ce_id: id }, 1100);
  }
  rec(o, `${P}.dlq.router`, { ce_id: 'e3', 'cd-error-code': 'CD_E_RULE_VIOLATION' });
  rec(o, `${P}.dlq.router`, { 'cd-error-code': 'CD_E_BAD_FRAMING' });
  rec(o, `${P}.dlq.deliver.erp`, { ce_id: 'e2', 'cd-error-code': 'CD_E_DELIVERY_REJECTED' });
  return o;
}

describe('demo observer', () => {
  it("sorts the run's records: accepted once per id, routed copies, dead letters with codes, Kafka-sink deliveries", () => {
    const o = scenario();
    expect([...o.accepted.keys()]).toEqual(['e1', 'e2', 'e3']);
    expect(o.accepted.get('e1')).toEqual({ siteId: 'us-chi', type: 'OrderReleased', at: 1000 });
    expect(o.ingressRecords).toBe(4);
    expect([...o.routed.get('e1')!.keys()]).toEqual(['erp', 'analytics']);
    expect(o.routerDead.get('e3')).toBe('CD_E_RULE_VIOLATION');
    expect(o.routerDeadAnonymous).toEqual({ CD_E_BAD_FRAMING: 1 });
    expect(o.deliveryDead.get('erp')?.get('e2')).toBe('CD_E_DELIVERY_REJECTED');
    expect(o.sinkDelivered.get('analytics')?.get('e1')).toBe(1100);
  });
});

describe('demo reconciliation', () => {
  const subscribers = ['erp', 'analytics'];

  it('holds when every routed copy is delivered, waiting or dead-lettered', () => {
    const o = scenario();
    const received = new Map([['erp', new Map([['e1', { at: 1200 }]])]]);
    const r = reconcile({ observed: o, received, subscribers, waiting: () => false });
    expect(r.holds).toBe(true);
    expect(r).toMatchObject({
      accepted: 3,
      routed: 2,
      routerDeadLettered: { CD_E_RULE_VIOLATION: 1 },
      undecided: 0,
    });
    expect(r.subscribers.erp).toEqual({
      expected: 2,
      delivered: 1,
      waiting: 0,
      deadLettered: { CD_E_DELIVERY_REJECTED: 1 },
      missing: 0,
      unexpected: 0,
    });
    expect(r.subscribers.analytics).toMatchObject({ expected: 2, delivered: 2, missing: 0 });
    expect(openCopies({ observed: o, received, subscribers })).toEqual([]);
  });

  it('counts a copy in retry (or not yet consumed) as waiting, and one that is nowhere as missing', () => {
    const o = scenario();
    const received = new Map([['erp', new Map<string, { at: number }>()]]);
    expect(openCopies({ observed: o, received, subscribers })).toEqual([
      { subscriber: 'erp', eventId: 'e1' },
    ]);
    const waiting = reconcile({
      observed: o,
      received,
      subscribers,
      waiting: (s, id) => s === 'erp' && id === 'e1',
    });
    expect(waiting.holds).toBe(true);
    expect(waiting.subscribers.erp).toMatchObject({ waiting: 1, missing: 0 });
    const lost = reconcile({ observed: o, received, subscribers, waiting: () => false });
    expect(lost.holds).toBe(false);
    expect(lost.subscribers.erp).toMatchObject({ missing: 1 });
    expect(lost.missingSample).toEqual([{ eventId: 'e1', subscriber: 'erp' }]);
  });

  it('does not hold when an accepted event was never decided on, or a subscriber got an event not routed to it', () => {
    const o = scenario();
    rec(o, `${P}.ingress.us-nwk`, { ce_id: 'e4', ce_type: 'com.crossdock.order.OrderReleased' });
    expect(undecidedEvents(o)).toBe(1);
    const received = new Map([
      [
        'erp',
        new Map([
          ['e1', { at: 1 }],
          ['e9', { at: 1 }],
        ]),
      ],
    ]);
    const r = reconcile({ observed: o, received, subscribers, waiting: () => false });
    expect(r.holds).toBe(false);
    expect(r.undecided).toBe(1);
    expect(r.subscribers.erp!.unexpected).toBe(1);
    expect(r.missingSample).toContainEqual({ eventId: 'e4' });
  });
});
