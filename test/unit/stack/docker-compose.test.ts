import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { STACK_DEFAULTS } from '../../../core/env';
import { REDIS_PERSISTENCE_ARGS } from '../../../stack/redis';
import { KAFKA_VERSION, APICURIO_VERSION } from '../../../stack/versions';
import { SUPER_USERS } from '../../../stack/state';

interface Service {
  image: string;
  ports?: string[];
  environment?: Record<string, string>;
  env_file?: Array<{ path: string; required: boolean }>;
  command?: string[];
  entrypoint?: string[];
  depends_on?: Record<string, { condition: string }>;
}

/**
 * docker-compose.yml cannot run here (no Docker engine); this keeps it in step with the stack and
 * holds it to the stack's security: no published PLAINTEXT port, no ANONYMOUS super user, no
 * password in the file or on a command line, passwords only from crossdock.env.
 */
describe('docker-compose.yml', () => {
  const root = path.resolve(__dirname, '../../..');
  const text = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
  const compose = parse(text) as { services: Record<string, Service> };
  const svc = (name: string) => compose.services[name]!;
  /** Published ports as [host address or '*', host port, container port]. */
  const published = (name: string) =>
    (svc(name).ports ?? []).map((p) => {
      const parts = p.split(':');
      return parts.length === 3
        ? [parts[0], Number(parts[1]), Number(parts[2])]
        : ['*', Number(parts[0]), Number(parts[1])];
    });
  const kafkaEnv = () => svc('kafka').environment!;

  it('has Kafka, the registry and Redis with the versions the stack runs', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['kafka', 'kafka-init', 'registry', 'redis']),
    );
    expect(svc('kafka').image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(svc('kafka-init').image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(svc('registry').image).toBe(`apicurio/apicurio-registry:${APICURIO_VERSION}`);
  });

  it('publishes only the SASL listener of Kafka, and the registry and Redis on 127.0.0.1 only', () => {
    expect(published('kafka')).toEqual([['*', STACK_DEFAULTS.saslPort, STACK_DEFAULTS.saslPort]]);
    expect(published('registry')).toEqual([
      ['127.0.0.1', STACK_DEFAULTS.registryPort, STACK_DEFAULTS.registryPort],
    ]);
    expect(published('redis')).toEqual([['127.0.0.1', STACK_DEFAULTS.redisPort, 6379]]);
    expect(published('kafka-init')).toEqual([]);
    const env = kafkaEnv();
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain(`SASL_PLAINTEXT://127.0.0.1:${STACK_DEFAULTS.saslPort}`);
    expect(env.KAFKA_ADVERTISED_LISTENERS).not.toContain(`:${STACK_DEFAULTS.kafkaPort}`);
    expect(svc('registry').environment!.QUARKUS_HTTP_PORT).toBe(String(STACK_DEFAULTS.registryPort));
  });

  it('has no published port on a PLAINTEXT listener, and the one PLAINTEXT listener only for the registry', () => {
    const env = kafkaEnv();
    const protocols = new Map(
      env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP!.split(',').map((e) => e.split(':') as [string, string]),
    );
    const plaintext = [...protocols].filter(([, p]) => p === 'PLAINTEXT').map(([name]) => name);
    expect(plaintext).toEqual(['INTERNAL']);
    const portsOf = (names: string[]) =>
      env
        .KAFKA_LISTENERS!.split(',')
        .filter((l) => names.includes(l.split('://')[0]!))
        .map((l) => Number(l.split(':').pop()));
    for (const port of portsOf(plaintext))
      for (const name of Object.keys(compose.services))
        expect(published(name).map(([, host]) => host)).not.toContain(port);
    expect(svc('registry').environment!.APICURIO_KAFKASQL_BOOTSTRAP_SERVERS).toBe(
      `kafka:${portsOf(['INTERNAL'])[0]}`,
    );
    expect(env.KAFKA_INTER_BROKER_LISTENER_NAME).toBe('BROKER');
    expect(protocols.get('BROKER')).toBe('SASL_PLAINTEXT');
    expect(protocols.get('CONTROLLER')).toBe('SASL_PLAINTEXT');
  });

  it('makes admin the only super user, ANONYMOUS none, with ANONYMOUS rights from ACLs kafka-init creates', () => {
    const env = kafkaEnv();
    expect(env.KAFKA_SUPER_USERS).toBe(SUPER_USERS.map((u) => `User:${u}`).join(';'));
    expect(text).not.toMatch(/SUPER_USERS:.*ANONYMOUS/);
    expect(env.KAFKA_AUTHORIZER_CLASS_NAME).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe('false');
    const init = svc('kafka-init').command!.join('\n');
    expect(init).toMatch(/kafka-acls\.sh .*--add --allow-principal User:ANONYMOUS/);
    expect(svc('registry').depends_on).toEqual({
      'kafka-init': { condition: 'service_completed_successfully' },
    });
  });

  it('reads passwords only from crossdock.env (required), with no default and none on a command line', () => {
    for (const name of ['kafka', 'kafka-init']) {
      expect(svc(name).env_file).toEqual([{ path: 'crossdock.env', required: true }]);
      const script = svc(name).command!.join('\n');
      expect(script).toContain('$${CROSSDOCK_ADMIN_PASSWORD:?');
    }
    expect(svc('kafka-init').command!.join('\n')).toContain('$${CROSSDOCK_HUB_PASSWORD:?');
    // No `${VAR:-default}` for a password, no password literal, no SCRAM value in argv.
    expect(text).not.toMatch(/PASSWORD:-/);
    expect(text).not.toMatch(/-secret\b/);
    expect(text).not.toMatch(/--add-config ["']?SCRAM/);
    expect(svc('kafka-init').command!.join('\n')).toContain('--add-config-file');
    expect(svc('kafka-init').command!.join('\n')).toContain('--command-config');
  });

  it('ships crossdock.env.example with every variable the services read and no password, and ignores crossdock.env', () => {
    const example = fs.readFileSync(path.join(root, 'crossdock.env.example'), 'utf8');
    const vars = new Map(
      example
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => l.split('=') as [string, string]),
    );
    const used = new Set([...text.matchAll(/\$\$\{(CROSSDOCK_[A-Z_]+)/g)].map((m) => m[1]));
    expect([...vars.keys()].sort()).toEqual([...used].sort());
    for (const value of vars.values()) expect(value).toBe('');
    const ignored = fs.readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain('crossdock.env');
  });

  it('runs Redis with the same persistence as the stack (AOF, noeviction)', () => {
    const command = svc('redis').command!;
    expect(command.slice(1)).toEqual([...REDIS_PERSISTENCE_ARGS]);
  });

  it('keeps registry storage in Kafka', () => {
    expect(svc('registry').environment!.APICURIO_STORAGE_KIND).toBe('kafkasql');
  });
});
