import fs from 'node:fs';
import path from 'node:path';
import type { MetricRow } from '../../../core/log-events-doc';

/**
 * The checks behind test/unit/docs/metric-refs.test.ts: what the example alert rules
 * (examples/alerts/*.yml) and the Grafana dashboard (examples/grafana/crossdock.json) ask
 * Prometheus for must be what the hub exports. Each check is a pure function that returns the
 * problems it found (empty: fine), so the test can feed it a wrong fixture and see it refused.
 *
 * The inventory comes from the hub's own metric rows (core/log-events-doc.ts metricRows over
 * hub/observability.ts METRIC_FACTORIES: every factory run against a fresh prom-client registry),
 * never from a list kept by hand.
 */

/** One series name Prometheus can hold, with its type and the labels it carries. */
export interface SeriesSpec {
  /** The metric's type (counter, gauge, histogram, summary). */
  type: string;
  /** `bucket`, `sum`, `count` for a histogram's or summary's series, else undefined. */
  part?: 'bucket' | 'sum' | 'count';
  labels: ReadonlySet<string>;
}

/** Labels Prometheus adds to every scraped series (the scrape target). */
const TARGET_LABELS = ['job', 'instance'];

/**
 * The series names the metric rows stand for: a counter or gauge by its registered name (a
 * counter's `_total` is part of it), a histogram as `<name>_bucket` (with `le`), `_sum` and
 * `_count` (the bare name has no series), a summary as its name (with `quantile`), `_sum`, `_count`.
 */
export function seriesInventory(rows: readonly MetricRow[]): Map<string, SeriesSpec> {
  const out = new Map<string, SeriesSpec>();
  for (const row of rows) {
    const labels = [...row.labels, ...TARGET_LABELS];
    if (row.type === 'histogram') {
      out.set(`${row.name}_bucket`, { type: row.type, part: 'bucket', labels: new Set([...labels, 'le']) });
      out.set(`${row.name}_sum`, { type: row.type, part: 'sum', labels: new Set(labels) });
      out.set(`${row.name}_count`, { type: row.type, part: 'count', labels: new Set(labels) });
    } else if (row.type === 'summary') {
      out.set(row.name, { type: row.type, labels: new Set([...labels, 'quantile']) });
      out.set(`${row.name}_sum`, { type: row.type, part: 'sum', labels: new Set(labels) });
      out.set(`${row.name}_count`, { type: row.type, part: 'count', labels: new Set(labels) });
    } else out.set(row.name, { type: row.type, labels: new Set(labels) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PromQL: the series an expression names.
// ---------------------------------------------------------------------------------------------

/** Words of PromQL that are not series names where they stand bare. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
]);

const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

/** Functions that read a counter (or a histogram's counter series): refused on a gauge. */
const COUNTER_FUNCTIONS = ['rate', 'irate', 'increase', 'resets'];
/** Functions meant for a gauge: refused on a counter. */
const GAUGE_FUNCTIONS = ['delta', 'idelta', 'deriv', 'predict_linear'];

export interface Selector {
  name: string;
  /** Label names its matchers use (`{site=~"$site"}` → site). */
  matchers: string[];
}

/**
 * An expression with its string literals emptied (`"$site"` → `""`) and Grafana's variables
 * (`$__rate_interval`, `${flow}`, `$site`) made a number, so that neither reads as a name.
 */
function neutral(expr: string): string {
  return expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, (m) => `${m[0]}${m[0]}`)
    .replace(/\$\{[^}]*\}|\$\w+|\[\[\w+\]\]/g, '0');
}

/** The series selectors of a PromQL expression (names and their matchers' labels). */
export function promqlSelectors(expr: string): Selector[] {
  const text = neutral(expr)
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(GROUPING, ' ');
  const out: Selector[] = [];
  for (const m of text.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(\s*\{([^}]*)\})?(\s*\()?/g)) {
    const [, name, , matchers, call] = m;
    if (call || KEYWORDS.has(name!.toLowerCase())) continue;
    out.push({
      name: name!,
      matchers: matchers
        ? matchers
            .split(',')
            .map((s) => s.trim().match(/^([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/)?.[1])
            .filter((l): l is string => l !== undefined)
        : [],
    });
  }
  return out;
}

/** The labels named in `by (…)`, `without (…)`, `on (…)`, `ignoring (…)`, `group_left (…)`. */
function groupingLabels(expr: string): string[] {
  return [...neutral(expr).matchAll(GROUPING)].flatMap((m) =>
    m[2]!
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/**
 * What is wrong with a PromQL expression against the inventory: a series name the hub does not
 * export (a histogram's bare name included), a matcher on a label the series does not carry, a
 * grouping label none of its series carries, rate()/increase() over a gauge or delta()/deriv()
 * over a counter.
 */
export function checkPromql(expr: string, inventory: ReadonlyMap<string, SeriesSpec>): string[] {
  const problems: string[] = [];
  const selectors = promqlSelectors(expr);
  if (selectors.length === 0) problems.push(`names no metric: ${expr}`);
  const known = new Set<string>(TARGET_LABELS);
  for (const s of selectors) {
    const spec = inventory.get(s.name);
    if (!spec) {
      problems.push(`unknown metric ${s.name}`);
      continue;
    }
    spec.labels.forEach((l) => known.add(l));
    for (const l of s.matchers)
      if (l !== '__name__' && !spec.labels.has(l)) problems.push(`${s.name} has no label ${l}`);
  }
  for (const l of groupingLabels(expr))
    if (!known.has(l)) problems.push(`no metric of the expression has the label ${l} it groups by`);
  const flat = neutral(expr)
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '');
  for (const m of flat.matchAll(/\b([a-z_]+)\s*\(\s*([a-zA-Z_:][\w:]*)\s*[),]/g)) {
    const [, fn, name] = m;
    const spec = inventory.get(name!);
    if (!spec) continue;
    const countery = spec.type === 'counter' || spec.part !== undefined;
    if (COUNTER_FUNCTIONS.includes(fn!) && !countery)
      problems.push(`${fn}() over ${name}, a ${spec.type}: use delta() or deriv()`);
    if (GAUGE_FUNCTIONS.includes(fn!) && countery)
      problems.push(`${fn}() over ${name}, a counter: use rate() or increase()`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Prometheus rule files.
// ---------------------------------------------------------------------------------------------

const GROUP_KEYS = new Set(['name', 'interval', 'limit', 'query_offset', 'labels', 'rules']);
const RULE_KEYS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const SEVERITIES = new Set(['info', 'warning', 'critical']);

/** A `docs/<file>.md#<anchor>` the text points at. */
const DOC_POINTER = /\bdocs\/([\w-]+\.md)#([\w-]+)/g;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** GitHub's anchors of a markdown document's headings (outside fenced code). */
export function headingAnchors(markdown: string): Set<string> {
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** What is wrong with the `docs/…md#…` pointers of a text (a missing file or heading). */
export function checkDocPointers(text: string, docsDir: string): string[] {
  const problems: string[] = [];
  for (const [, file, anchor] of text.matchAll(DOC_POINTER)) {
    const p = path.join(docsDir, file!);
    if (!fs.existsSync(p)) problems.push(`docs/${file} does not exist`);
    else if (!headingAnchors(fs.readFileSync(p, 'utf8')).has(anchor!))
      problems.push(`docs/${file} has no heading #${anchor}`);
  }
  return problems;
}

/**
 * What is wrong with a parsed Prometheus rule file: the shape Prometheus loads (`groups:` of
 * named groups with `rules:`, no unknown keys, durations Prometheus reads), and for crossdock's
 * alerts: a `Crossdock…` name, a severity, a summary and a description that points at the docs
 * section saying what to do (`docs/<file>.md#<heading>`, which must exist), and expressions that
 * name only exported metrics (checkPromql).
 */
export function checkRuleFile(
  doc: unknown,
  inventory: ReadonlyMap<string, SeriesSpec>,
  docsDir: string,
): string[] {
  const problems: string[] = [];
  if (!isRecord(doc) || !Array.isArray(doc.groups) || doc.groups.length === 0)
    return ['not a rule file: no `groups:` list'];
  const groupNames = new Set<string>();
  for (const [gi, group] of doc.groups.entries()) {
    const at = `groups[${gi}]`;
    if (!isRecord(group)) {
      problems.push(`${at} is not a mapping`);
      continue;
    }
    for (const k of Object.keys(group)) if (!GROUP_KEYS.has(k)) problems.push(`${at}: unknown key ${k}`);
    if (typeof group.name !== 'string' || !group.name) problems.push(`${at}: no name`);
    else if (groupNames.has(group.name)) problems.push(`${at}: group name ${group.name} twice`);
    else groupNames.add(group.name);
    if (!Array.isArray(group.rules) || group.rules.length === 0) {
      problems.push(`${at}: no rules`);
      continue;
    }
    for (const [ri, rule] of group.rules.entries()) {
      const where = `${at}.rules[${ri}]`;
      if (!isRecord(rule)) {
        problems.push(`${where} is not a mapping`);
        continue;
      }
      for (const k of Object.keys(rule)) if (!RULE_KEYS.has(k)) problems.push(`${where}: unknown key ${k}`);
      const name = typeof rule.alert === 'string' ? rule.alert : undefined;
      const label = name ?? where;
      if (!name || !/^Crossdock[A-Za-z]+$/.test(name))
        problems.push(`${where}: alert name must be Crossdock…`);
      if (typeof rule.expr !== 'string' || !rule.expr.trim()) {
        problems.push(`${label}: no expr`);
        continue;
      }
      for (const k of ['for', 'keep_firing_for'])
        if (rule[k] !== undefined && !(typeof rule[k] === 'string' && DURATION.test(rule[k])))
          problems.push(`${label}: ${k} is not a Prometheus duration`);
      const labels = rule.labels;
      if (!isRecord(labels) || !SEVERITIES.has(labels.severity as string))
        problems.push(`${label}: labels.severity must be one of ${[...SEVERITIES].join(', ')}`);
      const ann = rule.annotations;
      if (!isRecord(ann) || typeof ann.summary !== 'string' || !ann.summary.trim())
        problems.push(`${label}: no summary annotation`);
      const description = isRecord(ann) && typeof ann.description === 'string' ? ann.description : '';
      if (!description.match(DOC_POINTER))
        problems.push(`${label}: the description points at no docs section (docs/<file>.md#<heading>)`);
      problems.push(...checkDocPointers(description, docsDir).map((p) => `${label}: ${p}`));
      problems.push(...checkPromql(rule.expr, inventory).map((p) => `${label}: ${p}`));
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The Grafana dashboard.
// ---------------------------------------------------------------------------------------------

/** What every panel and query names as its datasource: the dashboard's `datasource` variable. */
export const DATASOURCE_REF = Object.freeze({ type: 'prometheus', uid: '${datasource}' });

interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  datasource?: unknown;
  targets?: unknown;
  panels?: unknown;
  gridPos?: unknown;
}

/** Every panel of a dashboard, those inside (collapsed) rows included. */
export function allPanels(dashboard: Record<string, unknown>): Panel[] {
  const out: Panel[] = [];
  const walk = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const p of list as Panel[]) {
      out.push(p);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** `label_values(metric{…}, label)` → the selector and the label; undefined for another form. */
function labelValuesQuery(query: string): { selector: string; label: string } | undefined {
  const m = query.trim().match(/^label_values\(\s*(.+)\s*,\s*([a-zA-Z_]\w*)\s*\)$/s);
  return m ? { selector: m[1]!, label: m[2]! } : undefined;
}

const sameRef = (v: unknown) => isRecord(v) && v.type === DATASOURCE_REF.type && v.uid === DATASOURCE_REF.uid;

/**
 * What is wrong with a Grafana dashboard (parsed JSON): it must load on a current Grafana without
 * edits: a `schemaVersion` of 36 or later, no hard-coded datasource (a `datasource` variable of
 * type `datasource` for Prometheus, named by every panel, query and query variable), unique panel
 * ids, a grid position each on the 24-column grid with no two overlapping; every `$variable` a
 * query uses is defined; every query and every `label_values` variable names exported metrics and
 * their labels (checkPromql).
 */
export function checkDashboard(dashboard: unknown, inventory: ReadonlyMap<string, SeriesSpec>): string[] {
  if (!isRecord(dashboard)) return ['not a JSON object'];
  const problems: string[] = [];
  if (typeof dashboard.schemaVersion !== 'number' || dashboard.schemaVersion < 36)
    problems.push('schemaVersion must be a number of a current Grafana (36 or later)');
  if (typeof dashboard.title !== 'string' || !dashboard.title) problems.push('no title');
  if (typeof dashboard.uid !== 'string' || !dashboard.uid)
    problems.push('no uid (a re-import would duplicate it)');

  const vars =
    isRecord(dashboard.templating) && Array.isArray(dashboard.templating.list)
      ? (dashboard.templating.list as Array<Record<string, unknown>>)
      : [];
  const varNames = new Set(vars.map((v) => String(v.name)));
  const ds = vars.find((v) => v.name === 'datasource');
  if (!ds || ds.type !== 'datasource' || ds.query !== 'prometheus')
    problems.push('no `datasource` variable of type datasource with query prometheus');

  const queries: Array<{ where: string; expr: string }> = [];
  for (const v of vars) {
    if (v.type !== 'query') continue;
    const where = `variable ${String(v.name)}`;
    if (!sameRef(v.datasource)) problems.push(`${where} does not use the datasource variable`);
    const q = isRecord(v.query) ? v.query.query : v.query;
    const lv = typeof q === 'string' ? labelValuesQuery(q) : undefined;
    if (!lv) {
      problems.push(`${where}: its query is not label_values(<metric>, <label>)`);
      continue;
    }
    const sel = promqlSelectors(lv.selector);
    const spec = sel.length === 1 ? inventory.get(sel[0]!.name) : undefined;
    if (spec && !spec.labels.has(lv.label))
      problems.push(`${where}: ${sel[0]!.name} has no label ${lv.label}`);
    queries.push({ where, expr: lv.selector });
  }

  const ids = new Set<unknown>();
  const placed: Array<{ where: string; g: Record<string, number> }> = [];
  for (const p of allPanels(dashboard)) {
    const where = `panel ${String(p.id)} (${String(p.title)})`;
    if (typeof p.id !== 'number') problems.push(`${where}: no numeric id`);
    else if (ids.has(p.id)) problems.push(`${where}: id used twice`);
    ids.add(p.id);
    if (!isRecord(p.gridPos)) problems.push(`${where}: no gridPos`);
    else {
      const g = p.gridPos as Record<string, number>;
      if (g.x! < 0 || g.w! < 1 || g.x! + g.w! > 24 || g.h! < 1)
        problems.push(`${where}: off the 24-column grid`);
      for (const o of placed)
        if (g.x! < o.g.x! + o.g.w! && o.g.x! < g.x! + g.w! && g.y! < o.g.y! + o.g.h! && o.g.y! < g.y! + g.h!)
          problems.push(`${where}: overlaps ${o.where}`);
      placed.push({ where, g });
    }
    if (p.type === 'row') continue;
    if (!sameRef(p.datasource)) problems.push(`${where}: does not use the datasource variable`);
    if (!Array.isArray(p.targets) || p.targets.length === 0) {
      problems.push(`${where}: no query`);
      continue;
    }
    const refIds = new Set<unknown>();
    for (const t of p.targets as Array<Record<string, unknown>>) {
      if (!sameRef(t.datasource)) problems.push(`${where}: a query does not use the datasource variable`);
      if (refIds.has(t.refId)) problems.push(`${where}: refId ${String(t.refId)} twice`);
      refIds.add(t.refId);
      if (typeof t.expr !== 'string' || !t.expr.trim()) problems.push(`${where}: a query has no expr`);
      else queries.push({ where, expr: t.expr });
    }
  }

  for (const { where, expr } of queries) {
    for (const m of expr.matchAll(/\$\{(\w+)[^}]*\}|\$(\w+)|\[\[(\w+)\]\]/g)) {
      const name = m[1] ?? m[2] ?? m[3]!;
      if (!name.startsWith('__') && !varNames.has(name)) problems.push(`${where}: no variable $${name}`);
    }
    problems.push(...checkPromql(expr, inventory).map((p) => `${where}: ${p}`));
  }

  // No datasource anywhere else either (annotations, links): each is the variable or absent.
  const walk = (v: unknown, at: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (isRecord(v))
      for (const [k, x] of Object.entries(v)) {
        if (k === 'datasource' && x !== undefined && x !== null && !sameRef(x) && !isBuiltIn(x))
          problems.push(`${at}.datasource is hard-coded: ${JSON.stringify(x)}`);
        walk(x, `${at}.${k}`);
      }
  };
  walk(dashboard, '$');
  return [...new Set(problems)];
}

/** Grafana's own annotation source (`-- Grafana --`), which every dashboard may keep. */
function isBuiltIn(v: unknown): boolean {
  return isRecord(v) && v.type === 'grafana' && v.uid === '-- Grafana --';
}
