import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
  type Kafka,
} from 'kafkajs';
import { stringify } from 'yaml';
import type { KafkaConnection } from '../../../core/connection';
import type { Endpoints } from '../../../core/env';
import { createHealthServer } from '../../../core/health';
import { createKafka } from '../../../core/kafka';
import { silentLogger } from '../../../core/logger';
import { topics } from '../../../core/names/topics';
import { sinkConnectorComponent } from '../../../connectors/sinks';
import { createSiteProducer } from '../../../connectors/sdk';
import { dlqIndexerComponent } from '../../../dlq';
import { createFlowTracker, type IngressFact } from '../../../flows';
import { applyAclPlan, loadConfigText, planAcls, type AclPlan } from '../../../hub';
import { createRouter } from '../../../router';
import {
  businessKey,
  encodeEvent,
  exampleEvent,
  loadCatalog,
  publishCatalog,
  pushSchemas,
} from '../../../schemas';
import { readCredentials, stackPaths } from '../../../stack';
import { atlOrderReleased } from '../../helpers/orders';
import { eventually, randomName, testEndpoints } from '../../helpers/stack';
import type { HubComponent } from '../../../core/component';

/**
 * `crossdock acl plan` is sufficient: a principal that is no super user, holding only the plan's
 * ACLs, runs the router, a connector and the dead-letter indexer for a prefix of its own on the
 * stack's SASL listener, and an event flows from the ingress topic to the subscriber's Kafka sink.
 * A topic outside the plan is refused (TOPIC_AUTHORIZATION_FAILED), to write and to create.
 */

const endpoints = testEndpoints();
const users = readCredentials(stackPaths())?.users ?? [];
const login = (name: string): KafkaConnection => {
  const user = users.find((u) => u.name === name);
  if (!user) throw new Error(`no SCRAM credentials for ${name} in ${stackPaths().credentialsFile}`);
  return {
    brokers: endpoints.kafkaSaslBrokers,
    sasl: { mechanism: 'scram-sha-512', username: user.name, password: user.password },
  };
};
// A demo site's user: never a super user of the stack, and it holds no ACL on this test's prefix.
const HUB_USER = 'site-mx-gdl';

/** The kafkajs error types (else name: message) of an error, its causes and aggregated errors. */
function errorTypes(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 8) return [];
  const x = err as { type?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  return [
    typeof x.type === 'string' ? x.type : `${String(x.name)}: ${String(x.message)}`,
    ...(Array.isArray(x.errors) ? x.errors.flatMap((e) => errorTypes(e, depth + 1)) : []),
    ...errorTypes(x.cause, depth + 1),
  ];
}

describe('acl plan: the hub runs with only the planned ACLs (real broker, SCRAM)', () => {
  const prefix = randomName('acl').replace(/-/g, '');
  const config = loadConfigText(
    stringify({
      hub: {
        topicPrefix: prefix,
        topics: { partitions: 1, replicationFactor: 1 },
        router: { groupId: `${prefix}-router`, maxWaitTimeInMs: 50 },
      },
      sites: [{ id: 'us-atl', name: 'Atlanta', country: 'US', connector: { kind: 'sdk' } }],
      subscribers: [{ id: 'wh', sink: { kind: 'kafka' } }],
      routes: [{ name: 'all', match: {}, to: ['wh'] }],
      rules: {},
    }),
  );
  const t = topics(config);
  const hubEndpoints: Endpoints = {
    ...endpoints,
    kafka: login(HUB_USER),
    kafkaBrokers: endpoints.kafkaSaslBrokers,
  };
  const adminKafka: Kafka = createKafka({ clientId: randomName('acl-admin'), connection: login('admin') });
  const hubKafka: Kafka = createKafka({ clientId: randomName('acl-hub'), connection: hubEndpoints.kafka });
  const admin: Admin = adminKafka.admin();
  const plan: AclPlan = planAcls(config, { principal: `User:${HUB_USER}` });
  const running: HubComponent[] = [];
  const health = createHealthServer(undefined, { defaultMetrics: false });

  beforeAll(async () => {
    await admin.connect();
    await pushSchemas({ registry: endpoints.registry });
    await applyAclPlan(admin, plan);
  });

  afterAll(async () => {
    for (const c of running.reverse()) await c.stop().catch(() => undefined);
    await admin
      .deleteAcls({
        filters: plan.acls.map((a) => ({
          resourceType: AclResourceTypes[a.resourceType],
          resourceName: a.resourceName,
          resourcePatternType: ResourcePatternTypes[a.patternType],
          principal: plan.principal,
          host: plan.host,
          operation: AclOperationTypes[a.operation],
          permissionType: AclPermissionTypes.ALLOW,
        })),
      })
      .catch(() => undefined);
    const mine = (await admin.listTopics()).filter((x) => x.startsWith(`${prefix}.`));
    if (mine.length) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
  });

  it('plans literal topics and groups of this prefix and a prefixed transactional id', () => {
    const has = (type: string, name: string, op: string, pattern = 'LITERAL') =>
      plan.acls.some(
        (a) =>
          a.resourceType === type &&
          a.resourceName === name &&
          a.operation === op &&
          a.patternType === pattern,
      );
    expect(has('TOPIC', t.ingress('us-atl'), 'READ')).toBe(true);
    expect(has('TOPIC', t.flowAlerts, 'READ')).toBe(true);
    expect(has('TOPIC', t.deliver('wh'), 'WRITE')).toBe(true);
    expect(has('TOPIC', t.deliver('wh'), 'READ')).toBe(true);
    expect(has('TOPIC', t.dlqDeliver('wh'), 'WRITE')).toBe(true);
    expect(has('GROUP', `${prefix}-router`, 'READ')).toBe(true);
    expect(has('GROUP', `${prefix}-connector-wh`, 'READ')).toBe(true);
    expect(has('GROUP', t.dlqIndexerGroup, 'READ')).toBe(true);
    expect(has('TRANSACTIONAL_ID', `${prefix}-router-`, 'WRITE', 'PREFIXED')).toBe(true);
    expect(plan.acls.some((a) => a.resourceType === 'CLUSTER')).toBe(false);
    expect(plan.acls.every((a) => a.resourceName.startsWith(prefix) || a.patternType === 'PREFIXED')).toBe(
      true,
    );
  });

  it('router, connector and dead-letter indexer run as that principal; an event reaches the sink', async () => {
    // What `crossdock start` does before the components: the catalog, then the topics (router).
    // The first call waits for the new ACLs to reach the broker's authorizer.
    await eventually(
      () =>
        publishCatalog({
          kafka: hubKafka,
          topic: t.catalog,
          entries: loadCatalog().entries,
          replicationFactor: config.hub.topics.replicationFactor,
        }).then(
          () => true,
          () => false,
        ),
      'the catalog published as the hub principal',
      20000,
    );
    const deps = { endpoints: hubEndpoints, logger: silentLogger(), health };
    const redisPrefix = `${prefix}:`;
    const router = createRouter({ ...deps, config, redisPrefix, sessionTimeoutMs: 6000 });
    await router.start();
    running.push(router);
    const connector = sinkConnectorComponent(config.subscribers[0]!, deps, { topicPrefix: prefix });
    await connector.start();
    running.push(connector);
    const indexer = dlqIndexerComponent({ ...deps, config: () => config, redisPrefix });
    await indexer.start();
    running.push(indexer);
    // The flow tracker's feed: its group, its dead-letter reader's group and the router group's offsets.
    const facts: IngressFact[] = [];
    const tracker = createFlowTracker({
      ...deps,
      config,
      redisPrefix,
      sinks: [{ onFacts: async (f) => void facts.push(...f) }],
      sessionTimeoutMs: 6000,
    });
    await tracker.start();
    running.push(tracker);

    // The site publishes (as the stack's admin here: the site's own ACLs are for the `cd` prefix).
    const site = createSiteProducer({
      siteId: 'us-atl',
      brokers: endpoints.kafkaSaslBrokers,
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: login('admin').sasl!.password },
      registryUrl: endpoints.registryUrl,
      topicPrefix: prefix,
      sourceSystem: 'atl-wms',
    });
    await site.connect();
    try {
      await site.events.OrderReleased(atlOrderReleased('ACL-1'));
    } finally {
      await site.disconnect();
    }
    await eventually(
      async () =>
        (await admin.fetchTopicOffsets(t.sink('wh')).catch(() => [])).reduce(
          (n, p) => n + Number(p.high),
          0,
        ) >= 1,
      'the event at the Kafka sink',
      60000,
    );
    expect(await admin.fetchTopicOffsets(t.dlqRouter)).toEqual([expect.objectContaining({ high: '0' })]);
    await eventually(() => facts.length >= 1, 'the flow tracker to hand the fact of the event', 60000);
    expect(facts.map((f) => [f.siteId, f.eventType, f.outcome])).toEqual([
      ['us-atl', 'OrderReleased', 'accepted'],
    ]);

    // The router's principal reads the flow alerts topic too (the hub's own site): an alert
    // written there (as the stack's admin) reaches the same sink through the catch-all route.
    const alertEntry = loadCatalog().byEventType('FlowAlertRaised')!;
    const alert = exampleEvent('FlowAlertRaised');
    const alertProducer = adminKafka.producer();
    await alertProducer.connect();
    try {
      await alertProducer.send({
        topic: t.flowAlerts,
        acks: -1,
        messages: [
          {
            key: businessKey(alertEntry, alert),
            value: await encodeEvent(endpoints.registryUrl, alertEntry, undefined, alert),
          },
        ],
      });
    } finally {
      await alertProducer.disconnect();
    }
    await eventually(
      async () =>
        (await admin.fetchTopicOffsets(t.sink('wh')).catch(() => [])).reduce(
          (n, p) => n + Number(p.high),
          0,
        ) >= 2,
      'the flow alert at the Kafka sink',
      60000,
    );
    expect(await admin.fetchTopicOffsets(t.dlqRouter)).toEqual([expect.objectContaining({ high: '0' })]);
  });

  it('refuses a topic outside the plan', async () => {
    const outside = `${prefix}.outside`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: outside, numPartitions: 1 }] });
    const producer = hubKafka.producer({ retry: { retries: 1 } });
    await producer.connect();
    try {
      const refused = await producer.send({ topic: outside, messages: [{ value: 'x' }] }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(errorTypes(refused)).toContain('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await producer.disconnect();
    }
    // Nor may it create a topic the plan does not name.
    const hubAdmin = hubKafka.admin({ retry: { retries: 1 } });
    await hubAdmin.connect();
    try {
      const notCreated = await hubAdmin
        .createTopics({ topics: [{ topic: `${prefix}.not-planned`, numPartitions: 1 }] })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(errorTypes(notCreated)).toContain('TOPIC_AUTHORIZATION_FAILED');
    } finally {
      await hubAdmin.disconnect();
    }
  });
});
