import '../../helpers/integration-timeout';
import type { KafkaMessage } from 'kafkajs';
import { REPLAY_HEADERS } from '../../../core/dead-letters';
import { routerKeys } from '../../../core/names/redis-keys';
import type { ReplayPrediction } from '../../../dlq';
import { loadCatalog, publishCatalog, type CatalogEntry } from '../../../schemas';
import { eventually, testEndpoints } from '../../helpers/stack';
import { header, readTopic, type Received } from '../delivery/helpers';
import { wireEvent, type WireEvent } from '../router/events';
import { okCounts, settledSnapshot, snapshot, startReplayHub, type ReplayHub } from './replay-harness';

/**
 * Replay of router dead letters (issue #14 item 2): the hub follows a published catalog that does
 * not hold OrderReleased v2 yet, so v2 events are dead-lettered by the router with
 * CD_E_UNKNOWN_SCHEMA_VERSION. The dry run says they would still fail, and changes nothing; once
 * the full catalog is published (what `crossdock schemas push` does), the dry run says which
 * subscribers each reaches, and the replay — through the router, from the original ingress topic —
 * brings each exactly to the subscribers its routes select, and to nobody else.
 */
jest.setTimeout(240_000);

let hub: ReplayHub;
const ok: Record<string, Set<number>> = { erp: new Set(), wms: new Set(), tms: new Set() };
const answer = (id: string) => (req: Received) => {
  ok[id]!.add(req.n);
  return { status: 200 };
};
const v2: WireEvent[] = [];
const idOf = (w: WireEvent) => w.event.metadata.eventId as string;

/** The shipped catalog without OrderReleased v2: what the hub knew before v2 was pushed. */
function withoutV2(): CatalogEntry[] {
  return loadCatalog().entries.map((e) =>
    e.eventType === 'OrderReleased' ? { ...e, versions: e.versions.filter((v) => v.version !== 2) } : e,
  );
}

beforeAll(async () => {
  hub = await startReplayHub({
    subscribers: ['erp', 'wms', 'tms'].map((id) => ({ id, behave: answer(id) })),
    routes: [
      { name: 'orders', match: { eventTypes: ['OrderReleased'] }, to: ['erp', 'wms'] },
      { name: 'holds', match: { eventTypes: ['OrderHoldPlaced'] }, to: ['tms'] },
    ],
    catalog: withoutV2(),
  });
  await eventually(
    () =>
      !hub.follower
        .current()
        .find((e) => e.eventType === 'OrderReleased')!
        .versions.some((v) => v.version === 2),
    'the test’s follower to hold the catalog without v2',
  );
  for (let i = 0; i < 6; i++)
    v2.push(await wireEvent(testEndpoints().registryUrl, { eventType: 'OrderReleased', version: 2 }));
  const v1 = await wireEvent(testEndpoints().registryUrl, { eventType: 'OrderReleased', version: 1 });
  await hub.produce(hub.t.ingress('us-chi'), [...v2, v1]);
  await eventually(() => okCounts(hub.receivers.erp!, ok.erp!).get(idOf(v1)) === 1, 'the v1 event routed');
  await hub.letters({ code: 'CD_E_UNKNOWN_SCHEMA_VERSION' }, 6);
});

afterAll(async () => {
  await hub?.stop();
});

it('the router dead-lettered the v2 events; the dry run says they would fail again, and changes nothing', async () => {
  const letters = await hub.letters({ code: 'CD_E_UNKNOWN_SCHEMA_VERSION' }, 6);
  expect(letters.every((l) => l.kind === 'router' && l.original.topic === hub.t.ingress('us-chi'))).toBe(
    true,
  );
  expect(new Set(letters.map((l) => l.eventId))).toEqual(new Set(v2.map(idOf)));
  const before = await settledSnapshot(hub);
  const dry = await hub.service.dryRun({ filter: { code: 'CD_E_UNKNOWN_SCHEMA_VERSION' } });
  expect(await snapshot(hub)).toEqual(before);
  expect(dry).toHaveLength(6);
  for (const p of dry) expect(p).toMatchObject({ outcome: 'fail', code: 'CD_E_UNKNOWN_SCHEMA_VERSION' });
});

describe('once v2 is in the published catalog', () => {
  let dry: ReplayPrediction[];

  beforeAll(async () => {
    await publishCatalog({
      kafka: hub.kafka,
      topic: hub.t.catalog,
      entries: loadCatalog().entries,
      replicationFactor: hub.config.hub.topics.replicationFactor,
    });
    await eventually(
      () => hub.follower.current().find((e) => e.eventType === 'OrderReleased')!.versions.length === 2,
      'the catalog with v2 followed',
    );
    // The site publishes the sixth event again: now it is routed (and the router remembers it).
    const again = v2[5]!;
    await hub.produce(hub.t.ingress('us-chi'), [again]);
    await eventually(
      () => okCounts(hub.receivers.wms!, ok.wms!).get(idOf(again)) === 1,
      'the sixth event routed',
    );
  });

  it('the dry run says each reaches erp and wms by route orders (the one routed since: a skip), and changes nothing', async () => {
    const before = await settledSnapshot(hub);
    dry = await hub.service.dryRun({ filter: { code: 'CD_E_UNKNOWN_SCHEMA_VERSION' } });
    expect(await snapshot(hub)).toEqual(before);
    expect(dry).toHaveLength(6);
    for (const p of dry.filter((x) => x.eventId !== idOf(v2[5]!)))
      expect(p).toMatchObject({
        outcome: 'route',
        subscribers: ['erp', 'wms'],
        routes: { erp: 'orders', wms: 'orders' },
      });
    expect(dry.find((x) => x.eventId === idOf(v2[5]!))).toMatchObject({ outcome: 'skip', subscribers: [] });
    // Read only: the router has no duplicate mark of the others.
    for (const w of v2.slice(0, 5))
      expect(await hub.redis.exists(routerKeys(hub.redisPrefix).seen(idOf(w)))).toBe(0);
  });

  it('the replay goes through the router to exactly the subscribers its routes select', async () => {
    const job = await hub.service.start({ filter: { code: 'CD_E_UNKNOWN_SCHEMA_VERSION' } }, { by: 'ana' });
    expect(await hub.job(job.id)).toMatchObject({ total: 6, sent: 5, skipped: 1, refused: 0 });
    await eventually(
      () => v2.every((w) => okCounts(hub.receivers.wms!, ok.wms!).get(idOf(w)) === 1),
      'wms to take the replayed events',
    );
    await eventually(
      () => v2.every((w) => okCounts(hub.receivers.erp!, ok.erp!).get(idOf(w)) === 1),
      'erp to take the replayed events',
    );
    // Event by event what the dry run said: erp and wms once each (the skipped one: its one
    // delivery from before), tms nothing.
    for (const p of dry)
      for (const sub of ['erp', 'wms'])
        expect([p.eventId, sub, okCounts(hub.receivers[sub]!, ok[sub]!).get(p.eventId!)]).toEqual([
          p.eventId,
          sub,
          1,
        ]);
    expect(hub.receivers.tms!.requests).toEqual([]);
    for (const p of dry)
      expect((await hub.store.get(p.id))!).toMatchObject(
        p.outcome === 'skip' ? { state: 'resolved' } : { state: 'replayed', replays: [job.id] },
      );
    // The copies the router made carry the replay headers (the router keeps cd-replay-*).
    const ofJob = (list: KafkaMessage[]) => list.filter((m) => header(m, REPLAY_HEADERS.id) === job.id);
    const copies = ofJob(
      await readTopic(
        hub.kafka,
        hub.t.deliver('wms'),
        (l) => ofJob(l).length >= 5,
        'the replayed copies for wms',
      ),
    );
    expect(copies.map((m) => header(m, 'ce_id')).sort()).toEqual(v2.slice(0, 5).map(idOf).sort());
    for (const m of copies) {
      expect(header(m, REPLAY_HEADERS.of)).toBe(dry.find((p) => p.eventId === header(m, 'ce_id'))!.id);
      expect(header(m, REPLAY_HEADERS.count)).toBe('1');
      expect(header(m, 'cd-route')).toBe('orders');
    }
    // Nothing new in the router's dead letters.
    expect(await hub.store.ids({ code: 'CD_E_UNKNOWN_SCHEMA_VERSION' }, 100)).toHaveLength(6);
    expect(await hub.store.ids({ site: 'us-chi', state: 'new' }, 100)).toEqual([]);
  });
});
