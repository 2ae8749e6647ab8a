import '../../helpers/integration-timeout';
import type { Producer } from 'kafkajs';
import { HUB_SITE_ID } from '../../../core/hub-site';
import { topics } from '../../../core/names/topics';
import { createTopics, eventually, testEndpoints, testKafka } from '../../helpers/stack';
import { wireEvent, type SampleOptions, type WireEvent } from './events';
import {
  Collector,
  allTopics,
  idsOf,
  produce,
  settle,
  startRouter,
  testConfig,
  type Received,
  type RunningRouter,
} from './harness';

/**
 * Flow alerts are canonical events the router routes (docs/flows.md "Routing flow alerts"): a
 * FlowAlertRaised on `<prefix>.flow.alerts` is read by the router as the hub's own site
 * `crossdock`, validated like every event (schema, metadata, key, data rules) and routed by type
 * and payload fields; one claiming another site there, or the hub site on an ingress topic, is
 * dead-lettered. Real broker, registry and Redis; the router as the hub runs it.
 */
const config = testConfig({
  subscribers: ['ops', 'fin', 'orders'],
  routes: [
    {
      name: 'order-flow-alerts',
      match: { eventTypes: ['FlowAlertRaised'], fields: [{ field: 'flow', equals: 'order-to-cash' }] },
      to: ['ops'],
    },
    {
      name: 'incomplete-at-dallas',
      match: {
        eventTypes: ['FlowAlertRaised'],
        fields: [
          { field: 'kind', equals: 'FLOW_INCOMPLETE' },
          { field: 'siteId', equals: 'us-dal' },
        ],
      },
      to: ['fin'],
    },
    { name: 'orders', match: { eventTypes: ['OrderReleased'] }, to: ['orders'] },
  ],
  rules: {
    FlowAlertRaised: [
      {
        name: 'known-flow',
        schema: { properties: { flow: { enum: ['order-to-cash', 'transfers', 'returns'] } } },
      },
    ],
  },
  router: { sendUnrouted: true },
});
const t = allTopics(config);
const alertsTopic = topics(config).flowAlerts;
const hubIngress = t.ingress(HUB_SITE_ID);
const kafka = testKafka();
const registryUrl = testEndpoints().registryUrl;
let producer: Producer;
let running: RunningRouter;
let collector: Collector;

interface AlertFields {
  flow: string;
  kind: 'STEP_LATE' | 'FLOW_INCOMPLETE';
  siteId: string;
}

/** A FlowAlertRaised as the tracker writes it (metadata.siteId `crossdock` unless patched). */
function alert(a: AlertFields, more: Partial<SampleOptions> = {}): Promise<WireEvent> {
  return wireEvent(registryUrl, {
    eventType: 'FlowAlertRaised',
    siteId: HUB_SITE_ID,
    ...more,
    patch: (e) => {
      e.alertId = `${a.flow}:${e.metadata.eventId}:1:${a.kind}`;
      e.kind = a.kind;
      e.flow = a.flow;
      e.siteId = a.siteId;
      e.instanceKey = `ORD-${e.metadata.eventId.slice(0, 8)}`;
      e.step = 'ShipmentConfirmed';
      e.stepIndex = 1;
      e.dueAt = new Date(Date.now() - 120_000);
      e.raisedAt = new Date(Date.now() - 1000);
      e.observed = 'MISSING';
      e.stepEventIds = [e.metadata.eventId, ''];
      more.patch?.(e);
    },
  });
}

const send = (topic: string, w: WireEvent) =>
  produce(producer, topic, [{ key: w.key, value: w.value, headers: w.headers }]);
const id = (w: WireEvent) => w.event.metadata.eventId as string;
const deadLetterOf = (w: WireEvent): Received | undefined =>
  collector.get(t.dlq).find((r) => r.key === w.key);

beforeAll(async () => {
  producer = kafka.producer();
  await producer.connect();
  // A hand-made ingress topic for the reserved site, there before the router subscribes.
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopics(admin, [hubIngress]);
  } finally {
    await admin.disconnect();
  }
  running = await startRouter(config);
  collector = new Collector(kafka, [...['ops', 'fin', 'orders'].map(t.deliver), t.unrouted, t.dlq]);
  await collector.start();
});

afterAll(async () => {
  await collector?.stop();
  await running?.stop();
  await producer?.disconnect();
});

it('the router created the flow alerts topic with the hub partitions', async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [alertsTopic] });
    expect(meta.topics[0]!.partitions).toHaveLength(config.hub.topics.partitions);
  } finally {
    await admin.disconnect();
  }
});

it('routes flow alerts by type and payload fields, validates them like every event, and keeps the hub site off ingress topics', async () => {
  const ev = {
    // Routed: by flow to ops only; by kind and the alert's site to fin only; unrouted.
    orderLate: await alert({ flow: 'order-to-cash', kind: 'STEP_LATE', siteId: 'us-chi' }),
    dalIncomplete: await alert({ flow: 'transfers', kind: 'FLOW_INCOMPLETE', siteId: 'us-dal' }),
    chiIncomplete: await alert({ flow: 'transfers', kind: 'FLOW_INCOMPLETE', siteId: 'us-chi' }),
    // Dead-lettered from the alerts topic: another site's metadata, a data rule, a wrong key.
    foreignSite: await alert(
      { flow: 'order-to-cash', kind: 'STEP_LATE', siteId: 'us-chi' },
      { siteId: 'us-chi' },
    ),
    unknownFlow: await alert({ flow: 'no-such-flow', kind: 'STEP_LATE', siteId: 'us-chi' }),
    wrongKey: await alert({ flow: 'order-to-cash', kind: 'STEP_LATE', siteId: 'us-chi' }),
    // The hub site on ingress topics: a site's own topic, and a hand-made `<prefix>.ingress.crossdock`.
    hubOnSiteTopic: await wireEvent(registryUrl, { eventType: 'OrderReleased', siteId: HUB_SITE_ID }),
    alertOnSiteTopic: await alert({ flow: 'order-to-cash', kind: 'STEP_LATE', siteId: 'us-chi' }),
    alertOnHubIngress: await alert({ flow: 'order-to-cash', kind: 'STEP_LATE', siteId: 'us-chi' }),
    // An ordinary site event still routes.
    order: await wireEvent(registryUrl, { eventType: 'OrderReleased', siteId: 'us-chi' }),
  };
  for (const w of [ev.orderLate, ev.dalIncomplete, ev.chiIncomplete, ev.foreignSite, ev.unknownFlow])
    await send(alertsTopic, w);
  await produce(producer, alertsTopic, [
    { key: 'not-the-alert-id', value: ev.wrongKey.value, headers: ev.wrongKey.headers },
  ]);
  ev.wrongKey.key = 'not-the-alert-id';
  await send(t.ingress('us-chi'), ev.hubOnSiteTopic);
  await send(t.ingress('us-chi'), ev.alertOnSiteTopic);
  await send(hubIngress, ev.alertOnHubIngress);
  await send(t.ingress('us-chi'), ev.order);

  const dead = [
    ev.foreignSite,
    ev.unknownFlow,
    ev.wrongKey,
    ev.hubOnSiteTopic,
    ev.alertOnSiteTopic,
    ev.alertOnHubIngress,
  ];
  await eventually(
    () =>
      collector.get(t.dlq).length >= dead.length &&
      collector.get(t.deliver('ops')).length >= 1 &&
      collector.get(t.deliver('fin')).length >= 1 &&
      collector.get(t.deliver('orders')).length >= 1 &&
      collector.get(t.unrouted).length >= 1,
    'alerts routed, unrouted and dead-lettered',
    60000,
  );
  await settle();

  expect(idsOf(collector.get(t.deliver('ops')))).toEqual([id(ev.orderLate)]);
  expect(idsOf(collector.get(t.deliver('fin')))).toEqual([id(ev.dalIncomplete)]);
  expect(idsOf(collector.get(t.unrouted))).toEqual([id(ev.chiIncomplete)]);
  expect(idsOf(collector.get(t.deliver('orders')))).toEqual([id(ev.order)]);

  // A routed alert: its bytes and business key untouched, the route named, stamped as the hub's.
  const copy = collector.get(t.deliver('ops'))[0]!;
  expect(copy.value!.equals(ev.orderLate.value)).toBe(true);
  expect(copy.key).toBe(ev.orderLate.event.alertId);
  expect(copy.headers).toMatchObject({
    'cd-route': 'order-flow-alerts',
    ce_type: 'com.crossdock.process.FlowAlertRaised',
  });

  // Each dead letter with its code and stage, from where it was read.
  const codes = Object.fromEntries(
    Object.entries({
      foreignSite: [ev.foreignSite, alertsTopic],
      unknownFlow: [ev.unknownFlow, alertsTopic],
      wrongKey: [ev.wrongKey, alertsTopic],
      hubOnSiteTopic: [ev.hubOnSiteTopic, t.ingress('us-chi')],
      alertOnSiteTopic: [ev.alertOnSiteTopic, t.ingress('us-chi')],
      alertOnHubIngress: [ev.alertOnHubIngress, hubIngress],
    } as Record<string, [WireEvent, string]>).map(([name, [w, topic]]) => {
      const d = deadLetterOf(w);
      return [
        name,
        {
          code: d?.headers['cd-error-code'],
          stage: d?.headers['cd-error-stage'],
          from: d?.headers['cd-original-topic'] === topic,
        },
      ];
    }),
  );
  expect(codes).toEqual({
    foreignSite: { code: 'CD_E_SITE_MISMATCH', stage: 'router.metadata', from: true },
    unknownFlow: { code: 'CD_E_RULE_VIOLATION', stage: 'router.rules', from: true },
    wrongKey: { code: 'CD_E_KEY_MISMATCH', stage: 'router.key', from: true },
    hubOnSiteTopic: { code: 'CD_E_SITE_MISMATCH', stage: 'router.metadata', from: true },
    alertOnSiteTopic: { code: 'CD_E_SITE_MISMATCH', stage: 'router.metadata', from: true },
    alertOnHubIngress: { code: 'CD_E_UNKNOWN_SITE', stage: 'router.site', from: true },
  });
  expect(collector.get(t.dlq)).toHaveLength(dead.length);
  expect(deadLetterOf(ev.foreignSite)!.headers['cd-error-message']).toContain(
    `${alertsTopic}, which holds the hub's own events only (metadata.siteId must be crossdock)`,
  );
  expect(deadLetterOf(ev.alertOnHubIngress)!.headers['cd-error-message']).toContain(
    `site crossdock is the hub's own (its events arrive on ${alertsTopic} only)`,
  );

  // Counted like any site's events, under the hub site.
  const unrouted = await running.health.metrics.getSingleMetricAsString('crossdock_router_unrouted_total');
  expect(unrouted).toMatch(/crossdock_router_unrouted_total\{site="crossdock",type="FlowAlertRaised"\} 1/);
});
