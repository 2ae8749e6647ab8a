import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  checkConfigText,
  loadConfig,
  loadConfigText,
  renderHubSchemaFile,
  SCHEMA_JSON_FILE,
} from '../../../hub';
import { requiredTopics, topics } from '../../../core/names/topics';
import { isCrossdockError } from '../../../core/errors';
import { replicaAckOf } from '../../../connectors/sinks';

const root = path.resolve(__dirname, '../../..');
const example = path.join(root, 'examples/hub.yaml');

const minimal = () => ({
  sites: [{ id: 'us-chi', name: 'Chicago', country: 'US', groups: ['north'], connector: { kind: 'sdk' } }],
  subscribers: [{ id: 'analytics', sink: { kind: 'kafka' } }],
  routes: [{ name: 'all', match: {}, to: ['analytics'] }],
});

describe('hub configuration', () => {
  it('loads the example: eight sites in three countries on three kinds of system, the five subscribers, analytics receiving everything', () => {
    const c = loadConfig(example);
    expect(c.sites.map((s) => s.id).sort()).toEqual([
      'ca-tor',
      'ca-yvr',
      'mx-gdl',
      'mx-mty',
      'us-atl',
      'us-chi',
      'us-dal',
      'us-nwk',
    ]);
    expect(new Set(c.sites.map((s) => s.country))).toEqual(new Set(['US', 'CA', 'MX']));
    expect(new Set(c.sites.map((s) => s.connector.kind))).toEqual(new Set(['http', 'csv', 'sdk']));
    expect(c.subscribers.map((s) => s.id).sort()).toEqual([
      'analytics',
      'central-erp',
      'customer-notifications',
      'finance',
      'tms',
    ]);
    expect(c.subscriberById.analytics!.sink.kind).toBe('kafka');
    expect(c.routes.find((r) => r.to.includes('analytics'))?.match).toEqual({});
  });

  it('applies the documented defaults and freezes the result', () => {
    const c = loadConfigText(stringify(minimal()));
    expect(c.hub.topicPrefix).toBe('cd');
    expect(c.hub.router).toMatchObject({
      groupId: 'cd-router',
      sendUnrouted: true,
      maxEventBytes: 262144,
      maxFutureSkewMs: 300000,
    });
    expect(c.sites[0]!.groups).toEqual(['north']);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.hub.router)).toBe(true);
    expect(Object.isFrozen(c.routes[0]!.to)).toBe(true);
  });

  it('redis.waitReplicas: no WAIT by default; a count and timeout are taken, out-of-range values refused', () => {
    expect(loadConfigText(stringify(minimal())).redis).toEqual({
      durability: 'required',
      waitReplicas: 0,
      waitTimeoutMs: 100,
    });
    expect(replicaAckOf(loadConfigText(stringify(minimal())).redis)).toBeUndefined();
    const waiting = loadConfigText(
      stringify({ ...minimal(), redis: { waitReplicas: 1, waitTimeoutMs: 250 } }),
    );
    expect(waiting.redis).toMatchObject({ waitReplicas: 1, waitTimeoutMs: 250 });
    expect(replicaAckOf(waiting.redis)).toEqual({ replicas: 1, timeoutMs: 250 });
    const res = checkConfigText(
      stringify({ ...minimal(), redis: { waitReplicas: -1, waitTimeoutMs: 0 } }),
      'hub.yaml',
    );
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => p.path).sort()).toEqual(['redis.waitReplicas', 'redis.waitTimeoutMs']);
  });

  it('reports every problem at once, schema and cross-references, each with path, line and reason', () => {
    const doc = minimal() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    doc.hub = { topicPrefix: 'Bad Prefix' };
    doc.sites.push({ id: 'us-chi', name: 'Dup', country: 'USA', connector: { kind: 'sdk' }, colour: 'red' });
    doc.routes.push({
      name: 'r2',
      match: { groups: ['west'], fields: [{ field: 'a', equals: 1, in: [1] }] },
      to: ['nobody'],
    });
    doc.rules = { OrderReleased: [{ name: 'bad', schema: { type: 'objekt' } }] };
    const res = checkConfigText(stringify(doc), 'hub.yaml');
    expect(res.ok).toBe(false);
    const byPath = Object.fromEntries(res.problems.map((p) => [p.path, p.message]));
    expect(Object.keys(byPath).sort()).toEqual(
      [
        'hub.topicPrefix',
        'sites[1].country',
        'sites[1].colour',
        'sites[1].id',
        'routes[1].match.fields[0]',
        'routes[1].match.groups[0]',
        'routes[1].to[0]',
        'rules.OrderReleased[0].schema',
      ].sort(),
    );
    expect(byPath['sites[1].id']).toContain('duplicate site id "us-chi"');
    expect(byPath['routes[1].to[0]']).toContain('subscriber "nobody"');
    expect(byPath['sites[1].colour']).toBe('is not a known property here');
    expect(res.problems.every((p) => typeof p.line === 'number' && p.line > 0)).toBe(true);
  });

  it('throws CD_E_CONFIG_INVALID with details.problems, so the process refuses to start', () => {
    try {
      loadConfigText(stringify({ ...minimal(), routes: [{ name: 'x', match: {}, to: ['ghost'] }] }));
      throw new Error('should have thrown');
    } catch (err) {
      expect(isCrossdockError(err) && err.code).toBe('CD_E_CONFIG_INVALID');
      expect((err as { details: { problems: unknown[] } }).details.problems).toEqual([
        { path: 'routes[0].to[0]', message: expect.stringContaining('ghost'), line: expect.any(Number) },
      ]);
    }
  });

  it('reports YAML syntax errors with their line', () => {
    const res = checkConfigText('sites:\n  - id: [unclosed\n');
    expect(res.ok).toBe(false);
    expect(res.problems[0]).toMatchObject({ path: '(yaml)', line: expect.any(Number) });
  });

  it('names topics as docs/design.md says, with the configured prefix', () => {
    const c = loadConfigText(stringify({ ...minimal(), hub: { topicPrefix: 'acme' } }));
    const t = topics(c);
    expect([t.ingress('us-chi'), t.deliver('erp'), t.dlqRouter, t.dlqDeliver('erp'), t.unrouted]).toEqual([
      'acme.ingress.us-chi',
      'acme.deliver.erp',
      'acme.dlq.router',
      'acme.dlq.deliver.erp',
      'acme.unrouted',
    ]);
    expect(t.ingressPattern.test('acme.ingress.us-chi')).toBe(true);
    expect(t.ingressPattern.test('acmeXingress.us-chi')).toBe(false);
    expect(t.ingressPattern.test('acme.deliver.erp')).toBe(false);
    expect(t.siteOfIngress('acme.ingress.mx-mty')).toBe('mx-mty');
    expect(t.flowAlerts).toBe('acme.flow.alerts');
    expect(t.siteOfRouted('acme.flow.alerts')).toBe('crossdock');
    expect(t.siteOfRouted('acme.ingress.mx-mty')).toBe('mx-mty');
    expect(t.siteOfRouted('acme.ingress.crossdock')).toBe('crossdock');
    expect(t.siteOfRouted('acme.audit')).toBeUndefined();
    expect(requiredTopics(c).sort()).toEqual([
      'acme.audit',
      'acme.deliver.analytics',
      'acme.dlq.deliver.analytics',
      'acme.dlq.router',
      'acme.dlq.state',
      'acme.flow.alerts',
      'acme.ingress.us-chi',
      'acme.unrouted',
    ]);
  });

  it('ships the JSON Schema as a file that matches the TypeScript source', () => {
    expect(fs.readFileSync(path.join(root, SCHEMA_JSON_FILE), 'utf8')).toBe(renderHubSchemaFile());
  });
});
