import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProgram } from '../../../cli/main';

const root = path.resolve(__dirname, '../../..');

/** Runs `crossdock …` in-process; returns the exit code and what went to stdout. */
async function run(args: string[]): Promise<{ code: number; out: string }> {
  let code = 0;
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram((c) => (code = c)).parseAsync(['node', 'crossdock', ...args]);
  } finally {
    spy.mockRestore();
  }
  return { code, out };
}

describe('crossdock config check / routes test', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-config-cli-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('config check passes the example and exits 0', async () => {
    const r = await run(['config', 'check', path.join(root, 'examples/hub.yaml')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok \(8 sites, 5 subscribers/);
  });

  it('config check --json lists every problem and exits 1', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      bad,
      'sites:\n  - { id: us-chi, name: C, country: USA, connector: { kind: sdk } }\nsubscribers: []\nroutes:\n  - { name: r, match: {}, to: [ghost] }\n',
    );
    const r = await run(['config', 'check', bad, '--json']);
    expect(r.code).toBe(1);
    const res = JSON.parse(r.out) as {
      ok: boolean;
      problems: Array<{ path: string; message: string; line: number }>;
    };
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => p.path).sort()).toEqual(
      ['routes[0].to[0]', 'sites[0].country', 'subscribers'].sort(),
    );
    expect(res.problems.every((p) => p.line > 0)).toBe(true);
  });

  it('routes test --json says which subscribers receive an event and by which route', async () => {
    const r = await run([
      'routes',
      'test',
      '--config',
      path.join(root, 'examples/hub.yaml'),
      '--event',
      path.join(root, 'test/unit/router/fixtures/order-exception.json'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as {
      ok: boolean;
      events: Array<{ outcome: string; subscribers: Array<{ id: string; route: string }> }>;
    };
    expect(res.ok).toBe(true);
    expect(res.events.map((e) => e.outcome)).toEqual(['routed']);
    expect(res.events[0]!.subscribers).toEqual([
      { id: 'central-erp', route: 'orders-to-erp', topic: 'cd.deliver.central-erp' },
      {
        id: 'customer-notifications',
        route: 'serious-exceptions',
        topic: 'cd.deliver.customer-notifications',
      },
      { id: 'analytics', route: 'everything-to-analytics', topic: 'cd.deliver.analytics' },
    ]);
  });

  it('routes test exits 1 with the code when the router would dead-letter an event of a golden sample', async () => {
    const sample = JSON.parse(
      fs.readFileSync(path.join(root, 'sites/us-chi/samples/order-released.expected.json'), 'utf8'),
    ) as { events: Array<Record<string, unknown>> };
    sample.events[0]!.currency = 'EUR';
    const file = path.join(dir, 'eur.expected.json');
    fs.writeFileSync(file, JSON.stringify(sample));
    const r = await run([
      'routes',
      'test',
      '--config',
      path.join(root, 'examples/hub.yaml'),
      '--event',
      file,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('DEAD-LETTERED: CD_E_RULE_VIOLATION at router.rules');
    expect(r.out).toContain('rule known-currency: currency');
  });

  it('config check prints a mapping problem as file:line:column with the field', async () => {
    fs.cpSync(path.join(root, 'sites/_base'), path.join(dir, 'm/_base'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'm/xx'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'm/xx/mapping.yaml'),
      'extends: base\nmappings:\n  OrderReleased:\n    fields:\n      orderIdd: { from: orderNumber }\n',
    );
    const file = path.join(dir, 'mapping.yaml');
    fs.writeFileSync(
      file,
      'sites:\n  - { id: xx, name: X, country: US, connector: { kind: csv, mappingDir: m } }\nsubscribers: [{ id: s, sink: { kind: kafka } }]\nroutes: [{ name: r, match: {}, to: [s] }]\n',
    );
    const r = await run(['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /m\/xx\/mapping\.yaml:5:17 \$\.mappings\.OrderReleased\.fields\.orderIdd: .*orderIdd is not a field of OrderReleased v2/,
    );
  });
});
