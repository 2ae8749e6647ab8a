import { isCrossdockError } from '../../../core/errors';
import { resolveEndpoints, stackPorts } from '../../../core/env';
import path from 'node:path';
import { loadConfig } from '../../../hub';
import {
  assertReplicationFits,
  createTopicsWithLeaders,
  replicationOf,
} from '../../../core/topic-replication';
import { brokerProperties, kafkaNodes, THREE_NODE_DEFAULTS } from '../../../stack/kafka-config';
import { clusterBrokers, clusterNodes } from '../../../stack/kafka-cluster';
import { brokerCount } from '../../../stack/lifecycle';
import { registrySystemProperties } from '../../../stack/registry';

const admin = { name: 'admin', password: 'pw' };
const security = { superUsers: ['admin'], internalUser: admin };

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return isCrossdockError(err) ? err.code : String(err);
  }
  return undefined;
}

describe('three-broker stack (stack up --brokers 3)', () => {
  it('node k listens on each of the single broker ports + (k-1) x the step', () => {
    const nodes = clusterNodes(stackPorts({}));
    expect(nodes.map((n) => n.ports)).toEqual([
      { plaintext: 19092, controller: 19093, sasl: 19094 },
      { plaintext: 19102, controller: 19103, sasl: 19104 },
      { plaintext: 19112, controller: 19113, sasl: 19114 },
    ]);
    const moved = clusterNodes(
      stackPorts({ CROSSDOCK_KAFKA_PORT: '29092', CROSSDOCK_KAFKA_NODE_PORT_STEP: '3' }),
    );
    expect(moved.map((n) => n.ports.plaintext)).toEqual([29092, 29095, 29098]);
  });

  it('every node is broker and controller, with all three voters, its own id and replication 3 / min ISR 2', () => {
    const nodes = kafkaNodes({ plaintext: 1000, controller: 1001, sasl: 1002 }, 3, 10);
    const props = brokerProperties(nodes[1]!.ports, '/data/node-2', security, { nodeId: 2, nodes });
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('node.id')).toBe('2');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:1001,2@127.0.0.1:1011,3@127.0.0.1:1021');
    expect(props.get('listeners')).toContain('PLAINTEXT://127.0.0.1:1010');
    expect(props.get('listeners')).toContain('SASL_PLAINTEXT://127.0.0.1:1012');
    for (const [k, v] of THREE_NODE_DEFAULTS) expect(props.get(k)).toBe(v);
    expect(props.get('default.replication.factor')).toBe('3');
    expect(props.get('min.insync.replicas')).toBe('2');
    expect(props.get('offsets.topic.replication.factor')).toBe('3');
    expect(props.get('transaction.state.log.replication.factor')).toBe('3');
    expect(props.get('transaction.state.log.min.isr')).toBe('2');
    // The single broker keeps its settings.
    const single = brokerProperties(nodes[0]!.ports, '/d', security);
    expect(single.get('node.id')).toBe('1');
    expect(single.get('controller.quorum.voters')).toBe('1@127.0.0.1:1001');
    expect(single.get('offsets.topic.replication.factor')).toBe('1');
    expect(single.has('default.replication.factor')).toBe(false);
  });

  it('the endpoints name every broker while the cluster is recorded; the variables still win', () => {
    const state = {
      clusterId: 'x',
      nodes: [1, 2, 3].map((id) => ({
        pid: id,
        logFile: '',
        startedAt: '',
        id,
        plaintext: 19082 + 10 * id,
        controller: 19083 + 10 * id,
        sasl: 19084 + 10 * id,
      })),
    };
    const e = resolveEndpoints({}, clusterBrokers(state));
    expect(e.kafkaBrokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19102', '127.0.0.1:19112']);
    expect(e.kafkaSaslBrokers).toEqual(['127.0.0.1:19094', '127.0.0.1:19104', '127.0.0.1:19114']);
    expect(e.external.kafka).toBe(false);
    expect(resolveEndpoints({ CROSSDOCK_KAFKA_BROKERS: 'k:1' }, clusterBrokers(state)).kafkaBrokers).toEqual([
      'k:1',
    ]);
    expect(resolveEndpoints({}).kafkaBrokers).toEqual(['127.0.0.1:19092']);
  });

  it('--brokers takes 1 or 3 and refuses 3 when CROSSDOCK_KAFKA_BROKERS names a Kafka of yours', () => {
    expect(brokerCount(undefined, {}, {})).toBe(1);
    expect(brokerCount(3, {}, {})).toBe(3);
    expect(brokerCount(undefined, { kafkaCluster: { clusterId: 'x', nodes: [] } }, {})).toBe(3);
    expect(brokerCount(1, { kafkaCluster: { clusterId: 'x', nodes: [] } }, {})).toBe(1);
    expect(code(() => brokerCount(2, {}, {}))).toBe('CD_E_STACK_BROKERS_INVALID');
    expect(code(() => brokerCount(3, {}, { CROSSDOCK_KAFKA_BROKERS: 'k:1' }))).toBe(
      'CD_E_STACK_BROKERS_EXTERNAL',
    );
  });

  it("the registry's command line is unchanged for one broker", () => {
    const ports = stackPorts({});
    expect(registrySystemProperties(ports, ['b:1'])).toEqual(registrySystemProperties(ports, ['b:1'], 1));
    expect(registrySystemProperties(ports, ['b:1'], 3)).toContain('-Dcrossdock.brokers=3');
  });
});

describe('replication factor against the brokers running', () => {
  const cluster = (n: number) => ({
    describeCluster: async () => ({
      brokers: Array.from({ length: n }, (_, i) => ({ nodeId: i + 1, host: '127.0.0.1', port: 9092 + i })),
      controller: 1,
      clusterId: 'c',
    }),
  });

  it('passes when the factor fits, and refuses a factor above the brokers with a coded error', async () => {
    await expect(
      assertReplicationFits(cluster(3), 3, 'hub.topics.replicationFactor', ['t']),
    ).resolves.toBeUndefined();
    await expect(
      assertReplicationFits(cluster(1), 1, 'hub.topics.replicationFactor', ['t']),
    ).resolves.toBeUndefined();
    const err = await assertReplicationFits(cluster(1), 3, 'hub.topics.replicationFactor', [
      'cd.ingress.a',
    ]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCrossdockError(err) && err.code).toBe('CD_E_TOPIC_REPLICATION_TOO_HIGH');
    expect(String((err as Error).message)).toMatch(
      /hub\.topics\.replicationFactor is 3, but the Kafka cluster has 1 broker/,
    );
  });
});

describe("hub.topics.replicationFactor unset: the brokers' default", () => {
  it('is unset by default, asks Kafka for -1 (default.replication.factor) and is not checked against the brokers', async () => {
    // The example configuration leaves it unset.
    const config = loadConfig(path.join(__dirname, '../../../examples/hub.yaml'));
    expect(config.hub.topics).toEqual({ partitions: 6 });
    expect(replicationOf(config.hub.topics.replicationFactor)).toBe(-1);
    expect(replicationOf(3)).toBe(3);
    const asked: string[] = [];
    const admin = {
      describeCluster: async () => {
        asked.push('describeCluster');
        return { brokers: [], controller: 1, clusterId: 'c' };
      },
    };
    await expect(
      assertReplicationFits(admin, undefined, 'hub.topics.replicationFactor', ['t']),
    ).resolves.toBeUndefined();
    expect(asked).toEqual([]);
  });
});

describe('createTopicsWithLeaders', () => {
  it('waits out "not yet" metadata answers of another broker, and rethrows anything else', async () => {
    let asked = 0;
    const admin = {
      createTopics: async () => true,
      fetchTopicMetadata: async () => {
        asked++;
        if (asked < 3) throw Object.assign(new Error('not hosted'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
        return { topics: [{ name: 't', partitions: [{ partitionId: 0, leader: asked < 4 ? -1 : 2 }] }] };
      },
    } as unknown as Parameters<typeof createTopicsWithLeaders>[0];
    await expect(createTopicsWithLeaders(admin, [{ topic: 't' }], 5000)).resolves.toBe(true);
    expect(asked).toBe(4);
    const broken = {
      createTopics: async () => true,
      fetchTopicMetadata: async () => {
        throw Object.assign(new Error('denied'), { type: 'TOPIC_AUTHORIZATION_FAILED' });
      },
    } as unknown as Parameters<typeof createTopicsWithLeaders>[0];
    await expect(createTopicsWithLeaders(broken, [{ topic: 't' }], 5000)).rejects.toThrow('denied');
  });
});
