import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
  type DescribeAclResource,
  type Kafka,
} from 'kafkajs';
import Redis from 'ioredis';
import YAML from 'yaml';
import { kafkaConnectionFailure } from '../../../core/connection-errors';
import { ackedProducerFor, chooseKafkaClient } from '../../../core/kafka-client/choose';
import { stackPaths } from '../../../stack';
import { freePort } from '../../../stack/proc';
import { oneSiteConfig, receiver, runCli, startHub, type HubProcess, type Receiver } from '../../helpers/hub';
import { httpsStatus, startSecuredServices, type SecuredServices } from '../../helpers/secured-services';
import { eventually, randomName } from '../../helpers/stack';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * The hub as it runs outside a laptop (issue #16): against a broker whose only listener is
 * SASL_SSL with SCRAM-SHA-512 and no ANONYMOUS super user, a schema registry behind HTTPS and
 * basic auth, and a Redis that wants TLS and a password — all started by this file
 * (test/helpers/secured-services.ts) with certificates it makes. The hub's Kafka user has only
 * the ACLs `crossdock acl apply` grants it. A start with a wrong CA or a wrong password exits with
 * a coded error naming the setting, and dead-letters nothing: the event waiting in the drop
 * folder flows once the settings are right.
 */
describe('the hub against TLS+SCRAM Kafka, a basic-auth HTTPS registry and TLS Redis (services of its own)', () => {
  const prefix = randomName('sec');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-sechub-'));
  const configFile = path.join(home, 'hub.yaml');
  let s: SecuredServices;
  let erp: Receiver;
  let admin: Admin;
  let doc: ReturnType<typeof oneSiteConfig>;
  /** The hub's environment: every connection setting right. */
  let env: Record<string, string>;
  let hub: HubProcess | undefined;

  /** Drops a one-order CSV export for us-dal (its sample's last order, renumbered), the safe way. */
  const dropOrder = (orderId: string) => {
    const lines = fs
      .readFileSync(path.join(ROOT, 'sites/us-dal/samples/orders.input.csv'), 'utf8')
      .trim()
      .split('\n');
    const row = lines.at(-1)!.replace(/^DAL-9002,/, `${orderId},`);
    const drop = path.join(home, 'drop', 'us-dal');
    fs.mkdirSync(drop, { recursive: true });
    fs.writeFileSync(path.join(drop, `.${orderId}.csv.tmp`), `${lines[0]}\n${row}\n`);
    fs.renameSync(path.join(drop, `.${orderId}.csv.tmp`), path.join(drop, `${orderId}.csv`));
  };
  const delivered = () => erp.got.map((r) => (JSON.parse(r.body) as { orderId: string }).orderId).sort();

  /** Records on every dead-letter topic of the prefix (the router's and each subscriber's). */
  const deadLettered = async () => {
    const dlq = (await admin.listTopics()).filter(
      (t) => t.startsWith(`${prefix}.dlq.`) && t !== `${prefix}.dlq.state`,
    );
    let total = 0;
    for (const t of dlq)
      for (const o of await admin.fetchTopicOffsets(t)) total += Number(o.high) - Number(o.low);
    return { topics: dlq.length, records: total };
  };

  beforeAll(async () => {
    s = await startSecuredServices();
    erp = await receiver();
    doc = oneSiteConfig(prefix, erp.url);
    doc.sites = [{ id: 'us-dal', name: 'Dallas DC', country: 'US', connector: { kind: 'csv' } }];
    fs.writeFileSync(configFile, YAML.stringify(doc));
    env = {
      ...s.hubEnv(),
      CROSSDOCK_HOME: home,
      CROSSDOCK_CACHE_DIR: stackPaths().cache,
      CROSSDOCK_LOG_LEVEL: 'warn',
    };
    admin = s.kafkaClient().admin();
    await admin.connect();
  }, 300_000);

  afterAll(async () => {
    await hub?.dispose();
    await admin?.disconnect();
    await erp?.close();
    await s?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('the services refuse what the hub must not get past: no login, a wrong CA, anonymous registry calls, Redis without a password; the hub user holds no ACL yet; no password in any argv', async () => {
    const topic = `${prefix}.probe`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const attempt = async (client: Kafka) => {
      const p = client.producer();
      try {
        await p.connect();
        await p.send({ topic, messages: [{ value: 'should not land' }] });
        return 'sent';
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      } finally {
        await p.disconnect().catch(() => undefined);
      }
    };
    expect(await attempt(s.kafkaClient({ user: null }))).toMatch(
      /Closed connection|disconnected|ECONNRESET/i,
    );
    expect(await attempt(s.kafkaClient({ ca: fs.readFileSync(s.certs.otherCaFile, 'utf8') }))).toMatch(
      /unable to verify|self[- ]signed|certificate/i,
    );
    expect(await attempt(s.kafkaClient({ user: { ...s.kafka.hub, password: 'wrong' } }))).toMatch(
      /KafkaJSSASLAuthenticationError/,
    );
    expect(await attempt(s.kafkaClient({ user: s.kafka.hub }))).toMatch(/not authorized/i);
    expect((await admin.fetchTopicOffsets(topic)).map((o) => o.high)).toEqual(['0']);
    await admin.deleteTopics({ topics: [topic] });

    const subjects = `${s.registry.url}/subjects`;
    expect((await httpsStatus(subjects, { ca: s.certs.caFile })).status).toBe(401);
    const wrongUser = { ...s.registry.user, password: 'wrong' };
    expect((await httpsStatus(subjects, { ca: s.certs.caFile, auth: wrongUser })).status).toBe(401);
    expect((await httpsStatus(subjects, { ca: s.certs.caFile, auth: s.registry.user })).status).toBe(200);
    await expect(httpsStatus(subjects, { ca: s.certs.otherCaFile, auth: s.registry.user })).rejects.toThrow(
      /unable to verify|self[- ]signed|certificate/i,
    );

    const redis = new Redis(s.redis.url, {
      tls: { ca: fs.readFileSync(s.certs.caFile, 'utf8') },
      lazyConnect: true,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => undefined);
    await redis.connect();
    await expect(redis.ping()).rejects.toThrow(/NOAUTH/);
    redis.disconnect();

    const secrets = [s.kafka.admin, s.kafka.hub, s.registry.user, s.redis.user].map((u) => u.password);
    for (const [name, pid] of Object.entries(s.pids)) {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      expect({ name, leaks: secrets.some((x) => cmdline.includes(x)) }).toEqual({ name, leaks: false });
    }
  });

  it('the native client (librdkafka, the SDK as shipped) logs in over SASL_SSL trusting the test CA, and refuses a broker its CA did not sign', async () => {
    const topic = `${prefix}.native-probe`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const native = chooseKafkaClient('sdk', 'librdkafka');
    const producerTrusting = (caFile: string) =>
      ackedProducerFor(native, {
        clientId: randomName('native-tls'),
        connection: {
          brokers: s.kafka.brokers,
          ssl: { ca: [fs.readFileSync(caFile, 'utf8')] },
          sasl: { mechanism: 'scram-sha-512', ...s.kafka.admin },
        },
        deliveryTimeoutMs: 5000,
      });
    const record = [{ topic, messages: [{ key: 'k', value: Buffer.from('over TLS') }] }];
    const good = producerTrusting(s.certs.caFile);
    try {
      await good.connect();
      await good.send(record);
    } finally {
      await good.disconnect();
    }
    const wrong = producerTrusting(s.certs.otherCaFile);
    const started = Date.now();
    const err = await wrong.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await wrong.disconnect().catch(() => undefined);
    // Refused at once, and reported as the hub reports kafkajs's: a failed TLS handshake.
    expect(kafkaConnectionFailure(err, s.kafka.brokers.join(','))?.code).toBe('CD_E_KAFKA_TLS_FAILED');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await admin.fetchTopicOffsets(topic)).map((o) => o.high)).toEqual(['1']);
    await admin.deleteTopics({ topics: [topic] });
  });

  it('with only the ACLs `crossdock acl apply` grants its user, the hub pushes its schemas, starts, and an event flows end to end', async () => {
    const applied = await runCli(
      ['acl', 'apply', '--config', configFile, '--principal', 'User:hub', '--json'],
      { ...s.hubEnv(s.kafka.admin), CROSSDOCK_HOME: home },
    );
    expect({ code: applied.code, out: applied.out }).toEqual({ code: 0, out: applied.out });
    const acls = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      principal: 'User:hub',
      host: '*',
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const resources = acls.resources as DescribeAclResource[];
    expect(resources.length).toBeGreaterThan(0);
    // Least privilege (hub/acl-plan.ts): no cluster operation, no wildcard, no ALL; topics by
    // their literal names under this hub's prefix.
    for (const r of resources) {
      expect(r.resourceType).not.toBe(AclResourceTypes.CLUSTER);
      expect(r.resourceName).not.toBe('*');
      for (const a of r.acls) expect(a.operation).not.toBe(AclOperationTypes.ALL);
      if (r.resourceType === AclResourceTypes.TOPIC)
        expect({ name: r.resourceName, pattern: r.resourcePatternType }).toEqual({
          name: expect.stringMatching(new RegExp(`^${prefix}\\.`)),
          pattern: ResourcePatternTypes.LITERAL,
        });
    }

    // The catalog's schemas, through HTTPS and basic auth.
    const pushed = await runCli(['schemas', 'push', '--prefix', prefix, '--no-lock'], env);
    expect({ code: pushed.code, out: pushed.out }).toEqual({ code: 0, out: pushed.out });

    dropOrder('SEC-1001');
    hub = await startHub(doc, env);
    await eventually(() => delivered().includes('SEC-1001'), 'SEC-1001 at the receiver', 60_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; hub log tail:\n${hub!.log().slice(-3000)}`);
      },
    );
    expect(await hub.stop()).toBe(0);
    hub = undefined;
    expect(delivered()).toEqual(['SEC-1001']);
  });

  const wrong = (what: string) => () => ({ [what]: s.secretFile('wrong', 'not-the-password') });
  it.each([
    {
      what: 'a CA that did not sign the broker',
      change: () => ({ CROSSDOCK_KAFKA_CA_FILE: s.certs.otherCaFile }),
      code: 'CD_E_KAFKA_TLS_FAILED',
      setting: 'CROSSDOCK_KAFKA_CA_FILE',
    },
    {
      what: 'a wrong Kafka password',
      change: wrong('CROSSDOCK_KAFKA_PASSWORD_FILE'),
      code: 'CD_E_KAFKA_AUTH_FAILED',
      setting: 'CROSSDOCK_KAFKA_PASSWORD',
    },
    {
      what: 'a wrong registry password',
      change: wrong('CROSSDOCK_REGISTRY_PASSWORD_FILE'),
      code: 'CD_E_REGISTRY_AUTH_FAILED',
      setting: 'CROSSDOCK_REGISTRY_PASSWORD',
    },
    {
      what: 'a CA that did not sign the registry',
      change: () => ({ CROSSDOCK_REGISTRY_CA_FILE: s.certs.otherCaFile }),
      code: 'CD_E_REGISTRY_TLS_FAILED',
      setting: 'CROSSDOCK_REGISTRY_CA_FILE',
    },
    {
      what: 'a wrong Redis password',
      change: wrong('CROSSDOCK_REDIS_PASSWORD_FILE'),
      code: 'CD_E_REDIS_AUTH_FAILED',
      setting: 'CROSSDOCK_REDIS_PASSWORD',
    },
    {
      what: 'a CA that did not sign Redis',
      change: () => ({ CROSSDOCK_REDIS_CA_FILE: s.certs.otherCaFile }),
      code: 'CD_E_REDIS_TLS_FAILED',
      setting: 'CROSSDOCK_REDIS_CA_FILE',
    },
  ])(
    'with $what, `crossdock start` exits 3 with $code naming $setting, and dead-letters nothing',
    async ({ change, code, setting }) => {
      // An order waits in the drop folder through every failed start.
      if (!fs.existsSync(path.join(home, 'drop', 'us-dal', 'SEC-1002.csv'))) dropOrder('SEC-1002');
      const [health, admin_, ingest] = await Promise.all([freePort(), freePort(), freePort()]);
      const res = await runCli(
        ['start', '--config', configFile, '--health-port', String(health), '--admin-port', String(admin_)],
        { ...env, CROSSDOCK_INGEST_PORT: String(ingest), ...change() },
      );
      expect(res.signal).toBeNull();
      expect({ code: res.code, has: res.out.includes(code) }).toEqual({ code: 3, has: true });
      expect(res.out).toContain(setting);
      expect(res.out).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
      expect(await deadLettered()).toMatchObject({ records: 0 });
      expect(delivered()).toEqual(['SEC-1001']);
    },
  );

  it('with the settings fixed the hub starts, the order that waited flows once, and no dead-letter topic holds anything', async () => {
    hub = await startHub(doc, env);
    await eventually(() => delivered().includes('SEC-1002'), 'SEC-1002 at the receiver', 60_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}; hub log tail:\n${hub!.log().slice(-3000)}`);
      },
    );
    expect(await hub.stop()).toBe(0);
    hub = undefined;
    expect(delivered()).toEqual(['SEC-1001', 'SEC-1002']);
    const dead = await deadLettered();
    expect(dead.topics).toBeGreaterThan(0);
    expect(dead.records).toBe(0);
  });
});
