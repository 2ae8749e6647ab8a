import path from 'node:path';
import { stringify } from 'yaml';
import { checkConfigText, loadConfig, loadConfigText } from '../../../../hub';
import { compileFlows } from '../../../../flows';
import { isCrossdockError } from '../../../../core/errors';

/**
 * The `flows:` section as every load reads it (schema, the flows part's document checks, the
 * compiled HubConfig.flows). The catalog checks are in catalog-check.test.ts.
 */

const H = 3_600_000;
const D = 24 * H;

type Doc = Record<string, unknown>;
const base = (flows: unknown, sites?: unknown[]): Doc => ({
  sites: sites ?? [
    { id: 'us-chi', name: 'Chicago', country: 'US', groups: ['north'], connector: { kind: 'sdk' } },
    { id: 'mx-mty', name: 'Monterrey', country: 'MX', groups: ['mexico'], connector: { kind: 'sdk' } },
  ],
  subscribers: [{ id: 'analytics', sink: { kind: 'kafka' } }],
  routes: [{ name: 'all', match: {}, to: ['analytics'] }],
  flows,
});
const two = (extra: Doc = {}, second: Doc = { within: '48h' }) => ({
  name: 'o2c',
  steps: [{ eventType: 'OrderReleased' }, { eventType: 'ShipmentConfirmed', ...second }],
  ...extra,
});

/** path → message of every problem of a document. */
function problems(doc: Doc): Record<string, string> {
  const res = checkConfigText(stringify(doc), 'hub.yaml');
  expect(res.ok).toBe(false);
  for (const p of res.problems) expect(p.line).toBeGreaterThan(0);
  return Object.fromEntries(res.problems.map((p) => [p.path, p.message]));
}

describe('flows: compiled', () => {
  it('applies the defaults: key correlationId, expireAfter 14d, no conditions, step 0 with no deadline', () => {
    const c = loadConfigText(stringify(base([two()])));
    expect(c.flows).toEqual([
      {
        name: 'o2c',
        expireAfterMs: 14 * D,
        steps: [
          {
            index: 0,
            eventType: 'OrderReleased',
            key: { kind: 'correlationId' },
            withinMs: 0,
            withinBySiteGroup: {},
            where: [],
          },
          {
            index: 1,
            eventType: 'ShipmentConfirmed',
            key: { kind: 'correlationId' },
            withinMs: 48 * H,
            withinBySiteGroup: {},
            where: [],
          },
        ],
      },
    ]);
    expect(Object.isFrozen(c.flows[0]!.steps[1]!.withinBySiteGroup)).toBe(true);
  });

  it('no flows section: no flows', () => {
    const doc = base(undefined);
    delete doc.flows;
    expect(loadConfigText(stringify(doc)).flows).toEqual([]);
  });

  it('compiles durations to ms, a flow key for every step unless the step overrides it, where as given', () => {
    const c = loadConfigText(
      stringify(
        base([
          {
            name: 'order-to-cash',
            description: 'Released, shipped, invoiced.',
            key: { field: 'orderId' },
            expireAfter: '10d',
            steps: [
              { eventType: 'OrderReleased' },
              { eventType: 'ShipmentConfirmed', within: '36h', withinBySiteGroup: { mexico: '3d' } },
              {
                eventType: 'InvoiceGenerated',
                within: '90m',
                where: [{ field: 'totalAmount', range: { gte: 0 } }],
                key: 'correlationId',
              },
            ],
          },
        ]),
      ),
    );
    const f = c.flows[0]!;
    expect(f).toMatchObject({ name: 'order-to-cash', description: 'Released, shipped, invoiced.' });
    expect(f.expireAfterMs).toBe(10 * D);
    expect(f.steps.map((s) => [s.index, s.eventType, s.key, s.withinMs])).toEqual([
      [0, 'OrderReleased', { kind: 'field', field: 'orderId' }, 0],
      [1, 'ShipmentConfirmed', { kind: 'field', field: 'orderId' }, 36 * H],
      [2, 'InvoiceGenerated', { kind: 'correlationId' }, 90 * 60_000],
    ]);
    expect(f.steps[1]!.withinBySiteGroup).toEqual({ mexico: 3 * D });
    expect(f.steps[2]!.where).toEqual([{ field: 'totalAmount', range: { gte: 0 } }]);
  });

  it('compileFlows refuses a duration that skipped the checks with CD_E_CONFIG_INVALID naming the path', () => {
    try {
      compileFlows([two({}, { within: 'soon' })]);
      throw new Error('should have thrown');
    } catch (err) {
      expect(isCrossdockError(err) && err.code).toBe('CD_E_CONFIG_INVALID');
      expect((err as Error).message).toContain('flows[0].steps[1].within: "soon" is not a duration');
    }
  });

  it('examples/hub.yaml: the four flows of issue 17 with their keys, deadlines and conditions', () => {
    const c = loadConfig(path.resolve(__dirname, '../../../../examples/hub.yaml'));
    const byName = Object.fromEntries(c.flows.map((f) => [f.name, f]));
    expect(Object.keys(byName)).toEqual(['order-to-cash', 'held-orders', 'transfers', 'returns']);
    const shape = (name: string) =>
      byName[name]!.steps.map((s) => ({
        type: s.eventType,
        key: s.key.kind === 'field' ? s.key.field : s.key.kind,
        within: s.withinMs,
        ...(Object.keys(s.withinBySiteGroup).length ? { byGroup: s.withinBySiteGroup } : {}),
        ...(s.where.length ? { where: s.where } : {}),
      }));
    expect(shape('order-to-cash')).toEqual([
      { type: 'OrderReleased', key: 'orderId', within: 0 },
      { type: 'ShipmentConfirmed', key: 'orderId', within: 48 * H, byGroup: { mexico: 72 * H } },
      {
        type: 'InvoiceGenerated',
        key: 'orderId',
        within: 24 * H,
        where: [{ field: 'totalAmount', range: { gte: 0 } }],
      },
    ]);
    expect(shape('held-orders')).toEqual([
      { type: 'OrderHoldPlaced', key: 'orderId', within: 0 },
      { type: 'OrderHoldReleased', key: 'orderId', within: 48 * H },
    ]);
    expect(shape('transfers')).toEqual([
      {
        type: 'InventoryTransferApproved',
        key: 'transferId',
        within: 0,
        where: [{ field: 'intercompany', equals: true }],
      },
      { type: 'IntercompanyTransferPosted', key: 'transferId', within: 72 * H },
    ]);
    expect(shape('returns')).toEqual([
      { type: 'ReturnAuthorized', key: 'orderId', within: 0 },
      {
        type: 'InvoiceGenerated',
        key: 'orderId',
        within: 10 * D,
        where: [{ field: 'totalAmount', range: { lt: 0 } }],
      },
    ]);
    expect(c.flows.map((f) => f.expireAfterMs / D)).toEqual([14, 14, 30, 45]);
    // The per-group difference names a group the example's sites have.
    const groups = new Set(c.sites.flatMap((s) => s.groups));
    for (const f of c.flows)
      for (const s of f.steps) for (const g of Object.keys(s.withinBySiteGroup)) expect(groups).toContain(g);
  });
});

describe('flows: what every load refuses, with path and line', () => {
  it('a duration that does not parse, wherever it is', () => {
    const byPath = problems(
      base([
        {
          name: 'o2c',
          expireAfter: '2 weeks',
          steps: [
            { eventType: 'OrderReleased' },
            { eventType: 'ShipmentConfirmed', within: '1.5d', withinBySiteGroup: { mexico: '0h' } },
          ],
        },
      ]),
    );
    expect(byPath).toEqual({
      'flows[0].expireAfter': expect.stringContaining('"2 weeks" is not a duration'),
      'flows[0].steps[1].within': expect.stringContaining('"1.5d" is not a duration'),
      'flows[0].steps[1].withinBySiteGroup.mexico': expect.stringContaining('"0h" is zero'),
    });
  });

  it('a duration written as a number', () => {
    expect(problems(base([two({}, { within: 48 })]))).toEqual({
      'flows[0].steps[1].within': 'must be string',
    });
  });

  it('two flows with one name', () => {
    expect(problems(base([two(), two()]))).toEqual({
      'flows[1].name': 'duplicate flow name "o2c" (first at flows[0].name)',
    });
  });

  it('a name that cannot be part of a Redis field or a metric label value', () => {
    expect(problems(base([two({ name: 'Order:Cash' })]))['flows[0].name']).toContain('must match');
  });

  it('fewer than two steps', () => {
    expect(problems(base([{ name: 'one', steps: [{ eventType: 'OrderReleased' }] }]))).toEqual({
      'flows[0].steps': 'must NOT have fewer than 2 items',
    });
  });

  it('a first step with a deadline, a later one without', () => {
    const byPath = problems(
      base([
        {
          name: 'o2c',
          steps: [
            { eventType: 'OrderReleased', within: '1h', withinBySiteGroup: { mexico: '2h' } },
            { eventType: 'ShipmentConfirmed' },
          ],
        },
      ]),
    );
    expect(byPath).toEqual({
      'flows[0].steps[0].within': expect.stringContaining('the first step starts an instance of flow o2c'),
      'flows[0].steps[0].withinBySiteGroup': expect.stringContaining('remove `withinBySiteGroup`'),
      'flows[0].steps[1].within': expect.stringContaining('is required from the second step on'),
    });
  });

  it('an event type twice in one flow (in two flows is fine)', () => {
    const byPath = problems(
      base([
        {
          name: 'loop',
          steps: [
            { eventType: 'OrderReleased' },
            { eventType: 'ShipmentConfirmed', within: '1d' },
            { eventType: 'OrderReleased', within: '1d' },
          ],
        },
        two({ name: 'other' }),
      ]),
    );
    expect(byPath).toEqual({
      'flows[0].steps[2].eventType':
        'OrderReleased is already step 0 of flow loop: an event type may appear in a flow once',
    });
  });

  it('an expiry shorter than the longest deadlines added up', () => {
    const flow = {
      name: 'o2c',
      expireAfter: '3d',
      steps: [
        { eventType: 'OrderReleased' },
        { eventType: 'ShipmentConfirmed', within: '48h', withinBySiteGroup: { mexico: '72h' } },
        { eventType: 'InvoiceGenerated', within: '1d' },
      ],
    };
    expect(problems(base([flow]))).toEqual({
      'flows[0].expireAfter': expect.stringContaining(
        '"3d" is shorter than the longest deadlines of flow o2c added up (4d)',
      ),
    });
    expect(loadConfigText(stringify(base([{ ...flow, expireAfter: '4d' }]))).flows[0]!.expireAfterMs).toBe(
      4 * D,
    );
  });

  it('a key that is neither correlationId nor { field }', () => {
    const byPath = problems(base([two({ key: 'orderId' }, { within: '1d', key: { field: 'bad path!' } })]));
    expect(byPath).toEqual({
      'flows[0].key': 'must be one of "correlationId"',
      'flows[0].steps[1].key.field': expect.stringContaining('must match'),
    });
  });

  it('a where condition with two operators, or none', () => {
    const byPath = problems(
      base([
        two(
          {},
          {
            within: '1d',
            where: [{ field: 'totalAmount', equals: 1, in: [1] }, { field: 'orderId' }],
          },
        ),
      ]),
    );
    expect(byPath).toEqual({
      'flows[0].steps[1].where[0]': expect.stringContaining('exactly one operator'),
      'flows[0].steps[1].where[1]': expect.stringContaining('exactly one operator'),
    });
  });

  it('unknown keys', () => {
    expect(problems(base([two({ deadline: '1d' }, { within: '1d', witihn: '2d' })]))).toEqual({
      'flows[0].deadline': 'is not a known property here',
      'flows[0].steps[1].witihn': 'is not a known property here',
    });
  });

  it('a site called crossdock: the hub site of flow alerts', () => {
    const sites = [{ id: 'crossdock', name: 'Hub', country: 'US', connector: { kind: 'sdk' } }];
    expect(problems(base([], sites))).toEqual({
      'sites[0].id': expect.stringContaining('"crossdock" is reserved for the hub\'s own events'),
    });
  });
});
