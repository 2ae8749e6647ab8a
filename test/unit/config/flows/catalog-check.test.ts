import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ConfigProblem } from '../../../../core/config';
import { checkHubConfig } from '../../../../hub';
import { avroPathKind, flowCatalogProblems } from '../../../../flows';
import { makeCatalog, type CatalogEntry } from '../../../../schemas';

/**
 * The checks of `flows:` against the event catalog, as `crossdock config check` runs them
 * (hub/startup-check.ts → flows/config-check.ts): each with its path and YAML line.
 */

const root = path.resolve(__dirname, '../../../..');
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-flows-check-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sites = [
  { id: 'us-chi', name: 'Chicago', country: 'US', groups: ['us-central'], connector: { kind: 'sdk' } },
  { id: 'mx-mty', name: 'Monterrey', country: 'MX', groups: ['mexico'], connector: { kind: 'sdk' } },
];

let n = 0;
function check(flows: unknown[]): { ok: boolean; problems: ConfigProblem[] } {
  const file = path.join(dir, `hub-${n++}.yaml`);
  fs.writeFileSync(
    file,
    stringify({
      sites,
      subscribers: [{ id: 'analytics', sink: { kind: 'kafka' } }],
      routes: [{ name: 'all', match: {}, to: ['analytics'] }],
      flows,
    }),
  );
  const res = checkHubConfig(file, { home: '/nonexistent-crossdock-home' });
  for (const p of res.problems) expect(p.line).toBeGreaterThan(0);
  return res;
}

const flow = (steps: unknown[], extra: Record<string, unknown> = {}) => ({ name: 'f', steps, ...extra });

describe('config check: flows against the catalog', () => {
  it('examples/hub.yaml: its flows pass every check', () => {
    const res = checkHubConfig(path.join(root, 'examples/hub.yaml'), { home: '/nonexistent-crossdock-home' });
    expect(res.problems.filter((p) => p.path.startsWith('flows'))).toEqual([]);
    expect(res.config?.flows.map((f) => f.name)).toEqual([
      'order-to-cash',
      'held-orders',
      'transfers',
      'returns',
    ]);
  });

  it('an event type the catalog does not have: error, with the nearest name', () => {
    const res = check([
      flow([{ eventType: 'OrderReleased' }, { eventType: 'ShipmentConfirmd', within: '1d' }]),
    ]);
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual([
      expect.objectContaining({
        path: 'flows[0].steps[1].eventType',
        message:
          'flow f, step 1 (ShipmentConfirmd): "ShipmentConfirmd" is not an event type of the catalog (did you mean ShipmentConfirmed?)',
      }),
    ]);
    expect(res.problems[0]!.severity).toBeUndefined();
  });

  it('a flow key field a step type does not have: error at the step, naming flow, step and field', () => {
    const res = check([
      flow(
        [
          { eventType: 'InventoryTransferApproved' },
          { eventType: 'IntercompanyTransferPosted', within: '1d' },
        ],
        {
          key: { field: 'postingId' },
        },
      ),
    ]);
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => [p.path, p.message])).toEqual([
      [
        'flows[0].steps[0]',
        'flow f, step 0 (InventoryTransferApproved), key field: "postingId" is not a field of InventoryTransferApproved (v1, its current schema)',
      ],
    ]);
  });

  it('a step key override and dot paths through records, unions and arrays (by index, as routes read them)', () => {
    const steps = (where: unknown[]) => [
      { eventType: 'OrderReleased', key: { field: 'metadata.correlationId' } },
      { eventType: 'ShipmentConfirmed', within: '1d', key: { field: 'metadata.correlationId' }, where },
    ];
    const ok = check([
      flow(
        steps([
          { field: 'shipTo.city', exists: true },
          { field: 'packages.0.weightKg', range: { gt: 0 } },
          { field: 'metadata.causationId', exists: true },
        ]),
      ),
    ]);
    expect(ok.problems.filter((p) => p.path.startsWith('flows'))).toEqual([]);
    const bad = check([flow(steps([{ field: 'packages.weightKg', range: { gt: 0 } }]))]);
    expect(bad.problems.map((p) => p.path)).toEqual(['flows[0].steps[1].where[0].field']);
  });

  it('a key field that is a record, not a value: error', () => {
    const res = check([
      flow([{ eventType: 'OrderReleased' }, { eventType: 'ShipmentConfirmed', within: '1d' }], {
        key: { field: 'shipTo' },
      }),
    ]);
    expect(res.problems.map((p) => p.message)).toEqual([
      'flow f, step 0 (OrderReleased), key field: "shipTo" of OrderReleased is a record or a list, not a value a key can be made of',
      'flow f, step 1 (ShipmentConfirmed), key field: "shipTo" of ShipmentConfirmed is a record or a list, not a value a key can be made of',
    ]);
  });

  it('a where field the step type does not have: error at the condition', () => {
    const res = check([
      flow([
        { eventType: 'ReturnAuthorized', key: { field: 'orderId' } },
        {
          eventType: 'InvoiceGenerated',
          within: '10d',
          key: { field: 'orderId' },
          where: [
            { field: 'totalAmount', range: { lt: 0 } },
            { field: 'grandTotal', range: { lt: 0 } },
          ],
        },
      ]),
    ]);
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => [p.path, p.message])).toEqual([
      [
        'flows[0].steps[1].where[1].field',
        'flow f, step 1 (InvoiceGenerated), where: "grandTotal" is not a field of InvoiceGenerated (v1, its current schema)',
      ],
    ]);
  });

  it('a site group no configured site has: a warning, the check passes', () => {
    const res = check([
      flow([
        { eventType: 'OrderReleased' },
        {
          eventType: 'ShipmentConfirmed',
          within: '48h',
          withinBySiteGroup: { mexico: '72h', brazil: '96h' },
        },
      ]),
    ]);
    expect(res.ok).toBe(true);
    expect(res.problems).toEqual([
      expect.objectContaining({
        path: 'flows[0].steps[1].withinBySiteGroup.brazil',
        severity: 'warning',
        message:
          'flow f, step 1 (ShipmentConfirmed): no configured site is in group "brazil", so this deadline applies to none',
      }),
    ]);
  });
});

describe('flow fields across the versions a type still accepts', () => {
  const entry = (
    versions: Array<{ version: number; status: 'active' | 'deprecated' | 'retired'; fields: string[] }>,
  ) =>
    ({
      eventType: 'Thing',
      subject: 'com.x.Thing',
      domain: 'x',
      owner: 'o',
      keyFields: ['id'],
      compatibility: 'BACKWARD',
      tier: 'enterprise-standard',
      personalDataFields: [],
      versions: versions.map((v) => ({
        version: v.version,
        status: v.status,
        file: `x/Thing/v${v.version}.avsc`,
        schema: {
          type: 'record',
          name: 'Thing',
          namespace: 'com.x',
          fields: v.fields.map((name) => ({ name, type: 'string' })),
        },
      })),
    }) as CatalogEntry;
  const config = {
    sites: [],
    flows: [
      {
        name: 'f',
        expireAfterMs: 1,
        steps: [0, 1].map((index) => ({
          index,
          eventType: 'Thing',
          key: { kind: 'field' as const, field: 'ref' },
          withinMs: 0,
          withinBySiteGroup: {},
          where: [],
        })),
      },
    ],
  };

  it('a deprecated version without the field: a warning (its events never count); a retired one: nothing', () => {
    const catalog = makeCatalog('/nowhere', [
      entry([
        { version: 1, status: 'retired', fields: ['id'] },
        { version: 2, status: 'deprecated', fields: ['id'] },
        { version: 3, status: 'active', fields: ['id', 'ref'] },
      ]),
    ]);
    const found = flowCatalogProblems(
      { ...config, flows: [{ ...config.flows[0]!, steps: [config.flows[0]!.steps[0]!] }] },
      catalog,
    );
    expect(found).toEqual([
      {
        segments: ['flows', 0, 'steps', 0],
        severity: 'warning',
        message:
          'flow f, step 0 (Thing), key field: Thing v2 (deprecated, still accepted) has no field "ref": its events never count as this step',
      },
    ]);
  });

  it('the field only in an older version: error against the current one', () => {
    const catalog = makeCatalog('/nowhere', [
      entry([
        { version: 1, status: 'deprecated', fields: ['id', 'ref'] },
        { version: 2, status: 'active', fields: ['id'] },
      ]),
    ]);
    const found = flowCatalogProblems(
      { ...config, flows: [{ ...config.flows[0]!, steps: [config.flows[0]!.steps[0]!] }] },
      catalog,
    );
    expect(found.map((p) => [p.severity ?? 'error', p.message])).toEqual([
      ['error', 'flow f, step 0 (Thing), key field: "ref" is not a field of Thing (v2, its current schema)'],
    ]);
  });
});

describe('avroPathKind', () => {
  const schema = {
    type: 'record',
    name: 'E',
    namespace: 'com.x',
    fields: [
      { name: 'a', type: { type: 'record', name: 'Addr', fields: [{ name: 'city', type: 'string' }] } },
      { name: 'b', type: ['null', 'com.x.Addr'] },
      {
        name: 'lines',
        type: {
          type: 'array',
          items: { type: 'record', name: 'L', fields: [{ name: 'sku', type: 'string' }] },
        },
      },
      { name: 'tags', type: { type: 'map', values: 'long' } },
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
      { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['X'] } },
    ],
  };
  it.each([
    ['a.city', 'value'],
    ['a', 'structure'],
    ['b.city', 'value'], // a named type used again by reference, in a nullable union
    ['lines.0.sku', 'value'],
    ['lines', 'structure'],
    ['lines.sku', 'missing'], // arrays are indexed, as the router reads them
    ['tags.anything', 'value'],
    ['amount', 'value'],
    ['kind', 'value'],
    ['a.zip', 'missing'],
    ['nothing', 'missing'],
  ])('%s → %s', (p, kind) => expect(avroPathKind(schema, p)).toBe(kind));
});
