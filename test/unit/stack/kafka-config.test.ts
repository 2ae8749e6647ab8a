import {
  brokerProperties,
  kafkaPom,
  newClusterId,
  renderProperties,
  scramFormatArgs,
} from '../../../stack/kafka-config';
import { parseJavaMajor } from '../../../stack/java';
import { resolveEndpoints, stackPorts } from '../../../core/env';
import { loopbackAnonymousAcls } from '../../../stack/acls';
import { ADMIN_USER, STACK_USERS, SUPER_USERS } from '../../../stack/state';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';

describe('broker properties', () => {
  const admin = { name: 'admin', password: 'pw-Admin_1' };
  const props = brokerProperties({ plaintext: 1, controller: 2, sasl: 3 }, '/data/k', {
    superUsers: ['admin'],
    internalUser: admin,
  });

  it('describe one combined KRaft node on loopback with a static quorum', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:2');
    expect(props.get('listeners')).toBe(
      'PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2,SASL_PLAINTEXT://127.0.0.1:3',
    );
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:1,SASL_PLAINTEXT://127.0.0.1:3');
    expect(props.get('log.dirs')).toBe('/data/k');
    expect(props.get('transaction.state.log.min.isr')).toBe('1');
    expect(props.get('auto.create.topics.enable')).toBe('false');
  });

  it('deny by default, with admin the only super user (no ANONYMOUS, no hub)', () => {
    expect(props.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(props.get('authorizer.class.name')).toBe(
      'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    );
    expect(props.get('super.users')).toBe('User:admin');
    expect(props.get('super.users')).not.toMatch(/ANONYMOUS|hub/);
  });

  it('bind every listener to 127.0.0.1 and keep PLAINTEXT off the broker’s own traffic', () => {
    for (const l of props.get('listeners')!.split(',')) expect(l).toMatch(/^[A-Z_]+:\/\/127\.0\.0\.1:\d+$/);
    expect(props.get('inter.broker.listener.name')).toBe('SASL_PLAINTEXT');
    expect(props.get('sasl.mechanism.inter.broker.protocol')).toBe('SCRAM-SHA-512');
    expect(props.get('listener.security.protocol.map')).toBe(
      'CONTROLLER:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    );
  });

  it('authenticate the controller listener with PLAIN as the internal user, SCRAM on the SASL listener', () => {
    expect(props.get('sasl.mechanism.controller.protocol')).toBe('PLAIN');
    expect(props.get('listener.name.controller.sasl.enabled.mechanisms')).toBe('PLAIN');
    expect(props.get('listener.name.controller.plain.sasl.jaas.config')).toBe(
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="pw-Admin_1" user_admin="pw-Admin_1";',
    );
    expect(props.get('listener.name.sasl_plaintext.sasl.enabled.mechanisms')).toBe(
      'SCRAM-SHA-256,SCRAM-SHA-512',
    );
    expect(props.get('listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config')).toBe(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="pw-Admin_1";',
    );
  });

  it('refuse ANONYMOUS as a super user, an internal user that is not one, and passwords a JAAS line cannot hold', () => {
    const ports = { plaintext: 1, controller: 2, sasl: 3 };
    expect(() =>
      brokerProperties(ports, '/d', { superUsers: ['admin', 'ANONYMOUS'], internalUser: admin }),
    ).toThrow(/ANONYMOUS/);
    expect(() => brokerProperties(ports, '/d', { superUsers: ['root'], internalUser: admin })).toThrow(
      /must be a super user/,
    );
    for (const password of ['a"b', 'a\\b', 'a;b', 'a b'])
      expect(() =>
        brokerProperties(ports, '/d', { superUsers: ['admin'], internalUser: { name: 'admin', password } }),
      ).toThrow(/password of "admin"/);
  });

  it('render as key=value lines and refuse line breaks', () => {
    const text = renderProperties(
      new Map([
        ['a', '1'],
        ['b.c', 'x y'],
      ]),
    );
    expect(text).toBe('a=1\nb.c=x y\n');
    expect(() => renderProperties(new Map([['a', 'x\ny']]))).toThrow(/line break/);
  });
});

describe('stack users and loopback ACLs', () => {
  it('make hub and admin users, with admin alone a super user', () => {
    expect([...STACK_USERS]).toEqual(['hub', 'admin']);
    expect([...SUPER_USERS]).toEqual([ADMIN_USER]);
  });

  it('give ANONYMOUS ALL on every topic, group, transactional id and the cluster, from 127.0.0.1 only', () => {
    const acls = loopbackAnonymousAcls();
    expect(acls.map((a) => [a.resourceType, a.resourceName])).toEqual([
      [AclResourceTypes.TOPIC, '*'],
      [AclResourceTypes.GROUP, '*'],
      [AclResourceTypes.TRANSACTIONAL_ID, '*'],
      [AclResourceTypes.CLUSTER, 'kafka-cluster'],
    ]);
    for (const a of acls) {
      expect(a).toMatchObject({
        principal: 'User:ANONYMOUS',
        host: '127.0.0.1',
        operation: AclOperationTypes.ALL,
        permissionType: AclPermissionTypes.ALLOW,
        resourcePatternType: ResourcePatternTypes.LITERAL,
      });
    }
  });
});

describe('cluster id', () => {
  it('is 16 bytes in base64url without padding (22 characters)', () => {
    const id = newClusterId((n) => Buffer.alloc(n, 0xff));
    expect(id).toBe('_____________________w');
    expect(newClusterId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newClusterId()).not.toBe(newClusterId());
  });

  it('never starts a cluster id with "-" (StorageTool would take it for an option)', () => {
    // 0xf8 as the first byte encodes to '-' first; the second draw is taken instead.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = newClusterId(() => draws.shift()!);
    expect(id.startsWith('-')).toBe(false);
    expect(draws).toHaveLength(0);
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
  });
});

describe('SCRAM format arguments', () => {
  it('make both mechanisms per user', () => {
    expect(scramFormatArgs([{ name: 'site-a', password: 'pw' }])).toEqual([
      '-S',
      'SCRAM-SHA-256=[name=site-a,password=pw]',
      '-S',
      'SCRAM-SHA-512=[name=site-a,password=pw]',
    ]);
  });
  it('refuse names and passwords the tool would misparse', () => {
    expect(() => scramFormatArgs([{ name: 'a b', password: 'x' }])).toThrow(/user name/);
    expect(() => scramFormatArgs([{ name: 'a', password: 'x,y' }])).toThrow(/password/);
  });
});

describe('kafka pom', () => {
  it('adds a log4j2 backend next to the broker', () => {
    const pom = kafkaPom('4.1.1', '2.24.3');
    expect(pom).toContain('<artifactId>kafka_2.13</artifactId><version>4.1.1</version>');
    expect(pom).toContain('<artifactId>log4j-slf4j-impl</artifactId><version>2.24.3</version>');
    expect(pom).toContain('<packaging>pom</packaging>');
  });
});

describe('java version parsing', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "25" 2025-09-16', 25],
    ['java version "1.8.0_392"', 8],
    ['no version here', undefined],
  ])('%s -> %s', (text, major) => expect(parseJavaMajor(text)).toBe(major));
});

describe('endpoints', () => {
  it('default to the local stack', () => {
    const e = resolveEndpoints({});
    expect(e).toEqual({
      kafka: { brokers: ['127.0.0.1:19092'] },
      registry: { url: 'http://127.0.0.1:18081/apis/ccompat/v7' },
      redis: { url: 'redis://127.0.0.1:16379' },
      kafkaBrokers: ['127.0.0.1:19092'],
      kafkaSaslBrokers: ['127.0.0.1:19094'],
      registryUrl: 'http://127.0.0.1:18081/apis/ccompat/v7',
      redisUrl: 'redis://127.0.0.1:16379',
      external: { kafka: false, registry: false, redis: false },
    });
  });
  it('take the environment and mark those parts external', () => {
    const e = resolveEndpoints({
      CROSSDOCK_KAFKA_BROKERS: 'k1:9092, k2:9092',
      CROSSDOCK_REGISTRY_URL: 'http://reg:8081/',
      REDIS_URL: 'redis://r:6380',
    });
    expect(e.kafkaBrokers).toEqual(['k1:9092', 'k2:9092']);
    expect(e.kafkaSaslBrokers).toEqual([]);
    expect(e.registryUrl).toBe('http://reg:8081');
    expect(e.external).toEqual({ kafka: true, registry: true, redis: true });
  });
  it("use the stack's own Redis port when REDIS_URL is unset", () => {
    expect(resolveEndpoints({ CROSSDOCK_REDIS_PORT: '40000' }).redisUrl).toBe('redis://127.0.0.1:40000');
    expect(resolveEndpoints({ CROSSDOCK_REDIS_PORT: '40000' }).external.redis).toBe(false);
  });
  it('move ports by environment and refuse a non-port', () => {
    expect(stackPorts({ CROSSDOCK_KAFKA_PORT: '29092' }).kafka).toBe(29092);
    expect(() => stackPorts({ CROSSDOCK_REGISTRY_PORT: 'eighty' })).toThrow(
      /CROSSDOCK_REGISTRY_PORT=eighty is not a TCP port/,
    );
  });
});
