import fs from 'node:fs';
import path from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { METRIC_FACTORIES } from '../../../hub/observability';

/** The example alert rules name only metrics the hub exports (a renamed metric breaks them). */
describe('examples/alerts/dead-letters.yml', () => {
  it('every rule has a name, an expression and a summary, and names only metrics the hub exports', async () => {
    const file = path.join(__dirname, '../../../examples/alerts/dead-letters.yml');
    const doc = parse(fs.readFileSync(file, 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: { summary: string } }> }>;
    };
    const registry = new Registry();
    for (const f of METRIC_FACTORIES) f.register(registry);
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      expect(r.alert).toMatch(/^Crossdock[A-Za-z]+$/);
      expect(r.annotations.summary.length).toBeGreaterThan(0);
      const named = r.expr.match(/crossdock_[a-z_]+/g) ?? [];
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter((n) => !exported.has(n))).toEqual([]);
    }
  });
});
