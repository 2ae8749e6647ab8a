import '../../helpers/integration-timeout';
import { HUB_SITE_ID } from '../../../core/hub-site';
import { loadCatalog, publishCatalog } from '../../../schemas';
import { eventually, testEndpoints } from '../../helpers/stack';
import type { Received } from '../delivery/helpers';
import { wireEvent, type WireEvent } from '../router/events';
import { okCounts, startReplayHub, type ReplayHub } from './replay-harness';

/**
 * A flow alert dead-lettered by the router is replayed like a site's event (docs/flows.md "Routing
 * flow alerts"): the hub follows a published catalog without FlowAlertRaised, so alerts on
 * `<prefix>.flow.alerts` are dead-lettered (site `crossdock`, original topic the alerts topic);
 * once the full catalog is published, the replay goes back through the router from that topic and
 * reaches the subscriber its route selects, once.
 */
jest.setTimeout(240_000);

let hub: ReplayHub;
const ok = new Set<number>();
const alerts: WireEvent[] = [];
const idOf = (w: WireEvent) => w.event.metadata.eventId as string;

beforeAll(async () => {
  hub = await startReplayHub({
    subscribers: [
      {
        id: 'ops',
        behave: (req: Received) => {
          ok.add(req.n);
          return { status: 200 };
        },
      },
    ],
    routes: [{ name: 'alerts', match: { eventTypes: ['FlowAlertRaised'] }, to: ['ops'] }],
    catalog: loadCatalog().entries.filter((e) => e.eventType !== 'FlowAlertRaised'),
  });
  await eventually(
    () => !hub.follower.current().some((e) => e.eventType === 'FlowAlertRaised'),
    'the test’s follower to hold the catalog without FlowAlertRaised',
  );
  for (let i = 0; i < 2; i++)
    alerts.push(
      await wireEvent(testEndpoints().registryUrl, {
        eventType: 'FlowAlertRaised',
        siteId: HUB_SITE_ID,
        patch: (e) => (e.alertId = `order-to-cash:${e.metadata.eventId}:1:STEP_LATE`),
      }),
    );
  await hub.produce(
    hub.t.flowAlerts,
    alerts.map((w) => ({ key: w.key, value: w.value, headers: w.headers })),
  );
});

afterAll(async () => {
  await hub?.stop();
});

it('dead-letters the alerts the catalog does not know, from the alerts topic, as the hub site', async () => {
  const letters = await hub.letters({ site: HUB_SITE_ID }, 2);
  expect(
    letters
      .map((l) => ({ kind: l.kind, topic: l.original.topic, site: l.site, eventId: l.eventId }))
      .sort((a, b) => String(a.eventId).localeCompare(String(b.eventId))),
  ).toEqual(
    alerts
      .map(idOf)
      .sort()
      .map((eventId) => ({ kind: 'router', topic: hub.t.flowAlerts, site: HUB_SITE_ID, eventId })),
  );
  expect(hub.receivers.ops!.requests).toEqual([]);
});

it('once the catalog holds FlowAlertRaised, the replay routes each alert from its topic to ops once', async () => {
  await publishCatalog({
    kafka: hub.kafka,
    topic: hub.t.catalog,
    entries: loadCatalog().entries,
    replicationFactor: hub.config.hub.topics.replicationFactor,
  });
  await eventually(
    () => hub.follower.current().some((e) => e.eventType === 'FlowAlertRaised'),
    'the full catalog followed',
  );
  const dry = await hub.service.dryRun({ filter: { site: HUB_SITE_ID } });
  expect(dry.map((p) => p.outcome)).toEqual(['route', 'route']);
  for (const p of dry) expect(p).toMatchObject({ subscribers: ['ops'], routes: { ops: 'alerts' } });

  const job = await hub.service.start({ filter: { site: HUB_SITE_ID } }, { by: 'ana' });
  expect(await hub.job(job.id)).toMatchObject({ total: 2, sent: 2, refused: 0 });
  await eventually(
    () => alerts.every((w) => okCounts(hub.receivers.ops!, ok).get(idOf(w)) === 1),
    'ops to take the replayed alerts',
  );
  for (const w of alerts)
    expect([idOf(w), okCounts(hub.receivers.ops!, ok).get(idOf(w))]).toEqual([idOf(w), 1]);
  for (const p of dry)
    expect(await hub.store.get(p.id)).toMatchObject({ state: 'replayed', replays: [job.id] });
});
