import { Webhook } from 'standardwebhooks';
import { generateSecret, secretKey, signWebhook } from '../../../connectors/sinks/signing';
import { compileSinkSettings } from '../../../connectors/sinks/settings';

describe('Standard Webhooks signing', () => {
  it('verifies with the independent standardwebhooks implementation', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ hello: 'world', amount: '12.50' });
    const ts = Math.floor(Date.now() / 1000);
    const headers = signWebhook([secretKey(secret)], 'evt-1', ts, body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('rotation: one signature per secret, either key verifies; a tampered body does not', () => {
    const [oldS, newS] = [generateSecret(), generateSecret()];
    const body = Buffer.from('{"a":1}');
    const headers = signWebhook([secretKey(newS), secretKey(oldS)], 'evt-2', Date.now() / 1000, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldS).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(newS).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(newS).verify('{"a":2}', { ...headers })).toThrow();
  });

  it('sink settings take secrets from the file, ${ENV} and secretsEnv', () => {
    const env = { S1: 'whsec_AAAA', BOTH: 'whsec_BBBB whsec_CCCC', KEY: 'k-1' };
    const s = compileSinkSettings(
      {
        kind: 'http',
        url: 'http://x/y',
        secrets: ['${S1}'],
        secretsEnv: 'BOTH',
        headers: { 'X-Api-Key': '${KEY}' },
      },
      'fin',
      'cd',
      8,
      env,
    );
    expect(s).toMatchObject({
      kind: 'http',
      body: 'json',
      timeoutMs: 10000,
      secrets: ['whsec_AAAA', 'whsec_BBBB', 'whsec_CCCC'],
      headers: { 'x-api-key': 'k-1' },
      connections: 8,
    });
    expect(compileSinkSettings({ kind: 'kafka' }, 'analytics', 'cd', 8)).toMatchObject({
      kind: 'kafka',
      topic: 'cd.sink.analytics',
      acks: -1,
      brokers: [],
    });
  });
});
