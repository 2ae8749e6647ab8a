import { predictDelivery, predictRouter, routerGuard, REPLAYABLE_STATES } from '../../../dlq/replay/predict';
import { seenPreview, type RouterPreview } from '../../../router';
import { deliveryLetter, routerLetter } from './replay-fixtures';

const open = REPLAYABLE_STATES;
const facts = { subscriberConfigured: true, maxReplays: 3, states: open, idempotency: null };

describe('replay prediction: delivery dead letters', () => {
  it('goes back to its one subscriber', () => {
    const p = predictDelivery(deliveryLetter(), facts);
    expect(p).toEqual({
      id: 'p.dlq.deliver.erp:0:7',
      eventId: '3f0c2b9e-1d3a-4c55-9a41-6a0d2a1f9b10',
      outcome: 'deliver',
      subscribers: ['erp'],
    });
  });

  it('is refused when the subscriber is no longer configured, first of all', () => {
    const p = predictDelivery(deliveryLetter({ replayCount: 9, state: 'discarded' }), {
      ...facts,
      subscriberConfigured: false,
    });
    expect(p).toMatchObject({ outcome: 'refused', code: 'CD_E_DLQ_SUBSCRIBER_GONE', subscribers: [] });
    expect(p.message).toContain('"erp"');
  });

  it('loop guard: refused once replayed maxReplays times, sent below it', () => {
    expect(predictDelivery(deliveryLetter({ replayCount: 3 }), facts)).toMatchObject({
      outcome: 'refused',
      code: 'CD_E_DLQ_REPLAY_LOOP',
    });
    expect(predictDelivery(deliveryLetter({ replayCount: 2 }), facts).outcome).toBe('deliver');
  });

  it.each(['replaying', 'replayed', 'discarded', 'resolved'] as const)(
    'state %s is not replayed',
    (state) => {
      expect(predictDelivery(deliveryLetter({ state }), facts)).toMatchObject({
        outcome: 'refused',
        code: 'CD_E_DLQ_STATE_INVALID',
      });
    },
  );

  it('claimed letters are replayed; a job replays its own replaying letters', () => {
    expect(predictDelivery(deliveryLetter({ state: 'claimed', owner: 'ana' }), facts).outcome).toBe(
      'deliver',
    );
    expect(
      predictDelivery(deliveryLetter({ state: 'replaying' }), { ...facts, states: ['replaying'] }).outcome,
    ).toBe('deliver');
  });

  it('skips an event whose idempotency record is done; a lease is no reason to skip', () => {
    expect(predictDelivery(deliveryLetter(), { ...facts, idempotency: 'done' })).toMatchObject({
      outcome: 'skip',
      subscribers: [],
    });
    expect(predictDelivery(deliveryLetter(), { ...facts, idempotency: 'host:1:abc' }).outcome).toBe(
      'deliver',
    );
  });

  it('fails without an eventId (the connector would dead-letter it again)', () => {
    const { eventId: _e, ...noId } = deliveryLetter();
    expect(predictDelivery(noId, facts)).toMatchObject({
      outcome: 'fail',
      code: 'CD_E_DELIVERY_NO_EVENT_ID',
    });
  });

  it('says so when the replay lifts a held key', () => {
    expect(predictDelivery(deliveryLetter(), { ...facts, heldKey: 'ORD-1' }).message).toContain('"ORD-1"');
  });
});

describe('replay prediction: router dead letters', () => {
  const guardFacts = { maxReplays: 3, states: open, siteId: 'us-chi' };
  const routed: RouterPreview = {
    ok: true,
    eventId: 'e-1',
    eventType: 'OrderReleased',
    subscribers: ['erp', 'wms'],
    routes: { erp: 'orders', wms: 'all' },
    seen: 'new',
  };

  it('guards: loop, state, an origin that is not an ingress topic', () => {
    expect(routerGuard(routerLetter(), guardFacts)).toBeUndefined();
    expect(routerGuard(routerLetter({ replayCount: 5 }), guardFacts)?.code).toBe('CD_E_DLQ_REPLAY_LOOP');
    expect(routerGuard(routerLetter({ state: 'discarded' }), guardFacts)?.code).toBe(
      'CD_E_DLQ_STATE_INVALID',
    );
    expect(routerGuard(routerLetter(), { ...guardFacts, siteId: undefined })?.code).toBe(
      'CD_E_DLQ_ORIGIN_UNKNOWN',
    );
  });

  it('route: the subscribers and the route of each', () => {
    expect(predictRouter(routerLetter(), routed)).toMatchObject({
      outcome: 'route',
      subscribers: ['erp', 'wms'],
      routes: { erp: 'orders', wms: 'all' },
    });
  });

  it('unrouted when no route selects it', () => {
    expect(predictRouter(routerLetter(), { ...routed, subscribers: [], routes: {} }).outcome).toBe(
      'unrouted',
    );
  });

  it('skip when the router already routed the same payload', () => {
    expect(predictRouter(routerLetter(), { ...routed, seen: 'duplicate' })).toMatchObject({
      outcome: 'skip',
      subscribers: [],
    });
  });

  it('fail with the rejection’s code and stage', () => {
    const p = predictRouter(routerLetter(), {
      ok: false,
      rejection: {
        code: 'CD_E_UNKNOWN_SCHEMA_VERSION',
        message: 'none of its versions',
        stage: 'router.schema',
      },
    });
    expect(p).toMatchObject({ outcome: 'fail', code: 'CD_E_UNKNOWN_SCHEMA_VERSION' });
    expect(p.message).toBe('router.schema: none of its versions');
  });

  it('the duplicate mark, read only: absent new, same hash duplicate, other hash conflict', () => {
    expect(seenPreview(null, 'h1')).toBe('new');
    expect(seenPreview('h1 p.ingress.us-chi/0/4', 'h1')).toBe('duplicate');
    expect(seenPreview('h2 p.ingress.us-chi/0/4', 'h1')).toBe('conflict');
    expect(seenPreview('garbage', 'h1')).toBe('conflict');
  });
});
