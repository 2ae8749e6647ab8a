import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CONNECTION_ENV_VARIABLES,
  SECRET_ENV_NAMES,
  SECRET_FILE_ENV_NAMES,
} from '../../../core/connection-env';
import { resolveEndpoints } from '../../../core/env';
import { isCrossdockError } from '../../../core/errors';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-conn-env-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

/** The coded error resolveEndpoints throws for `env`. */
function refusal(env: NodeJS.ProcessEnv): { code: string; message: string; variable: unknown } {
  try {
    resolveEndpoints(env);
  } catch (err) {
    if (!isCrossdockError(err)) throw err;
    return { code: err.code, message: err.message, variable: err.details?.variable };
  }
  throw new Error('resolveEndpoints accepted the environment');
}

describe('connection settings from the environment', () => {
  it('the local stack: PLAINTEXT on loopback, no TLS, no credentials', () => {
    const e = resolveEndpoints({});
    expect(e.kafka).toEqual({ brokers: ['127.0.0.1:19092'] });
    expect(e.registry).toEqual({ url: 'http://127.0.0.1:18081/apis/ccompat/v7' });
    expect(e.redis).toEqual({ url: 'redis://127.0.0.1:16379' });
  });

  it('SASL_SSL with SCRAM, a password file, a CA and a client certificate', () => {
    const e = resolveEndpoints({
      CROSSDOCK_KAFKA_BROKERS: 'b1.example:9093,b2.example:9093',
      CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'sasl_ssl',
      CROSSDOCK_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
      CROSSDOCK_KAFKA_USERNAME: 'hub',
      CROSSDOCK_KAFKA_PASSWORD_FILE: file('kpw', 'pa ss\n'),
      CROSSDOCK_KAFKA_CA_FILE: file('ca.pem', CERT),
      CROSSDOCK_KAFKA_CERT_FILE: file('cert.pem', CERT),
      CROSSDOCK_KAFKA_KEY_FILE: file('key.pem', KEY),
    });
    expect(e.kafka).toEqual({
      brokers: ['b1.example:9093', 'b2.example:9093'],
      sasl: { mechanism: 'scram-sha-256', username: 'hub', password: 'pa ss' },
      ssl: { ca: [CERT], cert: CERT, key: KEY },
    });
    expect(e.kafkaBrokers).toEqual(['b1.example:9093', 'b2.example:9093']);
  });

  it('SSL without a CA file trusts the system CAs; SASL defaults to SCRAM-SHA-512', () => {
    expect(
      resolveEndpoints({ CROSSDOCK_KAFKA_BROKERS: 'b:9093', CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'SSL' }).kafka,
    ).toEqual({
      brokers: ['b:9093'],
      ssl: {},
    });
    expect(
      resolveEndpoints({
        CROSSDOCK_KAFKA_BROKERS: 'b:9094',
        CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        CROSSDOCK_KAFKA_USERNAME: 'u',
        CROSSDOCK_KAFKA_PASSWORD: 'p',
      }).kafka.sasl,
    ).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
  });

  it('registry basic auth, bearer token from a file, and a CA for https', () => {
    const basic = resolveEndpoints({
      CROSSDOCK_REGISTRY_URL: 'https://reg.example/apis/ccompat/v7/',
      CROSSDOCK_REGISTRY_USERNAME: 'hub',
      CROSSDOCK_REGISTRY_PASSWORD: 's3cret',
      CROSSDOCK_REGISTRY_CA_FILE: file('rca.pem', CERT),
    });
    expect(basic.registry).toEqual({
      url: 'https://reg.example/apis/ccompat/v7',
      auth: { kind: 'basic', username: 'hub', password: 's3cret' },
      ca: CERT,
    });
    expect(basic.registryUrl).toBe('https://reg.example/apis/ccompat/v7');
    const bearer = resolveEndpoints({
      CROSSDOCK_REGISTRY_URL: 'https://reg.example',
      CROSSDOCK_REGISTRY_TOKEN_FILE: file('tok', 'tkn\n'),
    });
    expect(bearer.registry.auth).toEqual({ kind: 'bearer', token: 'tkn' });
  });

  it('a password inside REDIS_URL moves into the connection; the URL shown holds none', () => {
    const e = resolveEndpoints({ REDIS_URL: 'rediss://hub:p%40ss@redis.example:6380/2' });
    expect(e.redis).toEqual({
      url: 'rediss://redis.example:6380/2',
      username: 'hub',
      password: 'p@ss',
      tls: {},
    });
    expect(e.redisUrl).toBe('rediss://redis.example:6380/2');
    expect(JSON.stringify({ ...e, redis: undefined, kafka: undefined, registry: undefined })).not.toContain(
      'p@ss',
    );
    expect(resolveEndpoints({ REDIS_URL: 'redis://:pw@r:6379' }).redis).toEqual({
      url: 'redis://r:6379',
      password: 'pw',
    });
  });

  it('Redis user, password file and TLS files', () => {
    const e = resolveEndpoints({
      REDIS_URL: 'rediss://r:6380',
      CROSSDOCK_REDIS_USERNAME: 'hub',
      CROSSDOCK_REDIS_PASSWORD_FILE: file('rpw', 'x\n'),
      CROSSDOCK_REDIS_CA_FILE: file('redis-ca.pem', CERT),
    });
    expect(e.redis).toEqual({ url: 'rediss://r:6380', username: 'hub', password: 'x', tls: { ca: [CERT] } });
  });

  it('the connections are plain data a worker thread can take', () => {
    const e = resolveEndpoints({
      REDIS_URL: 'rediss://:pw@r:6380',
      CROSSDOCK_REGISTRY_URL: 'https://reg',
      CROSSDOCK_REGISTRY_TOKEN: 't',
    });
    expect(structuredClone({ kafka: e.kafka, registry: e.registry, redis: e.redis })).toEqual({
      kafka: e.kafka,
      registry: e.registry,
      redis: e.redis,
    });
  });

  it.each<[string, NodeJS.ProcessEnv, string, RegExp]>([
    [
      'an unknown protocol',
      { CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'TLS' },
      'CROSSDOCK_KAFKA_SECURITY_PROTOCOL',
      /"TLS" is not one of PLAINTEXT, SSL/,
    ],
    [
      'an unknown mechanism',
      {
        CROSSDOCK_KAFKA_BROKERS: 'b:1',
        CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        CROSSDOCK_KAFKA_SASL_MECHANISM: 'GSSAPI',
        CROSSDOCK_KAFKA_USERNAME: 'u',
        CROSSDOCK_KAFKA_PASSWORD: 'p',
      },
      'CROSSDOCK_KAFKA_SASL_MECHANISM',
      /"GSSAPI" is not one of/,
    ],
    [
      'SASL without brokers',
      { CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' },
      'CROSSDOCK_KAFKA_BROKERS',
      /is needed with/,
    ],
    [
      'SASL without a user',
      {
        CROSSDOCK_KAFKA_BROKERS: 'b:1',
        CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        CROSSDOCK_KAFKA_PASSWORD: 'p',
      },
      'CROSSDOCK_KAFKA_USERNAME',
      /is needed/,
    ],
    [
      'SASL without a password',
      {
        CROSSDOCK_KAFKA_BROKERS: 'b:1',
        CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        CROSSDOCK_KAFKA_USERNAME: 'u',
      },
      'CROSSDOCK_KAFKA_PASSWORD',
      /PASSWORD_FILE is needed/,
    ],
    [
      'credentials on PLAINTEXT',
      { CROSSDOCK_KAFKA_USERNAME: 'u' },
      'CROSSDOCK_KAFKA_USERNAME',
      /logs in with no SASL/,
    ],
    ['a CA on PLAINTEXT', { CROSSDOCK_KAFKA_CA_FILE: '/nowhere' }, 'CROSSDOCK_KAFKA_CA_FILE', /uses no TLS/],
    [
      'a broker that is not host:port',
      { CROSSDOCK_KAFKA_BROKERS: 'kafka.example' },
      'CROSSDOCK_KAFKA_BROKERS',
      /not host:port/,
    ],
    [
      'a password and its file',
      {
        CROSSDOCK_KAFKA_BROKERS: 'b:1',
        CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        CROSSDOCK_KAFKA_USERNAME: 'u',
        CROSSDOCK_KAFKA_PASSWORD: 'p',
        CROSSDOCK_KAFKA_PASSWORD_FILE: '/x',
      },
      'CROSSDOCK_KAFKA_PASSWORD',
      /both CROSSDOCK_KAFKA_PASSWORD and CROSSDOCK_KAFKA_PASSWORD_FILE/,
    ],
    [
      'a registry token with basic auth',
      { CROSSDOCK_REGISTRY_TOKEN: 't', CROSSDOCK_REGISTRY_USERNAME: 'u' },
      'CROSSDOCK_REGISTRY_TOKEN',
      /either a bearer token or basic auth/,
    ],
    [
      'a registry password without a user',
      { CROSSDOCK_REGISTRY_PASSWORD: 'p' },
      'CROSSDOCK_REGISTRY_USERNAME',
      /is needed/,
    ],
    [
      'credentials inside the registry URL',
      { CROSSDOCK_REGISTRY_URL: 'https://u:p@reg' },
      'CROSSDOCK_REGISTRY_URL',
      /holds a user or password/,
    ],
    [
      'a Redis URL of another scheme',
      { REDIS_URL: 'http://r:6379' },
      'REDIS_URL',
      /must start with redis:\/\/ or rediss:\/\//,
    ],
    [
      'a Redis password twice',
      { REDIS_URL: 'redis://:a@r:1', CROSSDOCK_REDIS_PASSWORD: 'b' },
      'CROSSDOCK_REDIS_PASSWORD',
      /REDIS_URL holds a password too/,
    ],
    [
      'Redis TLS files on redis://',
      { REDIS_URL: 'redis://r:1', CROSSDOCK_REDIS_CA_FILE: '/x' },
      'CROSSDOCK_REDIS_CA_FILE',
      /use rediss:\/\//,
    ],
  ])('refuses %s naming the variable', (_what, env, variable, message) => {
    const r = refusal(env);
    expect(r.code).toBe('CD_E_CONNECTION_SETTING_INVALID');
    expect(r.variable).toBe(variable);
    expect(r.message).toMatch(message);
  });

  it('a registry CA file for an http URL is refused', () => {
    const r = refusal({
      CROSSDOCK_REGISTRY_URL: 'http://reg',
      CROSSDOCK_REGISTRY_CA_FILE: file('c2.pem', CERT),
    });
    expect(r).toMatchObject({
      code: 'CD_E_CONNECTION_SETTING_INVALID',
      variable: 'CROSSDOCK_REGISTRY_CA_FILE',
    });
    expect(r.message).toMatch(/use an https:\/\/ URL/);
  });

  it('a missing, empty or non-PEM file names the variable and the path', () => {
    const missing = path.join(dir, 'absent.pem');
    const m = refusal({
      CROSSDOCK_KAFKA_BROKERS: 'b:1',
      CROSSDOCK_KAFKA_SECURITY_PROTOCOL: 'SSL',
      CROSSDOCK_KAFKA_CA_FILE: missing,
    });
    expect(m.variable).toBe('CROSSDOCK_KAFKA_CA_FILE');
    expect(m.message).toContain(missing);
    expect(m.message).toMatch(/ENOENT/);
    const empty = file('empty', '\n');
    expect(refusal({ REDIS_URL: 'redis://r:1', CROSSDOCK_REDIS_PASSWORD_FILE: empty }).message).toContain(
      `the file ${empty} is empty`,
    );
    const notPem = file('not.pem', 'hello');
    const n = refusal({
      REDIS_URL: 'rediss://r:1',
      CROSSDOCK_REDIS_KEY_FILE: notPem,
      CROSSDOCK_REDIS_CERT_FILE: file('c3.pem', CERT),
    });
    expect(n).toMatchObject({ variable: 'CROSSDOCK_REDIS_KEY_FILE' });
    expect(n.message).toMatch(/holds no PEM private key/);
    const half = refusal({ REDIS_URL: 'rediss://r:1', CROSSDOCK_REDIS_CERT_FILE: file('c4.pem', CERT) });
    expect(half).toMatchObject({ variable: 'CROSSDOCK_REDIS_KEY_FILE' });
  });

  it('never puts a secret value in an error', () => {
    const secretValue = 'never-show-me';
    const errors = [
      refusal({ CROSSDOCK_KAFKA_PASSWORD: secretValue }),
      refusal({ REDIS_URL: `redis://:${secretValue}@r:1`, CROSSDOCK_REDIS_PASSWORD: secretValue }),
      refusal({ CROSSDOCK_REGISTRY_TOKEN: secretValue, CROSSDOCK_REGISTRY_PASSWORD: secretValue }),
    ];
    for (const e of errors) expect(JSON.stringify(e)).not.toContain(secretValue);
  });

  it('lists every secret-bearing variable', () => {
    expect([...SECRET_ENV_NAMES].sort()).toEqual([
      'CROSSDOCK_KAFKA_PASSWORD',
      'CROSSDOCK_REDIS_PASSWORD',
      'CROSSDOCK_REGISTRY_PASSWORD',
      'CROSSDOCK_REGISTRY_TOKEN',
    ]);
  });

  it('the documented table marks the same secrets', () => {
    expect(CONNECTION_ENV_VARIABLES.filter((v) => v.secret).map((v) => v.name)).toEqual([
      ...SECRET_ENV_NAMES,
    ]);
    expect(
      CONNECTION_ENV_VARIABLES.filter((v) => v.secretFile)
        .map((v) => v.name)
        .sort(),
    ).toEqual([...SECRET_FILE_ENV_NAMES].sort());
  });
});
