import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfigText } from '../../../hub';
import { seededRandom } from '../../../core/random';
import {
  createBusiness,
  type BusinessEvent,
  type DeadlineOf,
  type DemoSiteSpec,
} from '../../../demo/business';
import { demoConfigText } from '../../../demo/config';
import { deadlinesOf, flowLines, worstSite } from '../../../demo/flows';
import { snapshotOf } from '../../../demo/metrics';
import { CSV_BAD_KINDS } from '../../../demo/sites/csv';
import { FOLLOW_UP_TYPES } from '../../../demo/sites/follow-ups';
import { HTTP_BAD_KINDS } from '../../../demo/sites/http';
import { SDK_BAD_KINDS, SDK_TYPES } from '../../../demo/sites/sdk';
import { buildFlowsSummary, renderFlows } from '../../../demo/summary';
import { flowsLine } from '../../../demo/view';
import { durationMs, scaleDuration, scaledMs, scaleFlowsSection } from '../../../demo/timescale';
import type { FlowDefinition, FlowFigures, SiteScorecard } from '../../../flows';

const H = 3_600_000;

describe("the demo's clock", () => {
  it('reads the configuration durations', () => {
    expect(durationMs('90s')).toBe(90_000);
    expect(durationMs('30m')).toBe(30 * 60_000);
    expect(durationMs('48h')).toBe(48 * H);
    expect(durationMs('14d')).toBe(14 * 24 * H);
    expect(durationMs('48 hours')).toBeUndefined();
  });

  it('passes one day of business in 4 s, in whole seconds rounded up, at least 1 s', () => {
    expect(scaledMs(24 * H)).toBe(4000);
    expect(scaledMs(48 * H)).toBe(8000);
    expect(scaledMs(72 * H)).toBe(12_000);
    expect(scaledMs(14 * 24 * H)).toBe(56_000);
    expect(scaledMs(36 * H)).toBe(6000);
    expect(scaledMs(5 * H)).toBe(1000); // 0.83 s → 1 s
    expect(scaledMs(30 * 60_000)).toBe(1000);
    expect(scaleDuration('48h')).toBe('8s');
    expect(scaleDuration('7d')).toBe('28s');
    expect(scaleDuration(42)).toBe(42);
    expect(scaleDuration('soon')).toBe('soon');
  });

  it("scales every flow duration of the run's configuration, and the default expiry", () => {
    const flows = [
      {
        name: 'order-to-cash',
        expireAfter: '14d',
        steps: [
          { eventType: 'OrderReleased' },
          { eventType: 'ShipmentConfirmed', within: '48h', withinBySiteGroup: { mexico: '72h' } },
          { eventType: 'InvoiceGenerated', within: '24h' },
        ],
      },
      {
        name: 'held-orders',
        steps: [{ eventType: 'OrderHoldPlaced' }, { eventType: 'OrderHoldReleased', within: '2d' }],
      },
    ];
    scaleFlowsSection(flows);
    expect(flows).toEqual([
      {
        name: 'order-to-cash',
        expireAfter: '56s',
        steps: [
          { eventType: 'OrderReleased' },
          { eventType: 'ShipmentConfirmed', within: '8s', withinBySiteGroup: { mexico: '12s' } },
          { eventType: 'InvoiceGenerated', within: '4s' },
        ],
      },
      {
        name: 'held-orders',
        expireAfter: '56s',
        steps: [{ eventType: 'OrderHoldPlaced' }, { eventType: 'OrderHoldReleased', within: '8s' }],
      },
    ]);
  });

  it('writes the scaled flows into the run configuration and nothing else of them', () => {
    const source = YAML.stringify({
      hub: { topicPrefix: 'cd' },
      flows: [
        {
          name: 'transfers',
          steps: [
            { eventType: 'InventoryTransferApproved' },
            { eventType: 'IntercompanyTransferPosted', within: '72h' },
          ],
        },
      ],
    });
    const doc = YAML.parse(
      demoConfigText(source, { prefix: 'demo-1', urls: new Map(), dropFolder: (id) => `/tmp/${id}` }),
    ) as { flows: unknown };
    expect(doc.flows).toEqual([
      {
        name: 'transfers',
        expireAfter: '56s',
        steps: [
          { eventType: 'InventoryTransferApproved' },
          { eventType: 'IntercompanyTransferPosted', within: '12s' },
        ],
      },
    ]);
  });
});

/** A compiled flow (flows/contract.ts) as the configuration would give it. */
function flow(
  name: string,
  types: string[],
  within: number[],
  bySiteGroup: Record<string, number> = {},
): FlowDefinition {
  return {
    name,
    expireAfterMs: 56_000,
    steps: types.map((eventType, index) => ({
      index,
      eventType,
      key: { kind: 'correlationId' as const },
      withinMs: index === 0 ? 0 : within[index - 1]!,
      withinBySiteGroup: index === 1 ? bySiteGroup : {},
      where: [],
    })),
  };
}

const FLOWS = [
  flow('order-to-cash', ['OrderReleased', 'ShipmentConfirmed', 'InvoiceGenerated'], [8000, 4000], {
    mexico: 12_000,
  }),
  flow('held-orders', ['OrderHoldPlaced', 'OrderHoldReleased'], [4000]),
  flow('transfers', ['InventoryTransferApproved', 'IntercompanyTransferPosted'], [12_000]),
  flow('returns', ['ReturnAuthorized', 'InvoiceGenerated'], [28_000]),
];
const GROUPS: Record<string, string[]> = {
  'mx-mty': ['mexico'],
  'us-atl': ['us-east'],
  'ca-tor': ['canada'],
};
const DEADLINES: DeadlineOf = deadlinesOf(FLOWS, (s) => GROUPS[s] ?? []);

describe("the demo run's flows of examples/hub.yaml", () => {
  it('compile with every duration on the demo clock (config check passes them)', () => {
    const example = fs.readFileSync(path.resolve(__dirname, '../../../examples/hub.yaml'), 'utf8');
    const config = loadConfigText(
      demoConfigText(example, { prefix: 'demo-abc123', urls: new Map(), dropFolder: (id) => `/tmp/${id}` }),
    );
    const source = loadConfigText(example.replace(/^\$schema:.*$/m, ''));
    expect(config.flows.map((f) => f.name)).toEqual(source.flows.map((f) => f.name));
    for (const f of config.flows) {
      const from = source.flows.find((x) => x.name === f.name)!;
      expect(f.expireAfterMs).toBe(scaledMs(from.expireAfterMs));
      f.steps.forEach((s, i) => {
        const was = from.steps[i]!;
        expect(s.eventType).toBe(was.eventType);
        expect(s.where).toEqual(was.where);
        if (i > 0) expect(s.withinMs).toBe(scaledMs(was.withinMs));
        for (const [g, ms] of Object.entries(was.withinBySiteGroup))
          expect(s.withinBySiteGroup[g]).toBe(scaledMs(ms));
      });
    }
    const o2c = config.flows.find((f) => f.name === 'order-to-cash')!;
    expect(o2c.steps[1]!.withinMs).toBe(8000); // 48h
    expect(o2c.expireAfterMs).toBe(56_000); // 14d
  });
});

describe("the demo's flow deadlines", () => {
  it('links consecutive steps of a configured flow, by site group', () => {
    expect(DEADLINES('OrderReleased', 'ShipmentConfirmed', 'us-atl')).toBe(8000);
    expect(DEADLINES('OrderReleased', 'ShipmentConfirmed', 'mx-mty')).toBe(12_000);
    expect(DEADLINES('ShipmentConfirmed', 'InvoiceGenerated', 'us-atl')).toBe(4000);
    expect(DEADLINES('ReturnAuthorized', 'InvoiceGenerated', 'us-atl')).toBe(28_000);
    expect(DEADLINES('OrderReleased', 'InvoiceGenerated', 'us-atl')).toBeUndefined();
    expect(DEADLINES('OrderReleased', 'OrderExceptionRaised', 'us-atl')).toBeUndefined();
  });
});

const SITES: DemoSiteSpec[] = [
  { siteId: 'us-atl', types: SDK_TYPES, badKinds: SDK_BAD_KINDS, resends: true },
  { siteId: 'ca-tor', types: SDK_TYPES, badKinds: SDK_BAD_KINDS, resends: true },
  {
    siteId: 'mx-mty',
    types: ['OrderReleased', ...FOLLOW_UP_TYPES],
    badKinds: HTTP_BAD_KINDS,
    timeResolutionMs: 60_000,
  },
  { siteId: 'us-dal', types: ['OrderReleased', ...FOLLOW_UP_TYPES], badKinds: CSV_BAD_KINDS },
];

/** The business for `n` events 50 ms apart, then long enough with nothing new for due steps to come. */
function play(seed: number, n: number) {
  const b = createBusiness({ sites: SITES, random: seededRandom(seed), deadlineMs: DEADLINES });
  const t0 = Date.parse('2026-12-05T12:00:00Z');
  const events = Array.from({ length: n }, (_, i) => b.next(new Date(t0 + i * 50)));
  return { b, events };
}

type Judged = { flow: string; started: boolean; complete: boolean; late: boolean };

/**
 * The flows as the tracker would judge the events (the instance key: the orderId / transferId the
 * steps carry; a step late when it occurred after the previous step of its flow plus its deadline).
 */
function judge(events: BusinessEvent[]): Judged[] {
  // What the hub accepts: not refused, not dead-lettered (an old item number is accepted: its
  // delivery to the central ERP fails), not a resend (the router drops it).
  const good = events.filter((e) => (!e.bad || e.bad === 'unknown-sku') && !e.resend);
  const out: Judged[] = [];
  const byKey = new Map<string, BusinessEvent[]>();
  for (const e of good) {
    const body = e.body as { orderId?: string; transferId?: string };
    const key = `${e.siteId}|${body.orderId ?? body.transferId ?? e.eventId}`;
    byKey.set(key, [...(byKey.get(key) ?? []), e]);
  }
  for (const steps of byKey.values())
    for (const f of FLOWS) {
      const of = (i: number) =>
        steps.find(
          (e) =>
            e.type === f.steps[i]!.eventType &&
            (f.name !== 'returns' ||
              e.type !== 'InvoiceGenerated' ||
              Number((e.body as { totalAmount: string }).totalAmount) < 0) &&
            (f.name !== 'order-to-cash' ||
              e.type !== 'InvoiceGenerated' ||
              Number((e.body as { totalAmount: string }).totalAmount) >= 0),
        );
      const first = of(0);
      if (!first) continue;
      if (f.name === 'transfers' && !(first.body as { intercompany: boolean }).intercompany) continue;
      const present = f.steps.map((_, i) => of(i));
      let late = false;
      for (let i = 1; i < present.length; i++) {
        const a = present[i - 1];
        const b = present[i];
        if (
          a &&
          b &&
          b.occurredAt.getTime() > a.occurredAt.getTime() + DEADLINES(a.type, b.type, first.siteId)!
        )
          late = true;
      }
      out.push({ flow: f.name, started: true, complete: present.every(Boolean), late });
    }
  return out;
}

describe("the demo business's flows", () => {
  it('completes most flow instances in time, some late, some never, as it decided (seeded)', () => {
    const { b, events } = play(11, 6000);
    const decided = b.decided();
    const judged = judge(events);
    for (const name of ['order-to-cash', 'held-orders', 'returns', 'transfers'] as const) {
      const d = decided[name];
      const j = judged.filter((x) => x.flow === name);
      expect({ name, started: j.length }).toEqual({ name, started: d.started });
      expect({ name, onTime: j.filter((x) => x.complete && !x.late).length }).toEqual({
        name,
        onTime: d.onTime,
      });
      expect({ name, late: j.filter((x) => x.complete && x.late).length }).toEqual({ name, late: d.late });
      // Instances still running at the end are neither complete nor decided incomplete yet.
      expect(j.filter((x) => !x.complete).length).toBeGreaterThanOrEqual(d.incomplete);
      expect(d.onTime + d.late + d.incomplete).toBeLessThanOrEqual(d.started);
    }
    const o2c = decided['order-to-cash'];
    expect(o2c.started).toBeGreaterThan(200);
    for (const n of [o2c.late, o2c.incomplete]) {
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThan(o2c.started / 2);
    }
    expect(o2c.onTime).toBeGreaterThan(o2c.started / 2);
    expect(decided['held-orders'].late + decided['held-orders'].incomplete).toBeGreaterThan(0);
    expect(decided.transfers.started).toBeGreaterThan(0);
    expect(decided.returns.started).toBeGreaterThan(0);
    expect(play(11, 6000).b.decided()).toEqual(decided);
  });

  it('sends a late step after its deadline, and every step at (not before) the time it happens', () => {
    const t0 = Date.parse('2026-12-05T12:00:00Z');
    const b = createBusiness({ sites: SITES, random: seededRandom(3), deadlineMs: DEADLINES });
    let late = 0;
    const released = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const now = t0 + i * 50;
      const e = b.next(new Date(now));
      if (e.resend) continue;
      expect(e.occurredAt.getTime()).toBeLessThanOrEqual(now);
      const orderId = (e.body as { orderId?: string }).orderId;
      if (e.type === 'OrderReleased' && orderId)
        released.set(`${e.siteId}|${orderId}`, e.occurredAt.getTime());
      if (e.type === 'ShipmentConfirmed' && orderId) {
        const r = released.get(`${e.siteId}|${orderId}`)!;
        const due = r + DEADLINES('OrderReleased', 'ShipmentConfirmed', e.siteId)!;
        if (e.occurredAt.getTime() > due) {
          late++;
          expect(now).toBeGreaterThan(due);
        }
      }
    }
    expect(late).toBeGreaterThan(0);
  });

  it('ends a return with a credit note: an InvoiceGenerated of the order with a negative total', () => {
    const { events } = play(5, 6000);
    const returns = events.filter((e) => e.type === 'ReturnAuthorized' && !e.bad);
    expect(returns.length).toBeGreaterThan(0);
    const credits = events.filter(
      (e) => e.type === 'InvoiceGenerated' && Number((e.body as { totalAmount: string }).totalAmount) < 0,
    );
    expect(credits.length).toBeGreaterThan(0);
    for (const c of credits) {
      const body = c.body as { orderId: string; totalAmount: string; lines: Array<{ lineAmount: string }> };
      const rma = returns.find(
        (r) => (r.body as { orderId: string }).orderId === body.orderId && r.siteId === c.siteId,
      );
      expect(rma).toBeDefined();
      expect(c.correlationId).toBe(rma!.correlationId);
      const credit = (rma!.body as { lines: Array<{ creditAmount: string }> }).lines[0]!.creditAmount;
      expect(body.lines[0]!.lineAmount).toBe((-Number(credit)).toFixed(2));
    }
  });

  it("records a release's time as its site's system does (minutes where it has no seconds)", () => {
    const { events } = play(7, 2000);
    for (const e of events.filter((x) => x.type === 'OrderReleased' && x.siteId === 'mx-mty'))
      expect(e.occurredAt.getTime() % 60_000).toBe(0);
    for (const e of events.filter((x) => x.type === 'OrderReleased' && x.siteId === 'us-atl'))
      expect(e.occurredAt.getTime() % 1000).toBe(0);
  });
});

function figures(flow: string, f: Partial<FlowFigures>): FlowFigures {
  return {
    flow,
    started: 0,
    completed: 0,
    completedOnTime: 0,
    incomplete: 0,
    completionRate: null,
    outOfOrder: 0,
    duplicates: 0,
    alerts: 0,
    steps: [],
    ...f,
  };
}

function card(siteId: string, conformance: number, c: Partial<SiteScorecard>): SiteScorecard {
  return {
    siteId,
    from: 0,
    to: 3_600_000,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    rejectedBy: [],
    deprecated: 0,
    deprecatedShare: null,
    versions: [],
    flows: [],
    mappingVariant: 'sdk',
    lastEventAt: null,
    conformance,
    ...c,
  };
}

const CARDS: SiteScorecard[] = [
  card('us-atl', 0.95, {
    accepted: 100,
    rejected: 2,
    rejectedBy: [{ code: 'CD_E_RULE_VIOLATION', rule: 'known-currency', count: 2 }],
    flows: [
      figures('order-to-cash', { started: 30, completed: 25, completedOnTime: 23, incomplete: 2, alerts: 3 }),
      figures('transfers', { started: 4, completed: 4, completedOnTime: 4 }),
    ],
  }),
  card('ca-yvr', 0.61, {
    accepted: 60,
    rejected: 9,
    rejectedBy: [
      { code: 'CD_E_INPUT_BAD_DATE', count: 3 },
      { code: 'CD_E_RULE_VIOLATION', rule: 'known-currency', count: 6 },
    ],
    deprecated: 6,
    deprecatedShare: 0.1,
    flows: [
      figures('order-to-cash', { started: 20, completed: 14, completedOnTime: 9, incomplete: 4, alerts: 9 }),
    ],
  }),
  card('us-chi', 0.8, {
    accepted: 50,
    flows: [
      figures('held-orders', { started: 5, completed: 4, completedOnTime: 3, incomplete: 0, alerts: 1 }),
    ],
  }),
];

describe("the summary's flows", () => {
  it('sums each flow over the sites: started, on time, late, open, incomplete, completion', () => {
    const lines = flowLines(CARDS, ['order-to-cash', 'held-orders', 'returns', 'transfers'], {
      'order-to-cash': 2,
    });
    expect(lines['order-to-cash']).toEqual({
      started: 50,
      completedOnTime: 32,
      completedLate: 7,
      open: 50 - 39 - 6,
      overdue: 2,
      incomplete: 6,
      completionRate: 39 / 45,
      alerts: 12,
      outOfOrder: 0,
      duplicates: 0,
    });
    expect(lines['held-orders']).toMatchObject({
      started: 5,
      completedOnTime: 3,
      completedLate: 1,
      open: 1,
      overdue: null,
    });
    expect(lines.returns).toMatchObject({ started: 0, completionRate: null, open: 0 });
    expect(lines.transfers).toMatchObject({ started: 4, completedOnTime: 4, completionRate: 1 });
  });

  it('names the worst site by conformance, with its biggest rejection, deprecated share and flow completion', () => {
    expect(worstSite(CARDS)).toEqual({
      siteId: 'ca-yvr',
      conformance: 0.61,
      accepted: 60,
      rejected: 9,
      topRejection: { code: 'CD_E_RULE_VIOLATION', rule: 'known-currency', count: 6 },
      deprecatedShare: 0.1,
      flowCompletion: 14 / 18,
      onTimeRate: 9 / 18,
    });
    expect(worstSite([])).toBeNull();
  });

  it('puts flows, alerts by kind and the worst site in the summary and its text', () => {
    const metrics = snapshotOf(
      [
        {
          name: 'crossdock_flow_alerts_total',
          values: [
            { value: 7, labels: { flow: 'order-to-cash', step: 'ShipmentConfirmed', kind: 'STEP_LATE' } },
            { value: 2, labels: { flow: 'order-to-cash', step: 'InvoiceGenerated', kind: 'STEP_LATE' } },
            {
              value: 4,
              labels: { flow: 'order-to-cash', step: 'ShipmentConfirmed', kind: 'FLOW_INCOMPLETE' },
            },
          ],
        },
        { name: 'crossdock_flow_tracker_lag_records', values: [{ value: 0, labels: {} }] },
      ],
      1,
    );
    const s = buildFlowsSummary(
      {
        timeScale: '1 day of business = 4 s',
        flowNames: ['order-to-cash', 'held-orders'],
        scorecards: CARDS,
        alertsOnTopic: 13,
        planned: { 'order-to-cash': { started: 52, onTime: 40, late: 6, incomplete: 5 } },
      },
      metrics,
    );
    expect(s.alerts).toEqual({ onTopic: 13, byKind: { STEP_LATE: 9, FLOW_INCOMPLETE: 4 } });
    expect(s.trackerLag).toBe(0);
    expect(s.conformance.map((c) => c.siteId)).toEqual(['ca-yvr', 'us-chi', 'us-atl']);
    expect(s.worstSite?.siteId).toBe('ca-yvr');
    const text = renderFlows(s).join('\n');
    expect(text).toContain('1 day of business = 4 s');
    expect(text).toMatch(/order-to-cash\s+50\s+32\s+7\s+5\s+-?\d*\s+6\s+86\.7%/);
    expect(text).toContain('13 on the flow.alerts topic (STEP_LATE 9, FLOW_INCOMPLETE 4)');
    expect(text).toContain('ca-yvr: conformance 0.610');
    expect(text).toContain('CD_E_RULE_VIOLATION rule known-currency ×6');

    const none = buildFlowsSummary(
      {
        timeScale: 'x',
        flowNames: [],
        scorecards: { unavailable: 'no reader' },
        alertsOnTopic: null,
        planned: {},
      },
      snapshotOf([], 1),
    );
    expect(none.worstSite).toBeNull();
    expect(renderFlows(none).join('\n')).toContain('no scorecards: no reader');
  });
});

describe("the live view's flows", () => {
  it('shows the tracker: started, completed, open and overdue, alerts by kind, its lag', () => {
    const m = snapshotOf(
      [
        {
          name: 'crossdock_flow_instances_started_total',
          values: [
            { value: 10, labels: { flow: 'order-to-cash', site: 'us-atl' } },
            { value: 3, labels: { flow: 'held-orders', site: 'us-chi' } },
          ],
        },
        {
          name: 'crossdock_flow_instances_completed_total',
          values: [{ value: 7, labels: { flow: 'order-to-cash', site: 'us-atl', on_time: 'true' } }],
        },
        { name: 'crossdock_flow_open_instances', values: [{ value: 6, labels: { flow: 'order-to-cash' } }] },
        {
          name: 'crossdock_flow_overdue_instances',
          values: [{ value: 2, labels: { flow: 'order-to-cash' } }],
        },
        {
          name: 'crossdock_flow_alerts_total',
          values: [
            { value: 2, labels: { flow: 'order-to-cash', step: 'ShipmentConfirmed', kind: 'STEP_LATE' } },
          ],
        },
        { name: 'crossdock_flow_tracker_lag_records', values: [{ value: 4, labels: {} }] },
      ],
      1,
    );
    expect(flowsLine(m)).toBe(
      'flows: started 13, completed 7, open 6 (overdue 2), alerts STEP_LATE 2, tracker lag 4',
    );
    expect(flowsLine(snapshotOf([], 1))).toContain('tracker lag -');
  });
});
