import { kafkajsSecurity } from '../../../core/kafka';
import { ioredisSecurity } from '../../../core/redis';
import { createSchemaResolver, registryAuthHeaders, registryRequest } from '../../../core/registry';

describe('connection objects into client options', () => {
  it('kafkajs: ssl true without files, the PEMs with them, and the SASL login', () => {
    expect(kafkajsSecurity({ brokers: ['b:1'] })).toEqual({});
    expect(kafkajsSecurity({ brokers: ['b:1'], ssl: {} })).toEqual({ ssl: true });
    expect(
      kafkajsSecurity({
        brokers: ['b:1'],
        ssl: { ca: ['CA'], cert: 'C', key: 'K' },
        sasl: { mechanism: 'scram-sha-512', username: 'hub', password: 'p' },
      }),
    ).toEqual({
      ssl: { ca: ['CA'], cert: 'C', key: 'K' },
      sasl: { mechanism: 'scram-sha-512', username: 'hub', password: 'p' },
    });
  });

  it('ioredis: user, password and TLS', () => {
    expect(ioredisSecurity({ url: 'redis://r:1' })).toEqual({});
    expect(ioredisSecurity({ url: 'rediss://r:1', username: 'u', password: 'p', tls: {} })).toEqual({
      username: 'u',
      password: 'p',
      tls: {},
    });
    expect(ioredisSecurity({ url: 'rediss://r:1', tls: { ca: ['CA'], cert: 'C', key: 'K' } }).tls).toEqual({
      ca: ['CA'],
      cert: 'C',
      key: 'K',
    });
  });

  it('registry: basic and bearer Authorization headers', () => {
    expect(registryAuthHeaders(undefined)).toEqual({});
    expect(registryAuthHeaders({ kind: 'basic', username: 'hub', password: 'pw' })).toEqual({
      authorization: `Basic ${Buffer.from('hub:pw').toString('base64')}`,
    });
    expect(registryAuthHeaders({ kind: 'bearer', token: 't0k' })).toEqual({ authorization: 'Bearer t0k' });
  });

  it('registryRequest and the resolver send the credentials on every call', async () => {
    const seen: Array<{ url: string; authorization: string | undefined }> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, authorization: (init.headers as Record<string, string>).authorization });
      return new Response(
        JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'X', fields: [] }) }),
        { status: 200 },
      );
    }) as unknown as typeof fetch;
    const registry = { url: 'https://reg.example/api/', auth: { kind: 'bearer', token: 'abc' } } as const;
    await registryRequest(registry, 'GET', '/subjects', undefined, { fetch: fakeFetch });
    await createSchemaResolver(registry, { fetch: fakeFetch }).getSchemaById(7);
    expect(seen).toEqual([
      { url: 'https://reg.example/api/subjects', authorization: 'Bearer abc' },
      { url: 'https://reg.example/api/schemas/ids/7', authorization: 'Bearer abc' },
    ]);
  });

  it('a registry answering 401 while running stays a retriable CD_E_REGISTRY_UNAVAILABLE', async () => {
    const fakeFetch = (async () =>
      new Response('{"message":"Unauthorized"}', { status: 401 })) as unknown as typeof fetch;
    await expect(
      createSchemaResolver(
        { url: 'https://reg', auth: { kind: 'basic', username: 'u', password: 'p' } },
        {
          fetch: fakeFetch,
        },
      ).getSchemaById(1),
    ).rejects.toMatchObject({ code: 'CD_E_REGISTRY_UNAVAILABLE', retriable: true, details: { status: 401 } });
  });
});
