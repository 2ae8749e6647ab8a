import {
  brokerProperties,
  kafkaPom,
  newClusterId,
  renderProperties,
  scramFormatArgs,
} from '../../../stack/kafka-config';
import { parseJavaMajor } from '../../../stack/java';
import { resolveEndpoints, stackPorts } from '../../../core/env';

describe('broker properties', () => {
  const props = brokerProperties({ plaintext: 1, controller: 2, sasl: 3 }, '/data/k', ['hub', 'admin']);

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

  it('deny by default, with the internal listener and the named users as super users', () => {
    expect(props.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(props.get('super.users')).toBe('User:ANONYMOUS;User:hub;User:admin');
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
