import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { STACK_DEFAULTS } from '../../../core/env';
import { REDIS_PERSISTENCE_ARGS } from '../../../stack/redis';
import { KAFKA_VERSION, APICURIO_VERSION } from '../../../stack/versions';

/** docker-compose.yml cannot run here (no Docker engine); this keeps it in step with the stack. */
describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.resolve(__dirname, '../../../docker-compose.yml'), 'utf8')) as {
    services: Record<
      string,
      { image: string; ports?: string[]; environment?: Record<string, string>; command?: string[] }
    >;
  };
  const hostPorts = (svc: string) => (compose.services[svc]?.ports ?? []).map((p) => Number(p.split(':')[0]));

  it('has Kafka, the registry and Redis with the versions the stack runs', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['kafka', 'registry', 'redis']));
    expect(compose.services.kafka!.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(compose.services.registry!.image).toBe(`apicurio/apicurio-registry:${APICURIO_VERSION}`);
  });

  it('publishes the same ports as the local stack', () => {
    expect(hostPorts('kafka')).toEqual([STACK_DEFAULTS.kafkaPort, STACK_DEFAULTS.saslPort]);
    expect(hostPorts('registry')).toEqual([STACK_DEFAULTS.registryPort]);
    expect(hostPorts('redis')).toEqual([STACK_DEFAULTS.redisPort]);
    const env = compose.services.kafka!.environment!;
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain(`PLAINTEXT://127.0.0.1:${STACK_DEFAULTS.kafkaPort}`);
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain(`SASL_PLAINTEXT://127.0.0.1:${STACK_DEFAULTS.saslPort}`);
    expect(compose.services.registry!.environment!.QUARKUS_HTTP_PORT).toBe(
      String(STACK_DEFAULTS.registryPort),
    );
  });

  it('runs Redis with the same persistence as the stack (AOF, noeviction)', () => {
    const command = compose.services.redis!.command!;
    expect(command.slice(1)).toEqual([...REDIS_PERSISTENCE_ARGS]);
  });

  it('keeps registry storage in Kafka and the same authorizer settings as the stack', () => {
    expect(compose.services.registry!.environment!.APICURIO_STORAGE_KIND).toBe('kafkasql');
    const env = compose.services.kafka!.environment!;
    expect(env.KAFKA_AUTHORIZER_CLASS_NAME).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe('false');
  });
});
