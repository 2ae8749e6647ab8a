import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
} from 'kafkajs';
import { readCredentials, stackPaths } from '../../../stack';
import { createTopics, randomName, testEndpoints, testKafka } from '../../helpers/stack';

/**
 * Site isolation rests on the broker: SCRAM logins on the SASL listener, and ACLs that let a
 * site's user write only to its own ingress topic.
 */
describe('SCRAM logins and ACLs (real broker)', () => {
  const endpoints = testEndpoints();
  const creds = readCredentials(stackPaths());
  const user = (name: string) => {
    const u = creds?.users.find((x) => x.name === name);
    if (!u) throw new Error(`no credentials for ${name} in ${stackPaths().credentialsFile}`);
    return u;
  };
  const saslKafka = (username: string, password: string) =>
    new Kafka({
      clientId: randomName('sasl'),
      brokers: endpoints.kafkaSaslBrokers,
      sasl: { mechanism: 'scram-sha-512', username, password },
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });

  const admin = testKafka().admin();
  const prefix = randomName('acl');
  const topicA = `${prefix}.ingress.us-chi`;
  const topicB = `${prefix}.ingress.us-dal`;

  beforeAll(async () => {
    await admin.connect();
    await createTopics(admin, [topicA, topicB]);
    const siteA = user('site-us-chi').name;
    await admin.createAcls({
      acl: [AclOperationTypes.WRITE, AclOperationTypes.DESCRIBE].map((operation) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topicA,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: `User:${siteA}`,
        host: '*',
        operation,
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
  });
  afterAll(async () => {
    await admin.deleteAcls({
      filters: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: topicA,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: '*',
          host: '*',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        },
      ],
    });
    await admin.deleteTopics({ topics: [topicA, topicB] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('a site user with the right password logs in; a wrong password is refused', async () => {
    const a = user('site-us-chi');
    const ok = saslKafka(a.name, a.password).producer();
    await ok.connect();
    await ok.disconnect();
    const bad = saslKafka(a.name, `${a.password}-wrong`).producer();
    await expect(bad.connect()).rejects.toThrow(/SASL|authentication|Authentication/);
  });

  it("a site may write to its own ingress topic and is refused on another site's", async () => {
    const a = user('site-us-chi');
    const producer = saslKafka(a.name, a.password).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const res = await producer.send({ topic: topicA, acks: -1, messages: [{ key: 'k', value: 'mine' }] });
      expect(res[0]?.errorCode).toBe(0);
      await expect(
        producer.send({ topic: topicB, acks: -1, messages: [{ key: 'k', value: 'not mine' }] }),
      ).rejects.toThrow(/authoriz/i);
    } finally {
      await producer.disconnect();
    }
  });
});
