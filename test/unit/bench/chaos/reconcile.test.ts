import { reconcile, type ReceivedDelivery } from '../../../../bench/chaos/reconcile';
import { selectedSubscribers, SITES } from '../../../../bench/chaos/topology';

const ok = (subscriber: string, eventId: string, key = eventId, effect = true): ReceivedDelivery => ({
  subscriber,
  eventId,
  idempotencyKey: key,
  status: 200,
  effect,
});
const failed = (subscriber: string, eventId: string): ReceivedDelivery => ({
  subscriber,
  eventId,
  idempotencyKey: eventId,
  status: 503,
  effect: false,
});

describe('chaos outside count', () => {
  const accepted = [
    { eventId: 'e1', siteId: 'us-chi', subscribers: ['erp', 'tms'] },
    { eventId: 'e2', siteId: 'mx-mty', subscribers: ['erp', 'finance'] },
    { eventId: 'e3', siteId: 'us-nwk', subscribers: ['erp'] },
  ];

  it('counts a clean run: every pair delivered once', () => {
    const r = reconcile({
      accepted,
      deliveries: [ok('erp', 'e1'), ok('tms', 'e1'), ok('erp', 'e2'), ok('finance', 'e2'), ok('erp', 'e3')],
      deadLetters: [],
    });
    expect(r).toMatchObject({
      accepted: 3,
      pairs: 5,
      delivered: 5,
      lost: 0,
      redelivered: { pairs: 0, extra: 0 },
      duplicatedEffects: { pairs: 0, extra: 0 },
      requests: { total: 5, refused: 0 },
    });
  });

  it('tells a redelivery (same key, effect once) from a duplicated effect (another key)', () => {
    const r = reconcile({
      accepted,
      deliveries: [
        ok('erp', 'e1'),
        ok('erp', 'e1', 'e1', false), // redelivered, the receiver dropped it by its key
        ok('erp', 'e1', 'e1', false),
        ok('tms', 'e1'),
        ok('tms', 'e1', 'cd.deliver.tms-0-7', true), // a key that is not the eventId: a second effect
        ok('erp', 'e2'),
        ok('finance', 'e2'),
        ok('erp', 'e3'),
      ],
      deadLetters: [],
    });
    expect(r.redelivered).toEqual({ pairs: 2, extra: 3 });
    expect(r.duplicatedEffects).toEqual({ pairs: 1, extra: 1 });
    expect(r.keyNotEventId).toBe(1);
    expect(r.lost).toBe(0);
  });

  it('counts a pair lost when it was only refused or never sent, and names it', () => {
    const r = reconcile({
      accepted,
      deliveries: [
        failed('erp', 'e1'),
        failed('erp', 'e1'),
        ok('tms', 'e1'),
        ok('erp', 'e2'),
        ok('erp', 'e3'),
      ],
      deadLetters: [],
    });
    expect(r.lost).toBe(2);
    expect(r.lostSample).toEqual([
      { eventId: 'e1', subscriber: 'erp', siteId: 'us-chi', attempts: 2 },
      { eventId: 'e2', subscriber: 'finance', siteId: 'mx-mty', attempts: 0 },
    ]);
    expect(r.requests).toEqual({ total: 5, refused: 2 });
  });

  it('a dead letter settles a pair (the router one settles every subscriber), by code', () => {
    const r = reconcile({
      accepted,
      deliveries: [ok('tms', 'e1'), ok('erp', 'e3')],
      deadLetters: [
        { eventId: 'e1', subscriber: 'erp', code: 'CD_E_DELIVERY_MAX_ATTEMPTS' },
        { eventId: 'e1', subscriber: 'erp', code: 'CD_E_DELIVERY_MAX_ATTEMPTS' }, // read twice
        { eventId: 'e2', subscriber: undefined, code: 'CD_E_UNKNOWN_SCHEMA_VERSION' },
        { eventId: 'e3', subscriber: 'erp', code: 'CD_E_DELIVERY_REJECTED' },
      ],
    });
    expect(r.lost).toBe(0);
    expect(r.delivered).toBe(2);
    expect(r.deadLettered.pairs).toBe(4);
    expect(r.deliveredAndDeadLettered).toBe(1);
    expect(r.deadLettered.byCode).toEqual({
      CD_E_DELIVERY_MAX_ATTEMPTS: 1,
      CD_E_UNKNOWN_SCHEMA_VERSION: 1,
      CD_E_DELIVERY_REJECTED: 1,
    });
  });

  it('keeps unrouted, unconfirmed and unknown deliveries out of the pairs', () => {
    const r = reconcile({
      accepted,
      unconfirmed: ['e9'],
      deliveries: [
        ok('finance', 'e1'), // finance is not selected for a us-chi event
        ok('erp', 'e9'), // accepted by the hub but the sender never got the 2xx
        ok('erp', 'e8'), // never sent
        { subscriber: 'erp', eventId: undefined, idempotencyKey: undefined, status: 200, effect: true },
      ],
      deadLetters: [],
    });
    expect(r.unexpected).toBe(1);
    expect(r.unconfirmedDelivered).toBe(1);
    expect(r.unknown).toBe(2);
    expect(r.delivered).toBe(0);
    expect(r.lost).toBe(5);
  });

  it('a delivery whose key another event used first has no effect: that pair is lost', () => {
    const r = reconcile({
      accepted: [{ eventId: 'e3', siteId: 'us-nwk', subscribers: ['erp'] }],
      deliveries: [ok('erp', 'e3', 'shared-key', false)],
      deadLetters: [],
    });
    expect(r.lost).toBe(1);
    expect(r.redelivered.pairs).toBe(0);
  });
});

describe('chaos routes, read from the outside', () => {
  it('selects erp for every site, tms for the US, finance for Mexico', () => {
    const of = (id: string) =>
      selectedSubscribers(
        SITES.find((s) => s.id === id)!,
        'OrderReleased',
      );
    expect(of('us-chi')).toEqual(['erp', 'tms']);
    expect(of('us-nwk')).toEqual(['erp', 'tms']);
    expect(of('mx-mty')).toEqual(['erp', 'finance']);
    expect(selectedSubscribers(SITES[2]!, 'InvoiceGenerated')).toEqual(['finance']);
  });
});
