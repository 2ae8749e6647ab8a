import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type KafkaConfig,
} from 'kafkajs';
import { grantSiteAcls } from '../../../connectors/sources/onboarding';
import { ingressTopic } from '../../../core/names/topics';
import { down, readCredentials, stackPaths, up, type UpResult } from '../../../stack';
import { freePort } from '../../../stack/proc';
import { createTopics, eventually, randomName } from '../../helpers/stack';

/**
 * "No anonymous access beyond 127.0.0.1" on a fresh stack of this test's own (temporary home, free
 * ports, its own redis-server): the listeners it really opens, the principals the broker really
 * authorizes. The shared stack is not touched.
 */
describe('no anonymous access beyond 127.0.0.1 (own fresh stack)', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'crossdock-noanon-'));
  let env: NodeJS.ProcessEnv;
  let res: UpResult;
  let props: Map<string, string>;
  let stackPortList: Array<[string, number]>;
  const kafkas: Kafka[] = [];
  const prefix = randomName('na');

  const password = (user: string) => {
    const u = readCredentials(stackPaths(env))?.users.find((x) => x.name === user);
    if (!u) throw new Error(`no credentials for ${user} in ${stackPaths(env).credentialsFile}`);
    return u.password;
  };
  const kafka = (config: Omit<KafkaConfig, 'logLevel' | 'clientId'>) => {
    const k = new Kafka({ clientId: randomName('noanon'), logLevel: logLevel.NOTHING, ...config });
    kafkas.push(k);
    return k;
  };
  const plaintext = () => kafka({ brokers: res.endpoints.kafkaBrokers });
  const sasl = (username: string, pass: string) =>
    kafka({
      brokers: res.endpoints.kafkaSaslBrokers,
      sasl: { mechanism: 'scram-sha-512', username, password: pass },
      // kafkajs needs a retry to find a group coordinator at all; a refused login is not retried.
      retry: { retries: 2 },
      connectionTimeout: 5000,
      authenticationTimeout: 5000,
    });
  /** Where a TCP connection ends: 'open', or the error code (ECONNREFUSED for a port nobody listens on). */
  const connectOutcome = (host: string, port: number) =>
    new Promise<string>((resolve) => {
      const socket = net.connect({ host, port });
      const done = (outcome: string) => {
        socket.destroy();
        resolve(outcome);
      };
      socket.setTimeout(3000, () => done('timeout'));
      socket.once('connect', () => done('open'));
      socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    });

  beforeAll(async () => {
    const [kafkaPort, controller, saslPort, registry, management, redis] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );
    env = {
      ...process.env,
      CROSSDOCK_HOME: home,
      CROSSDOCK_CACHE_DIR: stackPaths().cache,
      CROSSDOCK_KAFKA_PORT: String(kafkaPort),
      CROSSDOCK_KAFKA_CONTROLLER_PORT: String(controller),
      CROSSDOCK_KAFKA_SASL_PORT: String(saslPort),
      CROSSDOCK_REGISTRY_PORT: String(registry),
      CROSSDOCK_REGISTRY_MANAGEMENT_PORT: String(management),
      CROSSDOCK_REDIS_PORT: String(redis),
    };
    for (const name of [
      'CROSSDOCK_KAFKA_BROKERS',
      'CROSSDOCK_KAFKA_SASL_BROKERS',
      'CROSSDOCK_REGISTRY_URL',
      'REDIS_URL',
    ])
      delete env[name];
    res = await up({ env, timeoutMs: 240000 });
    stackPortList = [
      ['Kafka PLAINTEXT', kafkaPort!],
      ['Kafka controller', controller!],
      ['Kafka SASL', saslPort!],
      ['registry', registry!],
      ['registry management', management!],
      ['Redis', redis!],
    ];
    const text = fs.readFileSync(path.join(stackPaths(env).stackDir, 'server.properties'), 'utf8');
    props = new Map(
      text
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  }, 360000);

  afterAll(async () => {
    await down({ env, purge: true }).catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('starts every part of its own (Kafka, registry and Redis)', () => {
    expect(res.parts.map((p) => [p.part, p.up, p.owner])).toEqual([
      ['kafka', true, 'stack'],
      ['registry', true, 'stack'],
      ['redis', true, 'stack'],
    ]);
  });

  it('binds every listener server.properties declares, and every other stack port, to 127.0.0.1 only', async () => {
    const listeners = props.get('listeners')!.split(',');
    expect(listeners.map((l) => l.split('://')[0]).sort()).toEqual([
      'CONTROLLER',
      'PLAINTEXT',
      'SASL_PLAINTEXT',
    ]);
    for (const l of listeners) expect(new URL(l.replace(/^[A-Z_]+:/, 'tcp:')).hostname).toBe('127.0.0.1');
    const declared = listeners.map((l) => Number(l.split(':').pop()));
    expect(declared.sort()).toEqual(
      stackPortList
        .slice(0, 3)
        .map(([, p]) => p)
        .sort(),
    );

    // Every address of this machine that is not loopback, and a loopback address that is not 127.0.0.1.
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => Boolean(a) && !a!.internal)
      .filter((a) => !(a.family === 'IPv6' && a.address.startsWith('fe80')))
      .map((a) => a.address);
    const hosts = ['127.0.0.2', ...others];
    for (const [name, port] of stackPortList) {
      expect([name, await connectOutcome('127.0.0.1', port)]).toEqual([name, 'open']);
      for (const host of hosts)
        expect([name, host, await connectOutcome(host, port)]).toEqual([name, host, 'ECONNREFUSED']);
    }
  });

  it('makes admin the only super user: no ANONYMOUS, no hub', async () => {
    expect(props.get('super.users')).toBe('User:admin');
    expect(props.get('allow.everyone.if.no.acl.found')).toBe('false');
    // hub logs in, but without ACLs of its own it may not create a topic nor read a group.
    const hub = sasl('hub', password('hub')).admin();
    await hub.connect();
    try {
      await expect(
        hub.createTopics({ topics: [{ topic: `${prefix}.hub-try`, numPartitions: 1 }] }),
      ).rejects.toThrow(/authoriz|Topic creation errors/i);
      await expect(
        hub.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
      ).rejects.toThrow(/authoriz/i);
    } finally {
      await hub.disconnect();
    }
  });

  describe('with a topic and a group that hold data', () => {
    const topic = `${prefix}.data`;
    const groupId = `${prefix}-group`;
    const siteTopic = ingressTopic(prefix, 'us-chi');
    const otherSiteTopic = ingressTopic(prefix, 'us-dal');

    beforeAll(async () => {
      const admin = plaintext().admin();
      await admin.connect();
      try {
        await createTopics(admin, [topic, siteTopic, otherSiteTopic]);
        await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] });
        await grantSiteAcls(admin, prefix, 'us-chi');
      } finally {
        await admin.disconnect();
      }
    });

    it('lets ANONYMOUS from 127.0.0.1 work on PLAINTEXT (local tools, tests): produce, transactions, a group', async () => {
      const k = plaintext();
      const producer = k.producer({
        transactionalId: randomName('tx'),
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      const tx = await producer.transaction();
      await tx.send({ topic, messages: [{ key: 'k', value: 'anonymous on loopback' }] });
      await tx.commit();
      await producer.disconnect();
      const consumer = k.consumer({ groupId: randomName('na-read') });
      const seen: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      await eventually(() => seen.length === 1, 'the committed message');
      await consumer.disconnect();
      expect(seen).toEqual(['anonymous on loopback']);
    });

    it('gives ANONYMOUS its rights only through ACLs restricted to host 127.0.0.1', async () => {
      const admin = sasl('admin', password('admin')).admin();
      await admin.connect();
      try {
        const { resources } = await admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal: 'User:ANONYMOUS',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        });
        const bindings = resources.flatMap((r) =>
          r.acls.map((a) => [r.resourceType, r.resourceName, a.host, a.operation, a.permissionType]),
        );
        expect(bindings.sort()).toEqual(
          [
            [AclResourceTypes.TOPIC, '*'],
            [AclResourceTypes.GROUP, '*'],
            [AclResourceTypes.TRANSACTIONAL_ID, '*'],
            [AclResourceTypes.CLUSTER, 'kafka-cluster'],
          ]
            .map(([type, name]) => [type, name, '127.0.0.1', AclOperationTypes.ALL, AclPermissionTypes.ALLOW])
            .sort(),
        );
      } finally {
        await admin.disconnect();
      }
    });

    it('refuses the SASL listener to a client without credentials or with wrong ones: no produce, no group read', async () => {
      const noCredentials = kafka({
        brokers: res.endpoints.kafkaSaslBrokers,
        retry: { retries: 0 },
        connectionTimeout: 5000,
        requestTimeout: 5000,
        enforceRequestTimeout: true,
      });
      const attempts = [
        ['no credentials', noCredentials],
        ['wrong password', sasl('admin', `${password('admin')}x`)],
        ['unknown user', sasl('nobody', 'guess')],
        ['site user, wrong password', sasl('site-us-chi', 'guess')],
      ] as const;
      for (const [what, k] of attempts) {
        const producer = k.producer({ allowAutoTopicCreation: false });
        await expect(
          producer
            .connect()
            .then(() => producer.send({ topic: siteTopic, acks: -1, messages: [{ value: what }] }))
            .finally(() => producer.disconnect()),
        ).rejects.toThrow();
        const admin = k.admin();
        await expect(
          admin
            .connect()
            .then(() => admin.fetchOffsets({ groupId, topics: [topic] }))
            .finally(() => admin.disconnect()),
        ).rejects.toThrow();
      }
      // Nothing of theirs reached the topic.
      const offsets = await (async () => {
        const admin = plaintext().admin();
        await admin.connect();
        try {
          return await admin.fetchTopicOffsets(siteTopic);
        } finally {
          await admin.disconnect();
        }
      })();
      expect(offsets.map((o) => o.high)).toEqual(['0']);
    });

    it('lets a site user write only its own ingress topic, with exactly the ACLs onboarding gives it', async () => {
      const site = sasl('site-us-chi', password('site-us-chi'));
      const producer = site.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        const sent = await producer.send({ topic: siteTopic, acks: -1, messages: [{ value: 'mine' }] });
        expect(sent[0]?.errorCode).toBe(0);
        for (const other of [otherSiteTopic, topic])
          await expect(
            producer.send({ topic: other, acks: -1, messages: [{ value: 'not mine' }] }),
          ).rejects.toThrow(/authoriz/i);
      } finally {
        await producer.disconnect();
      }
      // The group exists and its offsets are readable (admin, a super user, reads them); the site may
      // not even look its coordinator up (kafkajs reports the broker's GROUP_AUTHORIZATION_FAILED on
      // FindCoordinator as "Failed to find group coordinator").
      const siteAdmin = site.admin();
      await siteAdmin.connect();
      try {
        await expect(siteAdmin.fetchOffsets({ groupId, topics: [topic] })).rejects.toThrow(
          /authoriz|group coordinator/i,
        );
      } finally {
        await siteAdmin.disconnect();
      }

      const admin = sasl('admin', password('admin')).admin();
      await admin.connect();
      try {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        expect(offsets?.partitions).toMatchObject([{ partition: 0, offset: '0' }]);
        const { resources } = await admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal: 'User:site-us-chi',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        });
        const bindings = resources.flatMap((r) =>
          r.acls.map((a) => [r.resourceType, r.resourceName, a.host, a.operation]),
        );
        expect(bindings.sort()).toEqual(
          [
            [AclResourceTypes.TOPIC, siteTopic, '*', AclOperationTypes.WRITE],
            [AclResourceTypes.TOPIC, siteTopic, '*', AclOperationTypes.DESCRIBE],
            [AclResourceTypes.CLUSTER, 'kafka-cluster', '*', AclOperationTypes.IDEMPOTENT_WRITE],
          ].sort(),
        );
      } finally {
        await admin.disconnect();
      }
    });

    it("keeps the broker's own controller and inter-broker traffic authorized (nothing refused in its log, transactions included)", () => {
      const log = fs.readFileSync(path.join(stackPaths(env).logs, 'kafka.log'), 'utf8');
      expect(log).toContain('Kafka Server started');
      // What the broker needs for itself is CLUSTER_ACTION (registration, heartbeats, transaction
      // markers); clients never ask for it. The test's own refused client calls are logged too, so only
      // these are looked for.
      expect(log).not.toMatch(
        /needs CLUSTER_ACTION|AuthorizerNotReady|ListenerName\(CONTROLLER\).*Exception/,
      );
    });
  });
});
