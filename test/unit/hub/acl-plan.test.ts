import { stringify } from 'yaml';
import { requiredTopics, topics } from '../../../core/names/topics';
import { aclPlanLines, loadConfigText, planAcls, type PlannedAcl } from '../../../hub';

const config = loadConfigText(
  stringify({
    hub: { topicPrefix: 'p1', router: { groupId: 'p1-router' } },
    sites: [
      { id: 'us-atl', name: 'Atlanta', country: 'US', connector: { kind: 'sdk' } },
      {
        id: 'us-chi',
        name: 'Chicago',
        country: 'US',
        connector: { kind: 'http', keys: [{ id: 'key-1', secretEnv: 'CROSSDOCK_KEY_US_CHI' }] },
      },
    ],
    subscribers: [
      {
        id: 'erp',
        sink: { kind: 'http', url: 'https://erp.example/hook', secrets: ['${ERP_SECRET_NOT_SET}'] },
      },
      { id: 'lake', sink: { kind: 'kafka' } },
      { id: 'other', sink: { kind: 'kafka', topic: 'elsewhere', brokers: ['other:9092'] } },
    ],
    routes: [{ name: 'all', match: {}, to: ['erp', 'lake', 'other'] }],
    rules: {},
  }),
);
const t = topics(config);
const ops = (acls: PlannedAcl[], type: string, name: string) =>
  acls.filter((a) => a.resourceType === type && a.resourceName === name).map((a) => a.operation);

describe('acl plan', () => {
  const plan = planAcls(config, { principal: 'User:hub', env: {} });

  it('CREATE on every topic the hub creates, and on the catalog', () => {
    for (const topic of [...requiredTopics(config), t.catalog])
      expect(ops(plan.acls, 'TOPIC', topic)).toContain('CREATE');
  });

  it('per site: the router reads; only sources that publish for the site and replay write', () => {
    expect(ops(plan.acls, 'TOPIC', t.ingress('us-atl'))).toEqual(['CREATE', 'READ', 'WRITE']);
    expect(
      plan.acls.find((a) => a.resourceName === t.ingress('us-atl') && a.operation === 'WRITE')?.why,
    ).toEqual(['replay: re-sends a router dead letter to its ingress topic']);
    expect(
      plan.acls.find((a) => a.resourceName === t.ingress('us-chi') && a.operation === 'WRITE')?.why,
    ).toContain('sources: http ingest publishes for the site');
  });

  it("the router reads the flow alerts topic (the hub's own site), which start creates", () => {
    expect(t.flowAlerts).toBe('p1.flow.alerts');
    expect(ops(plan.acls, 'TOPIC', t.flowAlerts)).toEqual(expect.arrayContaining(['CREATE', 'READ']));
    expect(plan.acls.find((a) => a.resourceName === t.flowAlerts && a.operation === 'WRITE')?.why).toContain(
      'replay: re-sends a router dead letter of a flow alert to its topic',
    );
    expect(plan.acls.find((a) => a.resourceName === t.flowAlerts && a.operation === 'READ')?.why).toContain(
      "router: consumes the flow alerts (the hub's own site crossdock)",
    );
  });

  it('per subscriber: deliver read and write, its dead letters, its group; a Kafka sink on the hub cluster only', () => {
    for (const sub of ['erp', 'lake', 'other']) {
      expect(ops(plan.acls, 'TOPIC', t.deliver(sub))).toEqual(['CREATE', 'READ', 'WRITE']);
      expect(ops(plan.acls, 'TOPIC', t.dlqDeliver(sub))).toEqual(['CREATE', 'READ', 'WRITE']);
      expect(ops(plan.acls, 'GROUP', `p1-connector-${sub}`)).toEqual(['READ']);
    }
    expect(ops(plan.acls, 'TOPIC', t.sink('lake'))).toEqual(['CREATE', 'WRITE']);
    expect(plan.acls.some((a) => a.resourceName === 'elsewhere')).toBe(false);
  });

  it("the router's group and transactional ids, the follower and reader groups, no cluster operation", () => {
    expect(ops(plan.acls, 'GROUP', 'p1-router')).toEqual(['READ']);
    expect(plan.acls.filter((a) => a.resourceType === 'TRANSACTIONAL_ID')).toEqual([
      expect.objectContaining({ resourceName: 'p1-router-', patternType: 'PREFIXED', operation: 'WRITE' }),
    ]);
    expect(ops(plan.acls, 'GROUP', 'p1.catalog.follower.')).toEqual(['DELETE', 'READ']);
    expect(ops(plan.acls, 'GROUP', t.dlqIndexerGroup)).toEqual(['READ']);
    expect(plan.acls.some((a) => a.resourceType === 'CLUSTER')).toBe(false);
    expect(plan.acls.some((a) => a.resourceName === 'crossdock-csv-recovery-')).toBe(false);
    expect(
      planAcls(config, { env: { CROSSDOCK_ROUTER_INSTANCE: 'router-a' } }).acls.find(
        (a) => a.resourceType === 'TRANSACTIONAL_ID',
      )?.resourceName,
    ).toBe('router-a');
  });

  it('every literal name is under the prefix; nothing is granted twice', () => {
    const literal = plan.acls.filter((a) => a.patternType === 'LITERAL');
    expect(literal.every((a) => a.resourceName.startsWith('p1.') || a.resourceName.startsWith('p1-'))).toBe(
      true,
    );
    const keys = plan.acls.map((a) => `${a.resourceType} ${a.patternType} ${a.resourceName} ${a.operation}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('prints one kafka-acls.sh command per resource', () => {
    const lines = aclPlanLines(plan, 'k1:9093');
    expect(lines).toContain(
      "kafka-acls.sh --bootstrap-server k1:9093 --command-config admin.properties --add --allow-principal 'User:hub' --operation Write --transactional-id 'p1-router-' --resource-pattern-type prefixed",
    );
    expect(lines).toContain(
      "kafka-acls.sh --bootstrap-server k1:9093 --command-config admin.properties --add --allow-principal 'User:hub' --operation Create --operation Read --operation Write --topic 'p1.ingress.us-atl' --resource-pattern-type literal",
    );
    expect(new Set(plan.acls.map((a) => `${a.resourceType} ${a.resourceName}`)).size).toBe(lines.length);
  });
});
