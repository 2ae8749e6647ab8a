import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { metricRows } from '../../../core/log-events-doc';
import { FLOW_METRIC_NAMES } from '../../../flows';
import { METRIC_FACTORIES } from '../../../hub/observability';
import {
  checkDashboard,
  checkPromql,
  checkRuleFile,
  promqlSelectors,
  seriesInventory,
  type SeriesSpec,
} from './metric-refs';

/**
 * The example alert rules (examples/alerts/*.yml) and the Grafana dashboard
 * (examples/grafana/crossdock.json) name only metrics the hub exports, with labels they carry:
 * a renamed metric or label breaks them here, not on an operator's screen. The inventory is the
 * hub's own (METRIC_FACTORIES run against fresh registries), never a list kept by hand.
 */
const root = path.resolve(__dirname, '../../..');
const docsDir = path.join(root, 'docs');
const alertsDir = path.join(root, 'examples/alerts');
const dashboardFile = path.join(root, 'examples/grafana/crossdock.json');

let inventory: Map<string, SeriesSpec>;
beforeAll(async () => {
  inventory = seriesInventory(await metricRows(METRIC_FACTORIES));
});

const ruleFiles = () =>
  fs
    .readdirSync(alertsDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();

describe('the metric inventory', () => {
  it('holds every registered name, a histogram as its _bucket, _sum and _count series', () => {
    expect(inventory.get(FLOW_METRIC_NAMES.steps)).toMatchObject({ type: 'counter' });
    expect(inventory.get(FLOW_METRIC_NAMES.overdue)?.labels.has('flow')).toBe(true);
    expect(inventory.get(`${FLOW_METRIC_NAMES.stepLatency}_bucket`)?.labels.has('le')).toBe(true);
    expect(inventory.has(`${FLOW_METRIC_NAMES.stepLatency}_count`)).toBe(true);
    expect(inventory.has(FLOW_METRIC_NAMES.stepLatency)).toBe(false);
    expect(inventory.has('crossdock_dlq_open')).toBe(true);
  });
});

describe('the PromQL checker', () => {
  const ok = (expr: string) => expect(checkPromql(expr, inventory)).toEqual([]);

  it('reads the series an expression names, not its functions, keywords, strings or variables', () => {
    expect(
      promqlSelectors(
        'histogram_quantile(0.95, sum by (le, flow) (rate(crossdock_flow_step_latency_seconds_bucket{flow=~"$flow"}[$__rate_interval])))',
      ),
    ).toEqual([{ name: 'crossdock_flow_step_latency_seconds_bucket', matchers: ['flow'] }]);
    expect(
      promqlSelectors(
        'time() - max by (site) (crossdock_site_last_event_seconds{site!="crossdock"} offset 1d) > 3600 and on (site) vector(1e3)',
      ),
    ).toEqual([{ name: 'crossdock_site_last_event_seconds', matchers: ['site'] }]);
  });

  it('accepts what the hub exports', () => {
    ok('sum by (flow, kind) (increase(crossdock_flow_alerts_total[15m])) > 10');
    ok('deriv(crossdock_flow_tracker_lag_records[15m]) > 0');
    ok('max by (site) (crossdock_site_conformance{site=~"${site:regex}"})');
  });

  it('refuses a name the hub does not export', () => {
    expect(checkPromql('crossdock_flow_overdue_instance > 0', inventory)).toEqual([
      'unknown metric crossdock_flow_overdue_instance',
    ]);
    expect(checkPromql('rate(crossdock_flow_step_latency_seconds[5m])', inventory)).toContain(
      'unknown metric crossdock_flow_step_latency_seconds',
    );
    expect(checkPromql('sum(rate(crossdock_router_events_in[5m]))', inventory)).toEqual([
      'unknown metric crossdock_router_events_in',
    ]);
    expect(checkPromql('vector(1)', inventory)).toEqual(['names no metric: vector(1)']);
  });

  it('refuses a label the series does not carry, in a matcher or a grouping', () => {
    expect(checkPromql('crossdock_flow_overdue_instances{site="a"} > 0', inventory)).toEqual([
      'crossdock_flow_overdue_instances has no label site',
    ]);
    expect(checkPromql('sum by (subscriber) (crossdock_flow_alerts_total)', inventory)).toEqual([
      'no metric of the expression has the label subscriber it groups by',
    ]);
  });

  it('refuses rate() over a gauge and deriv() over a counter', () => {
    expect(checkPromql('increase(crossdock_dlq_open[15m]) > 100', inventory)).toEqual([
      'increase() over crossdock_dlq_open, a gauge: use delta() or deriv()',
    ]);
    expect(checkPromql('deriv(crossdock_flow_alerts_total[1h])', inventory)).toEqual([
      'deriv() over crossdock_flow_alerts_total, a counter: use rate() or increase()',
    ]);
  });
});

describe('examples/alerts', () => {
  it('holds the dead-letter rules and the flow and scorecard rules', () => {
    expect(ruleFiles()).toEqual(expect.arrayContaining(['dead-letters.yml', 'flows.yml']));
  });

  it.each(ruleFiles())(
    '%s parses as a Prometheus rule file whose rules name only exported metrics',
    (file) => {
      const doc: unknown = parse(fs.readFileSync(path.join(alertsDir, file), 'utf8'));
      expect(checkRuleFile(doc, inventory, docsDir)).toEqual([]);
    },
  );

  it('alert names are unique across the files', () => {
    const names = ruleFiles().flatMap((f) =>
      (
        parse(fs.readFileSync(path.join(alertsDir, f), 'utf8')) as {
          groups: Array<{ rules: Array<{ alert: string }> }>;
        }
      ).groups.flatMap((g) => g.rules.map((r) => r.alert)),
    );
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('the flow rules cover overdue flows, alert bursts, completion, conformance, silent sites, the tracker and dead letters', () => {
    const exprs = ruleFiles()
      .map((f) => fs.readFileSync(path.join(alertsDir, f), 'utf8'))
      .join('\n');
    for (const name of [
      FLOW_METRIC_NAMES.overdue,
      FLOW_METRIC_NAMES.alerts,
      FLOW_METRIC_NAMES.siteFlowCompletion,
      FLOW_METRIC_NAMES.siteConformance,
      FLOW_METRIC_NAMES.siteLastEvent,
      FLOW_METRIC_NAMES.trackerLag,
      'crossdock_dlq_open',
    ])
      expect(exprs).toContain(name);
  });

  it('docs/flows.md lists every flow rule', () => {
    const doc = fs.readFileSync(path.join(docsDir, 'flows.md'), 'utf8');
    const rules = (
      parse(fs.readFileSync(path.join(alertsDir, 'flows.yml'), 'utf8')) as {
        groups: Array<{ rules: Array<{ alert: string }> }>;
      }
    ).groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(rules.filter((name) => !doc.includes(`| \`${name}\` |`))).toEqual([]);
  });

  describe('the rule file checker refuses', () => {
    const rule = {
      alert: 'CrossdockExample',
      expr: 'max by (flow) (crossdock_flow_overdue_instances) > 0',
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'x',
        description: 'See docs/flows.md#metrics-alert-rules-and-the-dashboard',
      },
    };
    const file = (r: Record<string, unknown>) => ({ groups: [{ name: 'g', rules: [r] }] });
    const check = (doc: unknown) => checkRuleFile(doc, inventory, docsDir);

    it('nothing wrong in a good fixture', () => {
      expect(check(file(rule))).toEqual([]);
    });
    it('a wrong metric name', () => {
      expect(check(file({ ...rule, expr: 'crossdock_flow_overdue > 0' }))).toEqual([
        'CrossdockExample: unknown metric crossdock_flow_overdue',
      ]);
    });
    it('a file without groups, an unknown key, a bad duration, no severity', () => {
      expect(check({ rules: [rule] })).toEqual(['not a rule file: no `groups:` list']);
      expect(check(file({ ...rule, summary: 'x' }))).toEqual(['groups[0].rules[0]: unknown key summary']);
      expect(check(file({ ...rule, for: '10 minutes' }))).toEqual([
        'CrossdockExample: for is not a Prometheus duration',
      ]);
      expect(check(file({ ...rule, labels: {} }))).toEqual([
        'CrossdockExample: labels.severity must be one of info, warning, critical',
      ]);
    });
    it('a description that points at no docs section, or at one that does not exist', () => {
      expect(check(file({ ...rule, annotations: { summary: 'x', description: 'Look into it.' } }))).toEqual([
        'CrossdockExample: the description points at no docs section (docs/<file>.md#<heading>)',
      ]);
      expect(
        check(file({ ...rule, annotations: { summary: 'x', description: 'docs/flows.md#no-such-heading' } })),
      ).toEqual(['CrossdockExample: docs/flows.md has no heading #no-such-heading']);
    });
  });
});

describe('examples/grafana/crossdock.json', () => {
  const load = () => JSON.parse(fs.readFileSync(dashboardFile, 'utf8')) as Record<string, unknown>;

  it('parses, uses the datasource variable everywhere, has unique ids, and its queries name exported metrics', () => {
    expect(checkDashboard(load(), inventory)).toEqual([]);
  });

  it('has the site and flow variables and a query for each flow and scorecard metric', () => {
    const dashboard = load();
    const vars = (dashboard.templating as { list: Array<{ name: string }> }).list.map((v) => v.name);
    expect(vars).toEqual(expect.arrayContaining(['datasource', 'site', 'flow']));
    const text = JSON.stringify(dashboard);
    for (const name of Object.values(FLOW_METRIC_NAMES)) expect(text).toContain(name);
  });

  describe('the dashboard checker refuses', () => {
    const mutate = (change: (d: Record<string, unknown>) => void) => {
      const d = load();
      change(d);
      return checkDashboard(d, inventory);
    };
    const firstQueryPanel = (d: Record<string, unknown>) =>
      (d.panels as Array<Record<string, unknown>>).find((p) => p.type !== 'row') as {
        id: number;
        title: string;
        datasource: unknown;
        targets: Array<Record<string, unknown>>;
      };

    it('a wrong metric name in a query', () => {
      const problems = mutate((d) => {
        firstQueryPanel(d).targets[0]!.expr =
          'sum(rate(crossdock_router_events_inn_total[$__rate_interval]))';
      });
      expect(problems).toEqual([expect.stringContaining('unknown metric crossdock_router_events_inn_total')]);
    });
    it('a hard-coded datasource uid', () => {
      const problems = mutate((d) => {
        firstQueryPanel(d).datasource = { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' };
      });
      expect(problems).toEqual(
        expect.arrayContaining([expect.stringContaining('does not use the datasource variable')]),
      );
      expect(problems).toEqual(expect.arrayContaining([expect.stringContaining('is hard-coded')]));
    });
    it('a panel id used twice', () => {
      const problems = mutate((d) => {
        const panels = d.panels as Array<{ id: number }>;
        panels[panels.length - 1]!.id = panels[0]!.id;
      });
      expect(problems).toEqual([expect.stringContaining('id used twice')]);
    });
    it('panels that overlap', () => {
      const problems = mutate((d) => {
        const panels = d.panels as Array<{ gridPos: unknown }>;
        panels[2]!.gridPos = { ...(panels[1]!.gridPos as object) };
      });
      expect(problems).toEqual([expect.stringContaining('overlaps panel')]);
    });
    it('an undefined variable, and a variable fed by a label its metric lacks', () => {
      expect(
        mutate((d) => {
          firstQueryPanel(d).targets[0]!.expr =
            'sum(rate(crossdock_router_events_in_total{site=~"$sitez"}[5m]))';
        }),
      ).toEqual([expect.stringContaining('no variable $sitez')]);
      expect(
        mutate((d) => {
          const v = (d.templating as { list: Array<Record<string, unknown>> }).list.find(
            (x) => x.name === 'flow',
          )!;
          v.query = { query: 'label_values(crossdock_flow_open_instances, site)', refId: 'v' };
        }),
      ).toEqual(['variable flow: crossdock_flow_open_instances has no label site']);
    });
    it('no datasource variable', () => {
      expect(
        mutate((d) => {
          const t = d.templating as { list: Array<{ name: string }> };
          t.list = t.list.filter((v) => v.name !== 'datasource');
        }),
      ).toEqual(['no `datasource` variable of type datasource with query prometheus']);
    });
  });
});
