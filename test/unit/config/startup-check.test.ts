import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigProblem } from '../../../core/config';
import { checkConfigText, checkHubConfig, urlProblem } from '../../../hub';

/**
 * `crossdock config check` runs every start-up check (hub/startup-check.ts); one case per bad
 * input, each naming the file, the line and the field or value.
 */

const root = path.resolve(__dirname, '../../..');
let dir: string;
const HOME = { home: '/nonexistent-crossdock-home' };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-startup-check-'));
  fs.cpSync(path.join(root, 'sites/_base'), path.join(dir, 'm/_base'), { recursive: true });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function mapping(site: string, text: string): void {
  fs.mkdirSync(path.join(dir, 'm', site), { recursive: true });
  fs.writeFileSync(path.join(dir, 'm', site, 'mapping.yaml'), text);
}

/** A configuration with one CSV site `site` (its mapping under m/) plus `extra` YAML. */
function config(name: string, site: string, extra = ''): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    [
      'sites:',
      `  - { id: ${site}, name: S, country: US, connector: { kind: csv, mappingDir: m } }`,
      'subscribers:',
      '  - { id: s, sink: { kind: kafka } }',
      'routes:',
      '  - { name: r, match: { eventTypes: [OrderReleased] }, to: [s] }',
      extra,
    ].join('\n'),
  );
  return file;
}

function only(problems: ConfigProblem[]): ConfigProblem {
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('config check: site mappings', () => {
  it('a mapping that extends one that does not exist: its file, the line of extends, the name', () => {
    mapping('c1', 'description: x\nextends: nowhere\n');
    const res = checkHubConfig(config('missing', 'c1'), HOME);
    expect(res.ok).toBe(false);
    const p = only(res.problems);
    expect(p.file).toMatch(/m\/c1\/mapping\.yaml$/);
    expect(p).toMatchObject({ line: 2, path: '$.extends' });
    expect(p.message).toContain('extends "nowhere", which does not exist');
  });

  it('a cycle of extends: the file and line that closes it, and the chain', () => {
    mapping('a1', 'extends: b1\n');
    mapping('b1', '# b\nextends: a1\n');
    const p = only(checkHubConfig(config('cycle', 'a1'), HOME).problems);
    expect(p.file).toMatch(/m\/b1\/mapping\.yaml$/);
    expect(p).toMatchObject({ line: 2, path: '$.extends' });
    expect(p.message).toContain('a1 → b1 → a1');
  });

  it('a site with no mapping file at all names the file it looked for', () => {
    const p = only(checkHubConfig(config('nofile', 'zz9'), HOME).problems);
    expect(p.file).toMatch(/m\/zz9\/mapping\.yaml$/);
    expect(p.message).toContain('site zz9 has no mapping file');
  });

  it('a target field not in the canonical schema: mapping file and line, schema and field', () => {
    mapping(
      't1',
      'extends: base\nmappings:\n  OrderReleased:\n    fields:\n      orderIdd: { from: orderNumber }\n',
    );
    const p = only(checkHubConfig(config('target', 't1'), HOME).problems);
    expect(p.file).toMatch(/m\/t1\/mapping\.yaml$/);
    expect(p).toMatchObject({ line: 5, path: '$.mappings.OrderReleased.fields.orderIdd' });
    expect(p.message).toContain(
      'orderIdd is not a field of OrderReleased v2 (schemas/order/OrderReleased/v2.avsc)',
    );
    expect(p.message).toContain('orderId, customerId');
  });

  it('a nested target and an array item target not in the schema', () => {
    mapping(
      't2',
      'extends: base\nmappings:\n  OrderReleased:\n    fields:\n      shipTo.cty: { from: x }\n      lines:\n        each: lines\n        fields:\n          skuu: { from: sku }\n',
    );
    const problems = checkHubConfig(config('target2', 't2'), HOME).problems;
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [5, '$.mappings.OrderReleased.fields.shipTo.cty'],
      [9, '$.mappings.OrderReleased.fields.lines.fields.skuu'],
    ]);
    expect(problems[0]!.message).toContain('shipTo has: name, line1');
    expect(problems[1]!.message).toContain('lines[]; its fields: lineNumber, sku');
  });

  it('a value outside an enum: its line and the allowed values, no anyOf dump', () => {
    mapping(
      'e1',
      'extends: base\nmappings:\n  OrderReleased:\n    fields:\n      currency: { from: c, type: money }\n',
    );
    const p = only(checkHubConfig(config('enum', 'e1'), HOME).problems);
    expect(p).toMatchObject({ line: 5, path: '$.mappings.OrderReleased.fields.currency.type' });
    expect(p.message).toContain('must be one of "string", "int", "number", "decimal"');
    expect(p.message).not.toMatch(/anyOf|must be null/);
  });

  it('a misspelled property: its line, the nearest name and the allowed ones', () => {
    mapping(
      'e2',
      'extends: base\nmappings:\n  OrderReleased:\n    fields:\n      orderId: { form: orderNumber }\n',
    );
    const p = only(checkHubConfig(config('prop', 'e2'), HOME).problems);
    expect(p).toMatchObject({ line: 5, path: '$.mappings.OrderReleased.fields.orderId.form' });
    expect(p.message).toContain('form is not allowed here (did you mean from?); allowed: from, const, type');
  });

  it('a YAML syntax error in a mapping: file, line, column, snippet, and nothing else', () => {
    mapping('y1', 'extends: base\nmappings:\n  OrderReleased: { fields: [ orderId\n');
    const p = only(checkHubConfig(config('yaml-mapping', 'y1'), HOME).problems);
    expect(p.file).toMatch(/m\/y1\/mapping\.yaml$/);
    expect(p.message).toMatch(/^site y1's mapping: YAML syntax error/);
    expect(p.line).toBeGreaterThan(0);
    expect(p.column).toBeGreaterThan(0);
    expect(p.snippet).toContain('|');
  });
});

describe('config check: the configuration itself', () => {
  it('a YAML syntax error: line, column and snippet, and no follow-on "is required"', () => {
    const res = checkConfigText('hub:\n  topicPrefix: cd\nsites: [\n  - id: x\n', 'bad.yaml');
    const p = only(res.problems);
    expect(p).toMatchObject({ path: '(yaml)', line: 4, column: 3 });
    expect(p.snippet).toContain('   4 |   - id: x');
    expect(p.message).toMatch(/^YAML syntax error/);
  });

  it('a route to a misspelled event type: the path, its line and the nearest type', () => {
    mapping('ok1', 'extends: base\n');
    const file = config('route-type', 'ok1').replace(/$/, '');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('[OrderReleased]', '[OrderReleasd]'));
    const p = only(checkHubConfig(file, HOME).problems);
    expect(p).toMatchObject({ path: 'routes[0].match.eventTypes[0]', line: 6 });
    expect(p.message).toContain(
      '"OrderReleasd" is not an event type of the catalog (did you mean OrderReleased?)',
    );
  });

  it('a glob that matches no event type', () => {
    const file = config('route-glob', 'ok1');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('[OrderReleased]', "['Ordr*']"));
    const p = only(checkHubConfig(file, HOME).problems);
    expect(p).toMatchObject({ path: 'routes[0].match.eventTypes[0]', line: 6 });
    expect(p.message).toContain('pattern "Ordr*" of route r matches no event type');
  });

  it('rules for an unknown event type', () => {
    const p = only(
      checkHubConfig(config('rules', 'ok1', 'rules:\n  InvoiceGenerted: [{ name: x, schema: {} }]\n'), HOME)
        .problems,
    );
    expect(p).toMatchObject({ path: 'rules.InvoiceGenerted', line: 8 });
    expect(p.message).toContain('did you mean InvoiceGenerated?');
  });

  it('a subscriber URL that does not parse: the path, its line and why', () => {
    const file = config('url', 'ok1');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace(
          '{ id: s, sink: { kind: kafka } }',
          '{ id: s, sink: { kind: http, url: "http://exa mple.com:99999/x" } }',
        ),
    );
    const p = only(checkHubConfig(file, HOME).problems);
    expect(p).toMatchObject({ path: 'subscribers[0].sink.url', line: 4 });
    expect(p.message).toContain(
      '"http://exa mple.com:99999/x" is not a valid URL: it contains a space; port 99999 is beyond 65535',
    );
    expect(urlProblem('http://example.com:8080/x')).toBeUndefined();
  });

  it('CROSSDOCK_INGEST_PORT out of range', () => {
    const p = only(
      checkHubConfig(config('port', 'ok1'), { ...HOME, env: { CROSSDOCK_INGEST_PORT: '70000' } }).problems,
    );
    expect(p).toMatchObject({ path: '$CROSSDOCK_INGEST_PORT' });
    expect(p.message).toContain('"70000" is not a port');
  });
});

describe('config check: keys and secrets', () => {
  const httpSite = (keys: string) =>
    config('http', 'ok1').replace(/$/, '') &&
    (() => {
      const file = path.join(dir, 'http.yaml');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(file, 'utf8')
          .replace(
            'connector: { kind: csv, mappingDir: m }',
            `connector: { kind: http, mappingDir: m${keys} }`,
          ),
      );
      return file;
    })();

  it('a secretEnv not set here is a warning by default (CI), an error with requireSecrets', () => {
    const file = httpSite(', keys: [{ id: key1, secretEnv: CD_TEST_NOT_SET_SECRET }]');
    const warn = checkHubConfig(file, { ...HOME, env: {} });
    expect(warn.ok).toBe(true);
    const p = only(warn.problems);
    expect(p).toMatchObject({ severity: 'warning', path: 'sites[0].connector.keys[0].secretEnv', line: 2 });
    expect(p.message).toContain('$CD_TEST_NOT_SET_SECRET (secret of key key1, site ok1) is not set');
    const strict = checkHubConfig(file, { ...HOME, env: {}, requireSecrets: true });
    expect(strict.ok).toBe(false);
    expect(only(strict.problems).severity).toBe('error');
    expect(checkHubConfig(file, { ...HOME, env: { CD_TEST_NOT_SET_SECRET: 's' } }).problems).toEqual([]);
  });

  it('an HTTP site without keys is a warning: every request would be refused', () => {
    const file = httpSite('');
    const res = checkHubConfig(file, { ...HOME, env: {} });
    expect(res.ok).toBe(true);
    expect(only(res.problems)).toMatchObject({
      severity: 'warning',
      path: 'sites[0].connector.keys',
      line: 2,
    });
  });

  it('examples/hub.yaml passes with its secrets set', () => {
    const env = { CROSSDOCK_KEY_US_CHI: 'a', CROSSDOCK_KEY_US_NWK: 'b', CROSSDOCK_KEY_MX_MTY: 'c' };
    const res = checkHubConfig(path.join(root, 'examples/hub.yaml'), { ...HOME, env });
    expect(res.problems).toEqual([]);
    expect(res.ok).toBe(true);
  });
});
