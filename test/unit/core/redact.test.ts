import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import {
  configSecrets,
  createRedactor,
  redact,
  refreshRedaction,
  rememberConfigSecrets,
  secretValues,
} from '../../../core/redact';
import { createLogger } from '../../../core/logger';
import { CrossdockError } from '../../../core/errors';
import { output, reportError } from '../../../cli/output';

/** core/redact.ts: secret values and URL passwords become *** wherever the process prints. */

function sink(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('createRedactor', () => {
  it('replaces each secret, longest first, and leaves other text alone', () => {
    const r = createRedactor(['s3cret-value', 's3cret-value-longer']);
    expect(r('a s3cret-value-longer b s3cret-value c')).toBe('a *** b *** c');
    expect(r('nothing here')).toBe('nothing here');
  });

  it('matches the JSON-escaped and URL-encoded forms, and a whsec_ key without its prefix', () => {
    const r = createRedactor(['pa"ss/word+1', 'whsec_QUJDREVGR0g=']);
    expect(r(JSON.stringify({ p: 'pa"ss/word+1' }))).toBe('{"p":"***"}');
    expect(r(`x=${encodeURIComponent('pa"ss/word+1')}`)).toBe('x=***');
    expect(r('key QUJDREVGR0g= used')).toBe('key *** used');
  });

  it('values shorter than 6 characters are not matched (they would mask ordinary words)', () => {
    const r = createRedactor(['abc', 'token1']);
    expect(r('abc token1')).toBe('abc ***');
    expect(r.size).toBe(1);
  });

  it('masks the password of any URL with credentials, known or not', () => {
    const r = createRedactor([]);
    expect(r('Redis at redis://:hunter2@10.0.0.5:6379/0 refused')).toBe(
      'Redis at redis://:***@10.0.0.5:6379/0 refused',
    );
    expect(r('"url":"rediss://hub:p%40ss@redis.example:6380"')).toBe(
      '"url":"rediss://hub:***@redis.example:6380"',
    );
    expect(r('mail me: ops@example.com, see http://example.com/a@b')).toBe(
      'mail me: ops@example.com, see http://example.com/a@b',
    );
  });
});

describe('which values are secret', () => {
  it('the connection variables, names that say secret, _FILE contents, REDIS_URL passwords and secretsEnv lists', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-redact-'));
    const file = path.join(dir, 'pw');
    fs.writeFileSync(file, 'from-a-file-123\n');
    const env = {
      CROSSDOCK_KAFKA_PASSWORD: 'kafka-pw-123',
      CROSSDOCK_REGISTRY_PASSWORD_FILE: file,
      CROSSDOCK_KEY_US_CHI: 'site-key-abc',
      PARTNER_API_KEY: 'partner-xyz',
      REDIS_URL: 'redis://:redis-pw-9@127.0.0.1:6379',
      HOME: '/home/someone',
      MY_WEBHOOKS: 'whsec_AAAAAAAA whsec_BBBBBBBB',
    };
    const values = secretValues(env, ['MY_WEBHOOKS']);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(values).toEqual(
      expect.arrayContaining([
        'kafka-pw-123',
        'from-a-file-123',
        'site-key-abc',
        'partner-xyz',
        'redis-pw-9',
        'whsec_AAAAAAAA',
        'whsec_BBBBBBBB',
      ]),
    );
    expect(values).not.toContain('/home/someone');
    expect(values).not.toContain(file);
  });

  it('configSecrets: the variables a configuration reads secrets from and its literal secrets', () => {
    expect(
      configSecrets({
        sites: [{ connector: { kind: 'http', keys: [{ id: 'k1', secretEnv: 'SITE_K1' }] } }],
        subscribers: [
          {
            sink: {
              kind: 'http',
              secrets: ['${WH_1}', 'whsec_literal1'],
              secretsEnv: 'WH_LIST',
              headers: { Authorization: 'Bearer ${PARTNER:-none}' },
            },
          },
          { sink: { kind: 'kafka' } },
        ],
      }),
    ).toEqual({ names: ['SITE_K1', 'WH_LIST', 'WH_1', 'PARTNER'], values: ['whsec_literal1'] });
  });
});

describe('where it applies', () => {
  const env = {
    ...process.env,
    CD_UNIT_SITE_KEY: 'unit-site-secret-4711',
    CROSSDOCK_ADMIN_TOKEN: 'cdadm_unit_token_42',
  };
  beforeAll(() => {
    refreshRedaction(env);
    rememberConfigSecrets({
      sites: [{ connector: { keys: [{ secretEnv: 'CD_UNIT_SITE_KEY' }] } }],
      subscribers: [],
    });
  });
  afterAll(() => refreshRedaction(process.env));

  it('every log line, error objects and all', () => {
    const out = sink();
    const logger = createLogger({ destination: out.stream, level: 'info' });
    logger.info({ url: 'redis://:pw-in-url@h:1' }, 'key unit-site-secret-4711 read');
    logger.error({ err: new Error('refused cdadm_unit_token_42') }, 'failed');
    expect(out.text()).toContain('key *** read');
    expect(out.text()).toContain('redis://:***@h:1');
    expect(out.text()).toContain('refused ***');
    expect(out.text()).not.toMatch(/unit-site-secret-4711|cdadm_unit_token_42|pw-in-url/);
  });

  it('the CLI: results, --json and errors', () => {
    const stdout = sink();
    const stderr = sink();
    output(true, stdout.stream).result({ token: 'cdadm_unit_token_42' }, () => '');
    output(false, stdout.stream).result({}, () => 'key unit-site-secret-4711');
    const err = new CrossdockError('CD_E_REDIS_NOT_DURABLE', 'Redis at redis://:pw-in-url@h:1 could lose', {
      details: { redisUrl: 'redis://:pw-in-url@h:1' },
    });
    reportError(err, false, stderr.stream, stdout.stream);
    reportError(err, true, stderr.stream, stdout.stream);
    reportError(new Error('boom unit-site-secret-4711'), false, stderr.stream, stdout.stream);
    const all = stdout.text() + stderr.text();
    expect(all).toContain('"token": "***"');
    expect(all).toContain('redis://:***@h:1 could lose');
    expect(all).not.toMatch(/unit-site-secret-4711|cdadm_unit_token_42|pw-in-url/);
    expect(() => JSON.parse(stdout.text().split('\n}\n')[0]! + '\n}')).not.toThrow();
  });

  it('redact() picks up names remembered after it was first used', () => {
    expect(redact('late-secret-value-1')).toBe('late-secret-value-1');
    refreshRedaction({ ...env, LATE_ONE: 'late-secret-value-1' });
    rememberConfigSecrets({ sites: [], subscribers: [{ sink: { secretsEnv: 'LATE_ONE' } }] });
    expect(redact('late-secret-value-1')).toBe('***');
  });
});
