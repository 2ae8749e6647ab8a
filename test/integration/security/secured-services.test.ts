import fs from 'node:fs';
import Redis from 'ioredis';
import { httpsStatus, startSecuredServices, type SecuredServices } from '../../helpers/secured-services';
import { randomName } from '../../helpers/stack';

/**
 * The secured services the hub's security tests run against (test/helpers/secured-services.ts),
 * checked with plain clients: kafkajs, ioredis and https. What they refuse is what makes a test of
 * the hub against them mean something: without the right CA, the right password or any login
 * at all, nothing gets through.
 */
describe('secured services: TLS+SCRAM Kafka, basic-auth HTTPS registry, TLS Redis with an ACL user', () => {
  let s: SecuredServices;

  beforeAll(async () => {
    s = await startSecuredServices();
  }, 240_000);

  afterAll(async () => {
    await s?.stop();
  });

  it('Kafka: admin produces and consumes over SASL_SSL; no login, a wrong password, a wrong CA and hub without ACLs are refused', async () => {
    const topic = randomName('secured');
    const admin = s.kafkaClient().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = s.kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'over SASL_SSL' }] });
    await producer.disconnect();
    const consumer = s.kafkaClient().consumer({ groupId: randomName('secured-g') });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const got: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => got.length > 0 && (clearInterval(t), resolve()), 100);
      setTimeout(() => (clearInterval(t), reject(new Error('the consumer read nothing'))), 60_000);
    });
    await consumer.disconnect();
    expect(got).toEqual(['over SASL_SSL']);

    const attempt = async (client: ReturnType<SecuredServices['kafkaClient']>) => {
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
    expect(await attempt(s.kafkaClient({ user: { ...s.kafka.hub, password: 'wrong' } }))).toMatch(
      /KafkaJSSASLAuthenticationError/,
    );
    expect(await attempt(s.kafkaClient({ ca: fs.readFileSync(s.certs.otherCaFile, 'utf8') }))).toMatch(
      /unable to verify|self[- ]signed|certificate/i,
    );
    expect(await attempt(s.kafkaClient({ user: s.kafka.hub }))).toMatch(/not authorized|authorization/i);

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.map((o) => o.high)).toEqual(['1']);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('registry: HTTPS only; anonymous and a wrong password get 401, its user 200; a wrong CA fails the handshake', async () => {
    const subjects = `${s.registry.url}/subjects`;
    expect((await httpsStatus(subjects, { ca: s.certs.caFile })).status).toBe(401);
    expect(
      (await httpsStatus(subjects, { ca: s.certs.caFile, auth: { ...s.registry.user, password: 'wrong' } }))
        .status,
    ).toBe(401);
    const ok = await httpsStatus(subjects, { ca: s.certs.caFile, auth: s.registry.user });
    expect(ok.status).toBe(200);
    expect(Array.isArray(JSON.parse(ok.body))).toBe(true);
    // The whole API, not only what Apicurio's own interceptor guards (system/info is public there).
    const info = s.registry.url.replace('/apis/ccompat/v7', '/apis/registry/v3/system/info');
    expect((await httpsStatus(info, { ca: s.certs.caFile })).status).toBe(401);
    await expect(httpsStatus(subjects, { ca: s.certs.otherCaFile, auth: s.registry.user })).rejects.toThrow(
      /unable to verify|self[- ]signed|certificate/i,
    );
    await expect(fetch(subjects.replace('https:', 'http:'))).rejects.toThrow();
  });

  it('Redis: TLS only; no login and a wrong password are refused, its ACL user gets in; a wrong CA fails the handshake', async () => {
    const ca = fs.readFileSync(s.certs.caFile, 'utf8');
    const attempt = async (options: Record<string, unknown>, url = s.redis.url) => {
      const r = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
        // The ready check's INFO would hide a NOAUTH behind "Connection is closed".
        enableReadyCheck: false,
        connectTimeout: 5000,
        ...options,
      });
      // A refused AUTH reaches the 'error' listener, not the command that follows it.
      const errors: string[] = [];
      r.on('error', (err: Error) => errors.push(err.message));
      try {
        await r.connect();
        return await r.ping();
      } catch (err) {
        return [...errors, (err as Error).message].join('; ');
      } finally {
        r.disconnect();
      }
    };
    expect(await attempt({ tls: { ca }, ...s.redis.user })).toBe('PONG');
    expect(await attempt({ tls: { ca } })).toMatch(/NOAUTH/);
    expect(await attempt({ tls: { ca }, ...s.redis.user, password: 'wrong' })).toMatch(/WRONGPASS/);
    expect(
      await attempt({ tls: { ca: fs.readFileSync(s.certs.otherCaFile, 'utf8') }, ...s.redis.user }),
    ).toMatch(/unable to verify|self[- ]signed|certificate/i);
    expect(await attempt({ ...s.redis.user }, s.redis.url.replace('rediss:', 'redis:'))).not.toBe('PONG');
  });

  it('no password is on any server command line', () => {
    const secrets = [s.kafka.admin, s.kafka.hub, s.registry.user, s.redis.user].map((u) => u.password);
    for (const [name, pid] of Object.entries(s.pids)) {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      expect(cmdline.length).toBeGreaterThan(0);
      for (const secret of secrets)
        expect({ name, leaks: cmdline.includes(secret) }).toEqual({ name, leaks: false });
    }
  });
});
