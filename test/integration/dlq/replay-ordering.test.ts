import '../../helpers/integration-timeout';
import crypto from 'node:crypto';
import { deliveryKeys } from '../../../core/names/redis-keys';
import { eventually, testEndpoints } from '../../helpers/stack';
import type { Received } from '../delivery/helpers';
import { wireEvent, type WireEvent } from '../router/events';
import { startReplayHub, type ReplayHub } from './replay-harness';

/**
 * Replay and per-key ordering (docs/retry.md): subscriber `erp` orders by key and holds a key
 * behind its dead-lettered head (`onDeadLetter: hold`). Its first event of key K is refused (400)
 * and dead-lettered, K's next two events wait parked behind it. Replayed through the deliver topic
 * the event would join the end of K's queue and stay held; the replay puts it at the head of K's
 * queue instead and lifts the hold, so K's events arrive in their order: the replayed one first.
 */
jest.setTimeout(180_000);

let hub: ReplayHub;
let fixed = false;
const delivered: string[] = [];
const key = `K-${crypto.randomBytes(3).toString('hex')}`;
const k: WireEvent[] = [];
const idOf = (w: WireEvent) => w.event.metadata.eventId as string;

function erp(req: Received): { status: number } {
  if (!fixed && req.key === idOf(k[0]!)) return { status: 400 };
  delivered.push(req.key);
  return { status: 200 };
}

beforeAll(async () => {
  hub = await startReplayHub({
    subscribers: [{ id: 'erp', behave: erp, delivery: { ordering: { mode: 'key', onDeadLetter: 'hold' } } }],
    routes: [{ name: 'orders', match: { eventTypes: ['OrderReleased'] }, to: ['erp'] }],
  });
  for (let i = 0; i < 3; i++)
    k.push(
      await wireEvent(testEndpoints().registryUrl, {
        eventType: 'OrderReleased',
        version: 1,
        patch: (e) => void (e.orderId = key),
      }),
    );
  expect(new Set(k.map((w) => w.key))).toEqual(new Set([key]));
  const other = await wireEvent(testEndpoints().registryUrl, { eventType: 'OrderReleased', version: 1 });
  await hub.produce(hub.t.ingress('us-chi'), [...k, other]);
  await eventually(() => delivered.includes(idOf(other)), 'the other key delivered');
  await hub.letters({ subscriber: 'erp' }, 1);
  const keys = deliveryKeys(hub.redisPrefix, 'erp');
  await eventually(async () => (await hub.redis.llen(keys.keyQueue(key))) === 2, `K's two events parked`);
});

afterAll(async () => {
  await hub?.stop();
});

it('K is held behind its dead letter: its later events wait', async () => {
  const keys = deliveryKeys(hub.redisPrefix, 'erp');
  expect(await hub.redis.sismember(keys.held, key)).toBe(1);
  expect(await hub.redis.lrange(keys.keyQueue(key), 0, -1)).toEqual([idOf(k[1]!), idOf(k[2]!)]);
  expect(delivered.filter((id) => k.some((w) => idOf(w) === id))).toEqual([]);
});

it('the replay of K’s dead letter goes first and lifts the hold: K’s events arrive in order', async () => {
  const [letter] = await hub.letters({ subscriber: 'erp' }, 1);
  const keys = deliveryKeys(hub.redisPrefix, 'erp');
  const [p] = await hub.service.dryRun({ ids: [letter!.id] });
  expect(p).toMatchObject({ outcome: 'deliver', subscribers: ['erp'] });
  expect(p!.message).toContain(key);
  // The dry run lifted nothing.
  expect(await hub.redis.sismember(keys.held, key)).toBe(1);

  fixed = true;
  const job = await hub.service.start({ ids: [letter!.id] }, { by: 'ana' });
  expect(await hub.job(job.id)).toMatchObject({ sent: 1 });
  await eventually(() => k.every((w) => delivered.includes(idOf(w))), 'K’s three events delivered');
  expect(delivered.filter((id) => k.some((w) => idOf(w) === id))).toEqual(k.map(idOf));
  expect(await hub.redis.sismember(keys.held, key)).toBe(0);
  // The receiver records K's last event when its request arrives; the hub takes it off K's queue
  // only once it has read the 200, a moment later.
  await eventually(async () => (await hub.redis.llen(keys.keyQueue(key))) === 0, 'K’s queue emptied');
  expect(await hub.store.get(letter!.id)).toMatchObject({ state: 'replayed', replays: [job.id] });
  // Each once: nothing more arrives for K, and nothing new was dead-lettered.
  expect(new Set(delivered).size).toBe(delivered.length);
  expect(await hub.store.ids({ subscriber: 'erp' }, 10)).toEqual([letter!.id]);
});
