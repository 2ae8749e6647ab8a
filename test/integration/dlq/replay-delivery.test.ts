import '../../helpers/integration-timeout';
import type { KafkaMessage } from 'kafkajs';
import { REPLAY_HEADERS } from '../../../core/dead-letters';
import { deliveryKeys } from '../../../core/names/redis-keys';
import type { DeadLetterRecord, ReplayPrediction } from '../../../dlq';
import { eventually, testEndpoints } from '../../helpers/stack';
import { header, readTopic, type Received } from '../delivery/helpers';
import { wireEvent, type WireEvent } from '../router/events';
import { batchSize } from '../../../dlq/replay/runner';
import { okCounts, settledSnapshot, snapshot, startReplayHub, type ReplayHub } from './replay-harness';

/**
 * Replay of delivery dead letters (issue #14 item 2) on a hub composed as `crossdock start`
 * composes it: subscriber `erp` refuses every event (400) and they are dead-lettered while `wms`
 * takes them; the dry run changes nothing anywhere and says, per letter, what the replay then
 * does; after the fix the replay delivers each to `erp` once, `wms` gets nothing more, and it sends
 * no faster than its rate. An event that keeps failing is stopped by the loop guard.
 */
jest.setTimeout(240_000);

const RATE = 5;
let hub: ReplayHub;
/** The requests each receiver answered 2xx, by request number (each receiver counts its own). */
const ok = { erp: new Set<number>(), wms: new Set<number>() };
let broken = true;
/** The one event erp keeps refusing after the fix. */
let poison = '';
const events: WireEvent[] = [];
const idOf = (w: WireEvent) => w.event.metadata.eventId as string;

function erp(req: Received): { status: number } {
  if (broken || req.key === poison) return { status: 400 };
  ok.erp.add(req.n);
  return { status: 200 };
}

function wms(req: Received): { status: number } {
  ok.wms.add(req.n);
  return { status: 200 };
}

beforeAll(async () => {
  hub = await startReplayHub({
    subscribers: [
      { id: 'erp', behave: erp },
      { id: 'wms', behave: wms },
    ],
    routes: [{ name: 'orders', match: { eventTypes: ['OrderReleased'] }, to: ['erp', 'wms'] }],
    deadLetters: { replay: { ratePerSecond: RATE, maxReplays: 1, maxSelection: 1000 } },
  });
  for (let i = 0; i < 12; i++)
    events.push(await wireEvent(testEndpoints().registryUrl, { eventType: 'OrderReleased', version: 1 }));
  poison = idOf(events[11]!);
  await hub.produce(hub.t.ingress('us-chi'), events);
  await eventually(() => okCounts(hub.receivers.wms!, ok.wms).size === 12, 'wms to take the 12 events');
  await hub.letters({ subscriber: 'erp' }, 12);
});

afterAll(async () => {
  await hub?.stop();
});

const letterOf = (letters: DeadLetterRecord[], w: WireEvent) => letters.find((l) => l.eventId === idOf(w))!;

it('a dead letter per refused event, with its reason; wms took every event once', async () => {
  const letters = await hub.letters({ subscriber: 'erp' }, 12);
  expect(letters).toHaveLength(12);
  expect(new Set(letters.map((l) => l.code))).toEqual(new Set(['CD_E_DELIVERY_REJECTED']));
  expect(letters.every((l) => l.kind === 'deliver' && l.state === 'new' && l.replayCount === 0)).toBe(true);
  expect([...okCounts(hub.receivers.wms!, ok.wms).values()].every((n) => n === 1)).toBe(true);
});

describe('after the fix', () => {
  let letters: DeadLetterRecord[];
  let dry: ReplayPrediction[];
  let jobId: string;

  beforeAll(async () => {
    broken = false;
    letters = await hub.letters({ subscriber: 'erp' }, 12);
    // Event 11 reaches erp another way meanwhile (its copy delivered from the deliver topic again):
    // its idempotency record is done, so its replay is a skip.
    const w = events[10]!;
    await hub.produce(hub.t.deliver('erp'), [
      { key: w.key, value: w.value, headers: { ...w.headers, ce_type: 'com.crossdock.order.OrderReleased' } },
    ]);
    await eventually(
      () => okCounts(hub.receivers.erp!, ok.erp).get(idOf(w)) === 1,
      'event 11 delivered to erp',
    );
    // An operator discards event 10.
    await hub.store.applyState(letterOf(letters, events[9]!).id, {
      state: 'discarded',
      note: 'not needed',
      by: 'ana',
      at: Date.now(),
    });
  });

  it('the dry run says, per letter, what the replay would do now, and changes nothing anywhere', async () => {
    const ids = events.map((w) => letterOf(letters, w).id);
    const before = await settledSnapshot(hub);
    const requestsBefore = hub.receivers.erp!.requests.length;
    dry = await hub.service.dryRun({ ids });
    const after = await snapshot(hub);
    expect(after).toEqual(before);
    expect(hub.receivers.erp!.requests.length).toBe(requestsBefore);
    expect(await hub.service.list(10)).toEqual([]);
    const byEvent = new Map(dry.map((p) => [p.eventId, p]));
    for (const w of events.slice(0, 9))
      expect(byEvent.get(idOf(w))).toMatchObject({ outcome: 'deliver', subscribers: ['erp'] });
    expect(byEvent.get(idOf(events[9]!))).toMatchObject({
      outcome: 'refused',
      code: 'CD_E_DLQ_STATE_INVALID',
    });
    expect(byEvent.get(idOf(events[10]!))).toMatchObject({ outcome: 'skip', subscribers: [] });
    expect(byEvent.get(idOf(events[11]!))).toMatchObject({ outcome: 'deliver', subscribers: ['erp'] });
    // Nothing was written: no idempotency record for the events not delivered yet.
    const idem = deliveryKeys(hub.redisPrefix, 'erp').idempotency(idOf(events[0]!));
    expect(await hub.redis.exists(idem)).toBe(0);
  });

  it('a replay naming a letter that is not open is refused, with nothing started', async () => {
    await expect(
      hub.service.start({ ids: [letterOf(letters, events[9]!).id] }, { by: 'ana' }),
    ).rejects.toThrow(expect.objectContaining({ code: 'CD_E_DLQ_STATE_INVALID' }));
    await expect(hub.service.start({ ids: ['nope.dlq.router:0:1'] }, { by: 'ana' })).rejects.toThrow(
      expect.objectContaining({ code: 'CD_E_DLQ_NOT_FOUND' }),
    );
    expect(await hub.service.list(10)).toEqual([]);
  });

  it('the replay does, event by event, what the dry run said, at no more than its rate', async () => {
    const wmsBefore = hub.receivers.wms!.requests.length;
    const selector = { filter: { subscriber: 'erp' } };
    const predicted = await hub.service.dryRun(selector);
    expect(predicted).toHaveLength(11);
    const job = await hub.service.start(selector, { by: 'ana', ratePerSecond: 100 });
    jobId = job.id;
    // The configured rate is the most a job may send.
    expect(job).toMatchObject({ state: 'running', total: 11, ratePerSecond: RATE, createdBy: 'ana' });
    const done = await hub.job(jobId);
    expect(done).toMatchObject({ done: 11, sent: 10, skipped: 1, refused: 0 });
    // 10 sends at 5 per second; the bucket starts full (two batches of one at this rate): at least
    // (10 - 2) / 5 s.
    expect(done.updatedAt - done.createdAt).toBeGreaterThanOrEqual(
      (1000 * (10 - 2 * batchSize(RATE))) / RATE,
    );

    const counts = okCounts(hub.receivers.erp!, ok.erp);
    for (const p of predicted) {
      const eventId = p.eventId!;
      const letter = (await hub.store.get(p.id))!;
      if (p.outcome === 'deliver' && eventId !== poison) {
        expect([eventId, counts.get(eventId)]).toEqual([eventId, 1]);
        expect(letter).toMatchObject({ state: 'replayed', replays: [jobId] });
      } else if (p.outcome === 'skip') {
        expect([eventId, counts.get(eventId)]).toEqual([eventId, 1]);
        expect(letter.state).toBe('resolved');
        expect(letter.notes.at(-1)!.text).toContain('already delivered');
      }
    }
    // The poison event was sent (and refused again): replayed, and a new dead letter of the replay.
    expect((await hub.store.get(letterOf(letters, events[11]!).id))!.state).toBe('replayed');
    // wms got nothing more; erp's topic got exactly the 10 replays, with the replay headers.
    await eventually(
      async () => (await hub.store.ids({ subscriber: 'erp' }, 100)).length === 13,
      'the poison event’s second dead letter',
    );
    expect(hub.receivers.wms!.requests.length).toBe(wmsBefore);
    const ofJob = (list: KafkaMessage[]) => list.filter((m) => header(m, REPLAY_HEADERS.id) === jobId);
    const onTopic = await readTopic(
      hub.kafka,
      hub.t.deliver('erp'),
      (list) => ofJob(list).length >= 10,
      'the 10 replays on the deliver topic',
    );
    const replays = ofJob(onTopic);
    expect(replays).toHaveLength(10);
    for (const m of replays) {
      const letter = letters.find((l) => l.eventId === header(m, 'ce_id'))!;
      expect(header(m, REPLAY_HEADERS.of)).toBe(letter.id);
      expect(header(m, REPLAY_HEADERS.count)).toBe('1');
      expect(header(m, 'cd-error-code')).toBeUndefined();
    }
  });

  it('loop guard: the event replayed maxReplays times is refused, in the dry run and by a job', async () => {
    const all = await hub.letters({ subscriber: 'erp' }, 13);
    const again = all.find((l) => l.eventId === poison && l.replayCount === 1)!;
    expect(again).toMatchObject({ replayOf: letterOf(letters, events[11]!).id, state: 'new' });
    expect(await hub.service.dryRun({ ids: [again.id] })).toEqual([
      expect.objectContaining({ outcome: 'refused', code: 'CD_E_DLQ_REPLAY_LOOP' }),
    ]);
    const erpBefore = hub.receivers.erp!.requests.length;
    const job = await hub.service.start({ ids: [again.id] }, { by: 'ana' });
    expect(await hub.job(job.id)).toMatchObject({ total: 1, sent: 0, refused: 1 });
    const letter = (await hub.store.get(again.id))!;
    expect(letter.state).toBe('new');
    expect(letter.notes.at(-1)!.text).toContain('CD_E_DLQ_REPLAY_LOOP');
    expect(hub.receivers.erp!.requests.length).toBe(erpBefore);
  });
});
