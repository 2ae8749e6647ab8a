import {
  buildTrace,
  checkEventId,
  describeTrace,
  type DeadLetterRecord,
  type TraceFacts,
} from '../../../dlq';
import { relative } from '../../../dlq/trace-text';
import type { DeliveryInspection } from '../../../retry';
import { parseSeenMark } from '../../../router';

/** The trace as the facts tell it (dlq/trace.ts buildTrace) and as text (dlq/trace-text.ts). */
const EVENT = '0b6f3f5e-5a55-4c1e-9a43-2d1f6b0f7a11';
const T0 = 1_764_900_000_000;

function letter(over: Partial<DeadLetterRecord> & Pick<DeadLetterRecord, 'id'>): DeadLetterRecord {
  const [topic, partition, offset] = over.id.split(':');
  return {
    topic: topic!,
    partition: Number(partition),
    offset: offset!,
    kind: 'deliver',
    code: 'CD_E_DELIVERY_REJECTED',
    message: 'HTTP 400',
    stage: 'deliver.http',
    attempts: 1,
    firstFailedAt: T0,
    lastFailedAt: T0,
    original: { topic: 'p.deliver.erp', partition: 0, offset: '3' },
    replayCount: 0,
    group: 'g',
    indexedAt: T0,
    state: 'new',
    notes: [],
    replays: [],
    updatedAt: T0,
    updatedBy: 'indexer',
    eventId: EVENT,
    ...over,
  };
}

const none = (subscriberId: string): DeliveryInspection => ({ subscriberId, idempotency: 'none' });

function facts(over: Partial<TraceFacts>): TraceFacts {
  return {
    eventId: EVENT,
    mark: parseSeenMark(`h p.ingress.us-chi/2/17 ${T0} wms=orders,erp=orders,bi=everything`),
    siteOf: (topic) => (topic.startsWith('p.ingress.') ? topic.slice('p.ingress.'.length) : undefined),
    configured: ['wms', 'erp', 'bi', 'crm'],
    deadLetters: [],
    deliveries: [],
    ...over,
  };
}

describe('buildTrace', () => {
  it('tells accepted and routed from the mark, and each routed subscriber’s state', () => {
    const t = buildTrace(
      facts({
        deadLetters: [letter({ id: 'p.dlq.deliver.erp:0:4', subscriber: 'erp', lastFailedAt: T0 + 5000 })],
        deliveries: [
          { subscriberId: 'wms', idempotency: 'done' },
          none('erp'),
          {
            subscriberId: 'bi',
            idempotency: 'none',
            entry: { attempts: 3, dueAt: T0 + 60_000, lastCode: 'CD_E_DELIVERY_SERVER_ERROR' },
          },
          none('crm'),
        ],
      }),
    );
    expect(t).toEqual({
      eventId: EVENT,
      accepted: { site: 'us-chi', topic: 'p.ingress.us-chi', partition: 2, offset: '17', at: T0 },
      routed: [
        { subscriber: 'wms', route: 'orders' },
        { subscriber: 'erp', route: 'orders' },
        { subscriber: 'bi', route: 'everything' },
      ],
      subscribers: [
        { subscriber: 'wms', state: 'delivered' },
        {
          subscriber: 'erp',
          state: 'dead-lettered',
          deadLetters: [
            { id: 'p.dlq.deliver.erp:0:4', code: 'CD_E_DELIVERY_REJECTED', at: T0 + 5000, state: 'new' },
          ],
        },
        {
          subscriber: 'bi',
          state: 'in-retry',
          attempts: 3,
          nextAttemptAt: T0 + 60_000,
          lastCode: 'CD_E_DELIVERY_SERVER_ERROR',
        },
      ],
    });
  });

  it('a routed subscriber with nothing yet is pending; one no longer configured is unknown', () => {
    const t = buildTrace(
      facts({ configured: ['wms', 'erp'], deliveries: [none('wms'), none('erp'), none('bi')] }),
    );
    expect(t.subscribers.map((s) => [s.subscriber, s.state])).toEqual([
      ['wms', 'pending'],
      ['erp', 'pending'],
      ['bi', 'unknown'],
    ]);
  });

  it('replayed while its newest dead letter is replayed and nothing newer happened', () => {
    const first = letter({ id: 'p.dlq.deliver.erp:0:4', subscriber: 'erp', state: 'replayed' });
    const deliveries = [none('wms'), none('erp'), none('bi'), none('crm')];
    expect(buildTrace(facts({ deadLetters: [first], deliveries })).subscribers[1]).toMatchObject({
      subscriber: 'erp',
      state: 'replayed',
    });
    // The replay failed again: a newer dead letter.
    const again = letter({ id: 'p.dlq.deliver.erp:0:9', subscriber: 'erp', lastFailedAt: T0 + 1 });
    expect(buildTrace(facts({ deadLetters: [again, first], deliveries })).subscribers[1]).toMatchObject({
      state: 'dead-lettered',
      deadLetters: [{ id: first.id }, { id: again.id }],
    });
    // The replay was delivered: delivered wins, and the letters stay as its history.
    const delivered = deliveries.map((d) =>
      d.subscriberId === 'erp' ? { ...d, idempotency: 'done' as const } : d,
    );
    expect(buildTrace(facts({ deadLetters: [first], deliveries: delivered })).subscribers[1]).toMatchObject({
      state: 'delivered',
      deadLetters: [{ id: first.id, state: 'replayed' }],
    });
    // Replayed and now in retry.
    const retrying = deliveries.map((d) =>
      d.subscriberId === 'erp' ? { ...d, entry: { attempts: 1, dueAt: T0 + 9 } } : d,
    );
    expect(buildTrace(facts({ deadLetters: [first], deliveries: retrying })).subscribers[1]).toMatchObject({
      state: 'in-retry',
      nextAttemptAt: T0 + 9,
    });
  });

  it('parked: not due, with its key, held or behind its key’s head', () => {
    const t = buildTrace(
      facts({
        deliveries: [
          {
            subscriberId: 'wms',
            idempotency: 'none',
            entry: { attempts: 0, orderKey: 'ORD-1', waitingBehind: 'e-0' },
          },
          { subscriberId: 'erp', idempotency: 'none', entry: { attempts: 0, orderKey: 'ORD-1', held: true } },
        ],
      }),
    );
    expect(t.subscribers.slice(0, 2)).toEqual([
      { subscriber: 'wms', state: 'parked', attempts: 0, orderKey: 'ORD-1', waitingBehind: 'e-0' },
      { subscriber: 'erp', state: 'parked', attempts: 0, orderKey: 'ORD-1', held: true },
    ]);
  });

  it('lists a configured subscriber the mark does not name only when it has state of the event', () => {
    const t = buildTrace(
      facts({
        mark: parseSeenMark(`h p.ingress.us-chi/2/17`), // first layout: no routes recorded
        deliveries: [
          none('wms'),
          { subscriberId: 'erp', idempotency: 'leased' },
          { subscriberId: 'crm', idempotency: 'done' },
        ],
      }),
    );
    expect(t.accepted).toEqual({ site: 'us-chi', topic: 'p.ingress.us-chi', partition: 2, offset: '17' });
    expect(t.routed).toBeUndefined();
    expect(t.subscribers).toEqual([
      { subscriber: 'erp', state: 'pending' },
      { subscriber: 'crm', state: 'delivered' },
    ]);
  });

  it('an event the router rejected: no mark, its router dead letters, and a removed subscriber’s letter', () => {
    const t = buildTrace(
      facts({
        mark: undefined,
        deadLetters: [
          letter({
            id: 'p.dlq.router:0:8',
            kind: 'router',
            code: 'CD_E_UNKNOWN_SCHEMA_VERSION',
            lastFailedAt: T0 + 2,
          }),
          letter({
            id: 'p.dlq.router:0:3',
            kind: 'router',
            code: 'CD_E_UNKNOWN_SCHEMA_VERSION',
            state: 'replayed',
          }),
          letter({ id: 'p.dlq.deliver.old:1:1', subscriber: 'old' }),
        ],
        deliveries: [none('wms'), none('erp'), none('bi'), none('crm'), none('old')],
      }),
    );
    expect(t.accepted).toBeUndefined();
    expect(t.rejected).toEqual([
      { id: 'p.dlq.router:0:3', code: 'CD_E_UNKNOWN_SCHEMA_VERSION', at: T0, state: 'replayed' },
      { id: 'p.dlq.router:0:8', code: 'CD_E_UNKNOWN_SCHEMA_VERSION', at: T0 + 2, state: 'new' },
    ]);
    expect(t.subscribers).toEqual([
      {
        subscriber: 'old',
        state: 'dead-lettered',
        deadLetters: [{ id: 'p.dlq.deliver.old:1:1', code: 'CD_E_DELIVERY_REJECTED', at: T0, state: 'new' }],
      },
    ]);
  });

  it('an event nobody saw: nothing but its id', () => {
    expect(buildTrace(facts({ mark: undefined, deliveries: [none('wms')] }))).toEqual({
      eventId: EVENT,
      subscribers: [],
    });
  });
});

describe('checkEventId', () => {
  it.each(['', ' ', 'a b', 'a\nb', 'x'.repeat(201)])('refuses %j', (id) => {
    expect(() => checkEventId(id)).toThrow(expect.objectContaining({ code: 'CD_E_EVENT_ID_INVALID' }));
  });
  it('accepts a UUID and any other printable id', () => {
    expect(checkEventId(EVENT)).toBe(EVENT);
    expect(checkEventId('not-a-uuid:42')).toBe('not-a-uuid:42');
  });
});

describe('describeTrace', () => {
  it('tells every state in one line each', () => {
    const text = describeTrace(
      {
        eventId: EVENT,
        accepted: { site: 'us-chi', topic: 'p.ingress.us-chi', partition: 2, offset: '17', at: T0 },
        routed: [
          { subscriber: 'wms', route: 'orders' },
          { subscriber: 'erp', route: 'orders' },
        ],
        subscribers: [
          { subscriber: 'wms', state: 'delivered' },
          {
            subscriber: 'erp',
            state: 'in-retry',
            attempts: 2,
            nextAttemptAt: T0 + 4000,
            lastCode: 'CD_E_DELIVERY_SERVER_ERROR',
          },
          {
            subscriber: 'bi',
            state: 'dead-lettered',
            deadLetters: [
              { id: 'p.dlq.deliver.bi:0:4', code: 'CD_E_DELIVERY_REJECTED', at: T0, state: 'new' },
            ],
          },
          { subscriber: 'crm', state: 'parked', attempts: 0, orderKey: 'ORD-1', held: true },
          {
            subscriber: 'mdm',
            state: 'replayed',
            deadLetters: [
              { id: 'p.dlq.deliver.mdm:0:1', code: 'CD_E_DELIVERY_REJECTED', at: T0, state: 'replayed' },
            ],
          },
          { subscriber: 'x', state: 'pending' },
        ],
      },
      { now: T0 },
    );
    expect(text.split('\n')).toEqual([
      `event ${EVENT}`,
      '  accepted  2025-12-05T02:00:00.000Z from site us-chi (p.ingress.us-chi partition 2 offset 17)',
      '  routed    to wms (route orders), erp (route orders)',
      '  wms  delivered',
      '  erp  in retry: 2 attempts, next attempt 2025-12-05T02:00:04.000Z (in 4 s), last CD_E_DELIVERY_SERVER_ERROR',
      '  bi   dead-lettered: CD_E_DELIVERY_REJECTED at 2025-12-05T02:00:00.000Z (dead letter p.dlq.deliver.bi:0:4, new)',
      '  crm  parked: its key ORD-1 is held after an earlier event was dead-lettered (crossdock connector crm --release-key <key> lets it go on)',
      '  mdm  replayed: CD_E_DELIVERY_REJECTED at 2025-12-05T02:00:00.000Z (dead letter p.dlq.deliver.mdm:0:1, replayed); not delivered yet',
      '  x    pending: in its topic, or being delivered now',
    ]);
  });

  it('says when nothing is known, and when the mark predates routes', () => {
    expect(describeTrace({ eventId: EVENT, subscribers: [] })).toMatch(
      /not accepted by the router: no duplicate mark/,
    );
    const old = describeTrace({
      eventId: EVENT,
      accepted: { topic: 'p.ingress.us-chi', partition: 0, offset: '1' },
      subscribers: [],
    });
    expect(old).toContain('accepted  (time not recorded) (p.ingress.us-chi partition 0 offset 1)');
    expect(old).toContain('routed    (not recorded');
    expect(old).toContain('no subscriber has state of it');
  });

  it('relative times', () => {
    expect(relative(T0 + 4000, T0)).toBe('in 4 s');
    expect(relative(T0 - 600_000, T0)).toBe('10 min ago');
    expect(relative(T0 + 3 * 3600_000, T0)).toBe('in 3 h');
    expect(relative(T0 - 3 * 86400_000, T0)).toBe('3 d ago');
  });
});
