import { Cluster } from 'ioredis';
import { withoutCredentials } from '../../../core/connection';
import { resolveEndpoints } from '../../../core/env';
import { isCrossdockError } from '../../../core/errors';
import { clusterOptions, createRedis, isCluster, redisNodes } from '../../../core/redis';
import { clusterUrl, isClusterUrl, parseClusterUrl } from '../../../core/redis-cluster-url';

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isCrossdockError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('did not throw');
}

describe('REDIS_URL naming a Redis Cluster', () => {
  it('parses seeds, TLS, user and password (percent-decoded)', () => {
    expect(parseClusterUrl('redis+cluster://127.0.0.1:7001,127.0.0.1:7002')).toEqual({
      tls: false,
      seeds: [
        { host: '127.0.0.1', port: 7001 },
        { host: '127.0.0.1', port: 7002 },
      ],
      display: 'redis+cluster://127.0.0.1:7001,127.0.0.1:7002',
    });
    expect(parseClusterUrl('rediss+cluster://hub:p%40ss@r1.example:6380,[::1]:6381,r3/')).toEqual({
      tls: true,
      seeds: [
        { host: 'r1.example', port: 6380 },
        { host: '::1', port: 6381 },
        { host: 'r3', port: 6379 },
      ],
      username: 'hub',
      password: 'p@ss',
      display: 'rediss+cluster://r1.example:6380,[::1]:6381,r3:6379',
    });
    expect(parseClusterUrl('REDIS+CLUSTER://:pw@h:1').password).toBe('pw');
    expect(isClusterUrl('redis://h:1')).toBe(false);
    expect(clusterUrl([{ host: '127.0.0.1', port: 17001 }])).toBe('redis+cluster://127.0.0.1:17001');
  });

  it.each([
    ['redis+cluster://', 'names no node'],
    ['redis+cluster://a:1,,b:2', 'node 2 of the list is empty'],
    ['redis+cluster://a:1,b:x', 'is not host:port'],
    ['redis+cluster://a:70000', 'port must be 1-65535'],
    ['redis+cluster://a:', 'empty port'],
    ['redis+cluster://a:1,a:1', 'listed twice'],
    ['redis+cluster://a:1/3', 'only database 0'],
    ['redis+cluster://a:1?family=6', 'no query string'],
    ['redis+cluster:/a:1', 'must be redis+cluster://'],
  ])('%s is refused with CD_E_REDIS_CLUSTER_URL_INVALID (%s)', (url, words) => {
    const { code, message } = codeOf(() => parseClusterUrl(url));
    expect(code).toBe('CD_E_REDIS_CLUSTER_URL_INVALID');
    expect(message).toContain(words);
  });

  it('a refused URL never shows its password', () => {
    const { message } = codeOf(() => parseClusterUrl('redis+cluster://hub:s3cret@a:1,a:1'));
    expect(message).not.toContain('s3cret');
    expect(message).toContain('redis+cluster://a:1,a:1');
    expect(withoutCredentials('rediss+cluster://hub:s3cret@a:1,b:2')).toBe('rediss+cluster://a:1,b:2');
  });

  it('resolveEndpoints: the connection holds the seeds and the credentials; the URL shown holds none', () => {
    const e = resolveEndpoints({ REDIS_URL: 'redis+cluster://hub:pw@127.0.0.1:17001,127.0.0.1:17002' });
    expect(e.redis).toEqual({
      url: 'redis+cluster://127.0.0.1:17001,127.0.0.1:17002',
      cluster: {
        seeds: [
          { host: '127.0.0.1', port: 17001 },
          { host: '127.0.0.1', port: 17002 },
        ],
      },
      username: 'hub',
      password: 'pw',
    });
    expect(e.redisUrl).toBe('redis+cluster://127.0.0.1:17001,127.0.0.1:17002');
    expect(e.external.redis).toBe(true);
    expect(resolveEndpoints({ REDIS_URL: 'rediss+cluster://r:6380' }).redis.tls).toEqual({});
    expect(codeOf(() => resolveEndpoints({ REDIS_URL: 'redis+cluster://r:1,' })).code).toBe(
      'CD_E_REDIS_CLUSTER_URL_INVALID',
    );
    // A redis:// URL is read as before.
    expect(resolveEndpoints({ REDIS_URL: 'redis://r:6379' }).redis).toEqual({ url: 'redis://r:6379' });
  });

  it('cluster options carry the security, the name and failFast', () => {
    const o = clusterOptions(
      { url: 'rediss+cluster://r:1', cluster: { seeds: [{ host: 'r', port: 1 }] }, password: 'p', tls: {} },
      { name: 'crossdock-x', failFast: true, commandTimeoutMs: 500 },
    );
    expect(o.redisOptions).toEqual({
      password: 'p',
      tls: {},
      connectionName: 'crossdock-x',
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
    });
    expect(o.enableOfflineQueue).toBe(false);
    expect(o.scaleReads).toBe('master');
    expect(typeof o.dnsLookup).toBe('function');
    const queued = clusterOptions({ url: 'redis+cluster://r:1', cluster: { seeds: [] } }, {});
    expect(queued.enableOfflineQueue).toBe(true);
    expect(queued.dnsLookup).toBeUndefined();
  });

  it('createRedis makes a Cluster for a cluster URL or connection, a plain client otherwise', () => {
    const a = createRedis({ url: 'redis+cluster://127.0.0.1:1', name: 't', failFast: true });
    const b = createRedis({ url: 'redis://127.0.0.1:1', failFast: true });
    try {
      expect(a).toBeInstanceOf(Cluster);
      expect(isCluster(a)).toBe(true);
      expect(isCluster(b)).toBe(false);
      expect(redisNodes(b)).toEqual([b]);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
