import '../../helpers/integration-timeout';
import { readScorecards } from '../../../flows';
import { flowAlertId } from '../../../flows/engine';
import { caughtUp, eventually } from '../../helpers/stack';
import type { WireEvent } from '../router/events';
import { trackerHarness } from './tracker-harness';

/**
 * The "tracker killed and restarted: no flow forgotten, no alert raised twice", for real:
 * the flow tracker (flows/component.ts, as `crossdock start` builds it) runs in a child process
 * (test/helpers/flow-tracker-process.ts) and is killed with SIGKILL twice — once as soon as it has
 * claimed an alert (most often before the broker acknowledged it: the alert is then pending in
 * Redis), once while the instances' expiries fall due — while a stream of flow events goes
 * through the real router. Each kill is followed by more events and a new tracker process.
 *
 * Every instance's timeline is set by its events' occurredAt (deadlines are judged on it, due
 * times and expiries are occurredAt + the configured durations against the tracker's clock), so
 * which alerts each instance must raise does not depend on when the tracker reads it: complete
 * instances are due long after the test needs them, late ones carry a late occurredAt, and the
 * missing steps fall due, then expire, while the test runs. Durations are seconds (`within: 30s`).
 */
jest.setTimeout(300_000);

// A claimed alert left by a kill is looked for on the topic after 5 s rather than the engine's 60 s
// (what a restart check does does not depend on how long it waited; the test need not wait a minute).
const h = trackerHarness({ withinS: 30, expireS: 60, graceMs: 5000 });
const {
  config,
  names,
  redisPrefix,
  keys,
  sites,
  planned,
  pendingAtKill,
  instance,
  startTracker,
  killWhen,
  publish,
  trackerCaughtUp,
  alertIdsOnTopic,
  expectedAlertIds,
} = h;

describe('the flow tracker killed -9 and restarted', () => {
  it('forgets no flow, raises each alert once and counts each instance once', async () => {
    const started = Date.now();
    // 1. The first tracker, a first stream: alerts are due at once (late) and over the next seconds.
    await startTracker(1);
    let now = Date.now();
    const splits: Array<(at: number) => Promise<WireEvent[]>> = [];
    const batch1: WireEvent[] = [];
    for (const flow of ['o2c', 'held']) {
      for (let i = 0; i < 3; i++) batch1.push(...(await instance(flow, 'complete', now)).first);
      for (let i = 0; i < 2; i++) batch1.push(...(await instance(flow, 'late', now)).first);
      for (let i = 0; i < 3; i++) batch1.push(...(await instance(flow, 'missing', now, 3 + 3 * i)).first);
      for (let i = 0; i < 2; i++) {
        const x = await instance(flow, 'split', now);
        batch1.push(...x.first);
        splits.push(x.rest);
      }
    }
    await publish(batch1);
    // Kill 1: as soon as the tracker has claimed an alert (in Redis, before or while it publishes).
    await killWhen(
      async () => (await h.redis.hlen(keys.pendingAlerts)) > 0 || h.alerts.get(names.flowAlerts).length > 0,
      'the first tracker to claim an alert',
    );

    // 2. While no tracker runs: the split instances' next steps, new instances; a new tracker.
    now = Date.now();
    const batch2: WireEvent[] = [];
    for (const rest of splits.splice(0)) batch2.push(...(await rest(now)));
    for (const flow of ['o2c', 'held']) {
      batch2.push(...(await instance(flow, 'complete', now)).first);
      batch2.push(...(await instance(flow, 'late', now)).first);
      for (let i = 0; i < 2; i++) batch2.push(...(await instance(flow, 'missing', now, 8 + 4 * i)).first);
    }
    await publish(batch2);
    await startTracker(2);
    await eventually(trackerCaughtUp, 'the second tracker to catch up', 60_000);

    // Kill 2: while the first instances expire (a FLOW_INCOMPLETE claimed).
    const incomplete = new Set(
      planned
        .filter((p) => p.shape === 'missing')
        .map((p) => flowAlertId('FLOW_INCOMPLETE', p.flow, p.key, p.alerts[1]!.stepIndex)),
    );
    await killWhen(
      async () =>
        (await h.redis.hkeys(keys.pendingAlerts)).some((id) => incomplete.has(id)) ||
        alertIdsOnTopic().some((id) => incomplete.has(id)),
      'the second tracker to claim a FLOW_INCOMPLETE',
      90_000,
    );

    // 3. More events while none runs, then the last tracker: it catches up and every deadline passes.
    now = Date.now();
    const batch3: WireEvent[] = [];
    for (const flow of ['o2c', 'held']) {
      batch3.push(...(await instance(flow, 'complete', now)).first);
      batch3.push(...(await instance(flow, 'missing', now, 2)).first);
    }
    await publish(batch3);
    await startTracker(3);
    await eventually(trackerCaughtUp, 'the last tracker to catch up', 60_000);
    // Every instance completed or expired (its deadline gone) and every claimed alert published.
    await eventually(
      async () =>
        (await h.redis.zcard(keys.deadlines)) === 0 && (await h.redis.hlen(keys.pendingAlerts)) === 0,
      'every deadline to pass and every claimed alert to be published',
      150_000,
    );
    await caughtUp(h.admin, [names.flowAlerts], () => h.alerts.get(names.flowAlerts).length);

    // The alerts: each expected id exactly once on the topic, nothing else.
    const onTopic = alertIdsOnTopic();
    const counts = new Map<string, number>();
    for (const id of onTopic) counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts].filter(([, c]) => c > 1).map(([id]) => id);
    const want = expectedAlertIds();
    expect({
      twice,
      missing: want.filter((id) => !counts.has(id)),
      extra: [...counts.keys()].filter((id) => !want.includes(id)),
    }).toEqual({
      twice: [],
      missing: [],
      extra: [],
    });
    expect(onTopic).toHaveLength(want.length);

    // No flow forgotten: every instance with exactly its steps, complete or not, its h.alerts.
    for (const p of planned) {
      const got = await h.reader.getInstance(p.flow, p.key);
      expect({
        key: got.key,
        site: got.siteId,
        steps: got.steps.map((s) => s.eventId ?? ''),
        complete: got.complete,
        alerts: [...got.alerts].sort(),
      }).toEqual({
        key: p.key,
        site: p.siteId,
        steps: p.eventIds,
        complete: p.complete,
        alerts: p.alerts.map((a) => flowAlertId(a.kind, p.flow, p.key, a.stepIndex)).sort(),
      });
    }

    // The scorecards count each instance, completion and alert once, each accepted event once.
    const cards = await readScorecards({
      redis: h.redis,
      redisPrefix,
      config,
      since: started - 3_600_000,
      until: Date.now() + 3_600_000,
    });
    const published = [...batch1, ...batch2, ...batch3];
    for (const site of sites) {
      const card = cards.find((c) => c.siteId === site)!;
      const mine = planned.filter((p) => p.siteId === site);
      expect({ accepted: card.accepted, rejected: card.rejected, duplicates: card.duplicates }).toEqual({
        accepted: published.filter((w) => w.event.metadata.siteId === site).length,
        rejected: 0,
        duplicates: 0,
      });
      for (const flow of ['o2c', 'held']) {
        const of = mine.filter((p) => p.flow === flow);
        const f = card.flows.find((x) => x.flow === flow)!;
        expect({
          flow,
          site,
          started: f.started,
          completed: f.completed,
          completedOnTime: f.completedOnTime,
          incomplete: f.incomplete,
          alerts: f.alerts,
          // A fact handed again after a kill is a replay: neither a duplicate nor out of order.
          duplicates: f.duplicates,
          outOfOrder: f.outOfOrder,
        }).toEqual({
          flow,
          site,
          started: of.length,
          completed: of.filter((p) => p.complete).length,
          completedOnTime: of.filter((p) => p.complete && p.shape !== 'late').length,
          incomplete: of.filter((p) => !p.complete).length,
          alerts: of.reduce((n, p) => n + p.alerts.length, 0),
          duplicates: 0,
          outOfOrder: 0,
        });
      }
    }
    // What a kill left pending (claimed, perhaps not published: most runs catch some) was a due
    // alert, and it is on the topic once like the rest (checked above).
    expect(pendingAtKill).toHaveLength(2);
    expect(pendingAtKill.flat().filter((id) => !want.includes(id))).toEqual([]);
  });
});
